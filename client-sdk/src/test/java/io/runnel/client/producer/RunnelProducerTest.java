package io.runnel.client.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.runnel.client.PartitionInfo;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.client.testing.FakeBroker;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.CloseableIterator;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ProduceRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The producer against the fake cluster: acks, retries, timeouts, ordering, sizes, metadata. */
class RunnelProducerTest {

    private static final TopicPartition P0 = new TopicPartition("orders", 0);

    private FakeBroker broker;
    private final List<RunnelProducer<String, String>> producers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = FakeBroker.start(2);
        broker.createTopic("orders", 2);
    }

    @AfterEach
    void stop() throws Exception {
        for (RunnelProducer<String, String> producer : producers) {
            producer.close(Duration.ofSeconds(5));
        }
        broker.close();
    }

    private RunnelProducer<String, String> producer(Object... keyValues) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", broker.bootstrap());
        config.put("linger.ms", 0);
        config.put("retry.backoff.ms", 10);
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        RunnelProducer<String, String> producer = new RunnelProducer<>(config, new StringSerializer(),
                new StringSerializer());
        producers.add(producer);
        return producer;
    }

    private static ApiException failure(Future<RecordMetadata> future) {
        try {
            future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ApiException.class);
            return (ApiException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError("the send did not fail in time", e);
        }
        throw new AssertionError("the send succeeded");
    }

    private static List<String> values(List<RecordBatch> batches) {
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : batches) {
            try (CloseableIterator<Record> it = batch.records()) {
                while (it.hasNext()) {
                    Record r = it.next();
                    byte[] bytes = new byte[r.valueSize()];
                    r.value().get(bytes);
                    values.add(new String(bytes, StandardCharsets.UTF_8));
                }
            }
        }
        return values;
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "all", "-1"})
    void acksAreSentAndAcks0LearnsNoOffset(String acks) throws Exception {
        RunnelProducer<String, String> producer = producer("acks", acks);
        RecordMetadata first = producer.send(new ProducerRecord<>("orders", 0, "k", "v1")).get(10, TimeUnit.SECONDS);
        RecordMetadata second = producer.send(new ProducerRecord<>("orders", 0, "k", "v2")).get(10, TimeUnit.SECONDS);
        int wire = acks.equals("all") ? -1 : Integer.parseInt(acks);
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.logEndOffset(P0) == 2);
        assertThat(broker.produceRequests()).extracting(ProduceRequest::getAcks).containsOnly(wire);
        if (wire == 0) {
            assertThat(first.hasOffset()).isFalse();
            assertThat(first.offset()).isEqualTo(-1);
        } else {
            assertThat(first.offset()).isEqualTo(0);
            assertThat(second.offset()).isEqualTo(1);
        }
        assertThat(first.serializedKeySize()).isEqualTo(1);
        assertThat(first.serializedValueSize()).isEqualTo(2);
        assertThat(first.topicPartition()).isEqualTo(P0);
    }

    @Test
    void keyedRecordsGoToTheKafkaPartition() throws Exception {
        broker.createTopic("keyed", 50);
        RunnelProducer<String, String> producer = producer();
        RecordMetadata metadata = producer.send(new ProducerRecord<>("keyed", "foobar", "v")).get(10, TimeUnit.SECONDS);
        assertThat(metadata.partition()).isEqualTo(16);
    }

    @Test
    void keylessRecordsStickToOnePartitionPerBatch() throws Exception {
        broker.createTopic("sticky", 4);
        RunnelProducer<String, String> producer = producer("linger.ms", 10_000, "batch.size", 1000);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            futures.add(producer.send(new ProducerRecord<>("sticky", "value-" + i)));
        }
        producer.flush();
        int switches = 0;
        for (int i = 1; i < futures.size(); i++) {
            if (futures.get(i).get().partition() != futures.get(i - 1).get().partition()) {
                switches++;
            }
        }
        // About 9 records of 100 bytes fill a 1000-byte batch: the partition changes only between batches.
        assertThat(switches).isBetween(1, 200 / 5);
        int stored = 0;
        for (int p = 0; p < 4; p++) {
            for (RecordBatch batch : broker.batches(new TopicPartition("sticky", p))) {
                assertThat(batch.sizeInBytes()).isLessThanOrEqualTo(1000 + 120);
                stored += batch.recordCount();
            }
        }
        assertThat(stored).isEqualTo(200);
    }

    @Test
    void notLeaderIsRetriedOnTheLeaderTheErrorNames() throws Exception {
        RunnelProducer<String, String> producer = producer();
        producer.send(new ProducerRecord<>("orders", 0, "k", "before")).get(10, TimeUnit.SECONDS);
        broker.moveLeader(P0, 1);
        RecordMetadata moved = producer.send(new ProducerRecord<>("orders", 0, "k", "after")).get(10, TimeUnit.SECONDS);
        assertThat(moved.offset()).isEqualTo(1);
        assertThat(values(broker.batches(P0))).containsExactly("before", "after");
    }

    @Test
    void aBrokerNotReadyOrStoppingIsRetried() throws Exception {
        // What a broker answers to calls it held while starting when it stops before it is ready: nothing
        // was applied, so the send goes again (Kafka does not retry BROKER_NOT_AVAILABLE; its brokers do not
        // answer produce requests with it).
        RunnelProducer<String, String> producer = producer();
        producer.partitionsFor("orders");
        broker.failProduce(P0, ErrorCode.BROKER_NOT_AVAILABLE, 2);
        RecordMetadata metadata = producer.send(new ProducerRecord<>("orders", 0, "k", "v")).get(10, TimeUnit.SECONDS);
        assertThat(metadata.offset()).isZero();
        assertThat(broker.produceRequests()).hasSize(3);
    }

    @Test
    void retriableErrorsAreRetriedUntilSuccess() throws Exception {
        RunnelProducer<String, String> producer = producer();
        producer.partitionsFor("orders");
        broker.failProduce(P0, ErrorCode.NOT_ENOUGH_REPLICAS, 3);
        RecordMetadata metadata = producer.send(new ProducerRecord<>("orders", 0, "k", "v")).get(10, TimeUnit.SECONDS);
        assertThat(metadata.offset()).isZero();
        assertThat(broker.produceRequests()).hasSize(4);
    }

    @Test
    void withoutRetriesARetriableErrorFailsTheSend() throws Exception {
        RunnelProducer<String, String> producer = producer("retries", 0);
        producer.partitionsFor("orders");
        broker.failProduce(P0, ErrorCode.NOT_ENOUGH_REPLICAS, 1);
        ApiException error = failure(producer.send(new ProducerRecord<>("orders", 0, "k", "v")));
        assertThat(error.code()).isEqualTo(ErrorCode.NOT_ENOUGH_REPLICAS);
        assertThat(error).as("catchable by type").isInstanceOf(io.runnel.common.errors.NotEnoughReplicasException.class);
    }

    @Test
    void nonRetriableErrorsFailAtOnceAndReachTheCallback() throws Exception {
        RunnelProducer<String, String> producer = producer();
        producer.partitionsFor("orders");
        broker.failProduce(P0, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 1);
        List<Exception> seen = new CopyOnWriteArrayList<>();
        Future<RecordMetadata> future = producer.send(new ProducerRecord<>("orders", 0, "k", "v"),
                (metadata, exception) -> seen.add(exception));
        ApiException error = failure(future);
        assertThat(error.code()).isEqualTo(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        assertThat(error).isInstanceOf(io.runnel.common.errors.AuthorizationException.class);
        assertThat(seen).containsExactly(error);
        assertThat(broker.produceRequests()).hasSize(1);
    }

    @Test
    void deliveryTimeoutBoundsRetries() {
        // Seconds, not milliseconds: a loaded machine still fits several attempts (100 ms apart) in them.
        RunnelProducer<String, String> producer = producer("delivery.timeout.ms", 3000, "request.timeout.ms", 1000);
        producer.partitionsFor("orders");
        broker.failProduce(P0, ErrorCode.NOT_ENOUGH_REPLICAS, 100_000);
        // The broker would fail 100,000 attempts; the send ends long before, by delivery.timeout.ms.
        ApiException error = failure(producer.send(new ProducerRecord<>("orders", 0, "k", "v")));
        assertThat(error.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
        assertThat(error).isInstanceOf(io.runnel.common.errors.TimeoutException.class);
        assertThat(error.getMessage()).contains("delivery.timeout.ms").contains("NOT_ENOUGH_REPLICAS");
        assertThat(broker.produceRequests().size()).isLessThan(100_000);
        assertThat(broker.produceRequests().size()).isGreaterThan(1);
    }

    @Test
    void aSlowBrokerTimesRequestsOutAndTheyAreRetried() throws Exception {
        // The broker answers three times later than the request timeout, and once it answers at once the
        // retries have 60 s to succeed: margins that hold on a loaded machine.
        RunnelProducer<String, String> producer = producer("request.timeout.ms", 1000, "delivery.timeout.ms", 60_000);
        producer.partitionsFor("orders");
        broker.setProduceDelayMs(3000);
        Future<RecordMetadata> future = producer.send(new ProducerRecord<>("orders", 0, "k", "v"));
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.produceRequests().size() >= 2);
        broker.setProduceDelayMs(0);
        // Without idempotence a timed-out request may still have been appended: at least once, as in Kafka.
        assertThat(future.get(60, TimeUnit.SECONDS).offset()).isGreaterThanOrEqualTo(0);
        assertThat(values(broker.batches(P0))).contains("v");
    }

    /**
     * A broker that never answers in time: the failure names the partition, the broker and both settings
     * that ran out, in Runnel's words; gRPC's description of the deadline stays in the cause chain.
     */
    @Test
    void aTimedOutProduceIsDescribedInRunnelsTerms() {
        RunnelProducer<String, String> producer = producer("request.timeout.ms", 1000, "delivery.timeout.ms", 2500);
        int leader = producer.partitionsFor("orders").stream().filter(p -> p.partition() == 0).findFirst().orElseThrow()
                .leader().id();
        broker.setProduceDelayMs(4000);
        ApiException error = failure(producer.send(new ProducerRecord<>("orders", 0, "k", "v")));
        broker.setProduceDelayMs(0);

        assertThat(error.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
        assertThat(error.getMessage()).contains("delivery.timeout.ms (2500 ms) elapsed for orders-0")
                .contains("produce request to broker " + leader + " at 127.0.0.1:")
                .contains("no answer within request.timeout.ms (1000 ms)")
                .doesNotContain("CallOptions", "remote_addr", "Name resolution", "deadline exceeded after");
        Throwable transport = error;
        while (transport.getCause() != null) {
            transport = transport.getCause();
        }
        assertThat(transport).as("the transport detail, for --verbose").isInstanceOf(io.grpc.StatusRuntimeException.class);
    }

    @Test
    void recordsOfAPartitionKeepTheirOrderAcrossRetries() throws Exception {
        RunnelProducer<String, String> producer = producer("batch.size", 300, "linger.ms", 1);
        producer.partitionsFor("orders");
        broker.failProduce(P0, ErrorCode.NOT_ENOUGH_REPLICAS, 2);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        List<Integer> callbackOrder = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 500; i++) {
            int index = i;
            sent.add("value-" + i);
            futures.add(producer.send(new ProducerRecord<>("orders", 0, null, "value-" + i),
                    (metadata, exception) -> callbackOrder.add(index)));
        }
        producer.flush();
        long previous = -1;
        for (Future<RecordMetadata> future : futures) {
            long offset = future.get().offset();
            assertThat(offset).isGreaterThan(previous);
            previous = offset;
        }
        assertThat(values(broker.batches(P0))).isEqualTo(sent);
        assertThat(callbackOrder).isSorted().hasSize(500);
    }

    @Test
    void aRecordLargerThanMaxRequestSizeFailsItsFuture() {
        RunnelProducer<String, String> producer = producer("max.request.size", 1000);
        List<Exception> seen = new CopyOnWriteArrayList<>();
        Future<RecordMetadata> future = producer.send(new ProducerRecord<>("orders", 0, "k", "x".repeat(2000)),
                (metadata, exception) -> seen.add(exception));
        ApiException error = failure(future);
        assertThat(error.code()).isEqualTo(ErrorCode.RECORD_TOO_LARGE);
        assertThat(error.getMessage()).contains("max.request.size");
        assertThat(seen).hasSize(1);
    }

    @Test
    void theBrokersRecordTooLargeIsNotRetried() throws Exception {
        broker.createTopic("small", 1, 1, Map.of("max.message.bytes", "500"));
        RunnelProducer<String, String> producer = producer();
        ApiException error = failure(producer.send(new ProducerRecord<>("small", 0, "k", "x".repeat(800))));
        assertThat(error.code()).isEqualTo(ErrorCode.RECORD_TOO_LARGE);
        assertThat(broker.produceRequests()).hasSize(1);
    }

    @Test
    void metadataRequestsAllowAutoCreation() throws Exception {
        broker.setAutoCreateTopics(true, 3);
        RunnelProducer<String, String> producer = producer();
        RecordMetadata metadata = producer.send(new ProducerRecord<>("fresh", "v")).get(10, TimeUnit.SECONDS);
        assertThat(broker.autoCreationRequested("fresh")).isTrue();
        assertThat(broker.topicExists("fresh")).isTrue();
        assertThat(metadata.partition()).isBetween(0, 2);
        List<PartitionInfo> partitions = producer.partitionsFor("fresh");
        assertThat(partitions).hasSize(3);
        assertThat(partitions.get(0).leader()).isNotNull();
    }

    @Test
    void aTopicThatNeverAppearsFailsAfterMaxBlockMs() {
        broker.setAutoCreateTopics(false, 1);
        RunnelProducer<String, String> producer = producer("max.block.ms", 300);
        ApiException error = failure(producer.send(new ProducerRecord<>("missing", "v")));
        assertThat(error.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
        assertThat(error.getMessage()).contains("topic 'missing' not present in metadata after 300 ms");
        assertThatThrownBy(() -> producer.partitionsFor("missing")).isInstanceOf(ApiException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void aPartitionTheTopicLacksFailsAtOnceNamingThePartitionCount() {
        // max.block.ms far above the test's patience: the send must not wait for partition 42 to appear.
        RunnelProducer<String, String> producer = producer("max.block.ms", 20_000);
        int partitions = producer.partitionsFor("orders").size();
        ApiException error = failure(producer.send(new ProducerRecord<>("orders", 42, "k", "v")));
        assertThat(error).isInstanceOf(io.runnel.common.errors.UnknownTopicOrPartitionException.class);
        assertThat(error.getMessage()).isEqualTo("partition 42 of topic 'orders' does not exist: the topic has "
                + partitions + " partitions (0 to " + (partitions - 1) + ")");
    }

    @Test
    void anExplicitPartitionBeyondTheTopicFailsAfterMaxBlockMs() {
        RunnelProducer<String, String> producer = producer("max.block.ms", 200);
        // The topic's metadata is loaded first, so the 200 ms wait can only end for the missing partition.
        assertThat(producer.partitionsFor("orders")).hasSize(2);
        ApiException error = failure(producer.send(new ProducerRecord<>("orders", 5, "k", "v")));
        assertThat(error.getMessage()).contains("partition 5 of topic 'orders'");
    }

    @Test
    void sendBlocksOnFullBufferMemoryAndGivesUpAfterMaxBlockMs() throws Exception {
        RunnelProducer<String, String> producer = producer("buffer.memory", 4096, "batch.size", 1024,
                "max.request.size", 1024, "max.block.ms", 200, "linger.ms", 0);
        producer.partitionsFor("orders");
        broker.setProduceDelayMs(500);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            futures.add(producer.send(new ProducerRecord<>("orders", i % 2, "k", "x".repeat(900))));
        }
        long timedOut = futures.stream().filter(f -> {
            if (!f.isDone()) {
                return false;
            }
            try {
                f.get();
                return false;
            } catch (Exception e) {
                return e.getCause() instanceof ApiException api && api.code() == ErrorCode.REQUEST_TIMED_OUT
                        && api.getMessage().contains("buffer.memory");
            }
        }).count();
        assertThat(timedOut).isGreaterThan(0);
        broker.setProduceDelayMs(0);
    }

    /**
     * Every produce fails retriably and the buffer is full, so the sending thread waits for memory while the
     * queued batches wait for their retries: those batches must still expire at delivery.timeout.ms, fail
     * their records and give their memory back, so the blocked sends go on (and fail the same way) instead
     * of waiting until max.block.ms (kept far above the test's bound) with the sender idle.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void batchesWaitingForRetryExpireAtTheDeliveryTimeoutWhileTheBufferIsFull(boolean idempotence) throws Exception {
        RunnelProducer<String, String> producer = producer("enable.idempotence", idempotence, "buffer.memory", 4096,
                "batch.size", 1024, "max.request.size", 1024, "max.block.ms", 600_000, "delivery.timeout.ms", 2000,
                "request.timeout.ms", 1000);
        producer.partitionsFor("orders");
        broker.failProduce(P0, ErrorCode.NOT_ENOUGH_REPLICAS, 1_000_000);
        int records = 16; // one batch each, four fit in buffer.memory: the sends block three times over
        java.util.concurrent.ExecutorService sending = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            Future<List<Future<RecordMetadata>>> sent = sending.submit(() -> {
                List<Future<RecordMetadata>> futures = new ArrayList<>();
                for (int i = 0; i < records; i++) {
                    futures.add(producer.send(new ProducerRecord<>("orders", 0, "k", "x".repeat(900))));
                }
                return futures;
            });
            // Without expiry the sending thread stays blocked for max.block.ms (10 minutes): this get fails first.
            List<Future<RecordMetadata>> futures = sent.get(120, TimeUnit.SECONDS);
            for (Future<RecordMetadata> future : futures) {
                ApiException error = failure(future);
                assertThat(error.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
                assertThat(error.getMessage()).contains("delivery.timeout.ms").doesNotContain("buffer.memory");
            }
        } finally {
            sending.shutdownNow();
        }
        assertThat(producer.metrics().value("record-error-total")).isEqualTo((double) records);
        assertThat(producer.metrics().value("record-retry-total")).isPositive();
        assertThat(broker.produceRequests().size()).isGreaterThan(1);
        // A batch's future completes just before the sender gives its memory back: awaited, not asserted at once.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(producer.metrics().value("buffer-available-bytes"))
                .as("every batch gave its memory back").isEqualTo(producer.metrics().value("buffer-total-bytes")));
    }

    @Test
    void flushSendsLingeringBatchesAtOnce() throws Exception {
        RunnelProducer<String, String> producer = producer("linger.ms", 60_000);
        Future<RecordMetadata> future = producer.send(new ProducerRecord<>("orders", 1, "k", "v"));
        producer.flush();
        assertThat(future.isDone()).isTrue();
        assertThat(future.get().offset()).isZero();
    }

    @Test
    void closeSendsWhatIsBufferedAndForcedCloseFailsTheRest() throws Exception {
        RunnelProducer<String, String> producer = producer("linger.ms", 60_000);
        Future<RecordMetadata> buffered = producer.send(new ProducerRecord<>("orders", 0, "k", "v"));
        producer.close(Duration.ofSeconds(10));
        assertThat(buffered.get().offset()).isZero();
        assertThatThrownBy(() -> producer.send(new ProducerRecord<>("orders", "v")))
                .isInstanceOf(IllegalStateException.class);

        RunnelProducer<String, String> second = producer("linger.ms", 0);
        second.partitionsFor("orders");
        broker.stopBroker(1);
        // Partition 1 is led by the stopped broker: its record cannot be delivered.
        Future<RecordMetadata> stuck = second.send(new ProducerRecord<>("orders", 1, "k", "v"));
        second.close(Duration.ZERO);
        ApiException error = failure(stuck);
        assertThat(error.getMessage()).contains("closed");
    }

    @Test
    void manyThreadsMaySendAtOnce() throws Exception {
        RunnelProducer<String, String> producer = producer("linger.ms", 2, "batch.size", 2048);
        int threads = 4;
        int perThread = 250;
        List<Future<RecordMetadata>> futures = new CopyOnWriteArrayList<>();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            senders.add(new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    futures.add(producer.send(new ProducerRecord<>("orders", "t" + thread + "-" + i, "v")));
                }
            }));
        }
        senders.forEach(Thread::start);
        for (Thread sender : senders) {
            sender.join(30_000);
        }
        producer.flush();
        assertThat(futures).hasSize(threads * perThread);
        for (Future<RecordMetadata> future : futures) {
            assertThat(future.get().offset()).isGreaterThanOrEqualTo(0);
        }
        assertThat(broker.logEndOffset(P0) + broker.logEndOffset(new TopicPartition("orders", 1)))
                .isEqualTo(threads * perThread);
    }

    @Test
    void anUnknownPartitionErrorRefreshesMetadataAndIsRetried() throws Exception {
        RunnelProducer<String, String> producer = producer();
        producer.partitionsFor("orders");
        int before = broker.metadataRequests();
        broker.failProduce(P0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 1);
        assertThat(producer.send(new ProducerRecord<>("orders", 0, "k", "v")).get(10, TimeUnit.SECONDS).offset())
                .isZero();
        // The refresh is asynchronous: the retry (10 ms later) may be answered before the metadata request lands.
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.metadataRequests() > before);
    }

    @Test
    void metadataIsRefreshedAfterMaxAgeAndSeesNewPartitions() throws Exception {
        RunnelProducer<String, String> producer = producer("metadata.max.age.ms", 100);
        producer.send(new ProducerRecord<>("orders", 0, "k", "v")).get(10, TimeUnit.SECONDS);
        broker.createTopic("growing", 1);
        assertThat(producer.partitionsFor("growing")).hasSize(1);
        broker.createTopic("growing", 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> producer.partitionsFor("growing").size() == 3);
        assertThat(producer.send(new ProducerRecord<>("growing", 2, "k", "v")).get(10, TimeUnit.SECONDS).partition())
                .isEqualTo(2);
    }

    @Test
    void readyBatchesForOneBrokerTravelInOneRequest() throws Exception {
        broker.createTopic("spread", 4); // partitions 0 and 2 are led by broker 0, 1 and 3 by broker 1
        RunnelProducer<String, String> producer = producer("linger.ms", 60_000);
        producer.partitionsFor("spread");
        for (int p = 0; p < 4; p++) {
            producer.send(new ProducerRecord<>("spread", p, "k", "v" + p));
        }
        producer.flush();
        assertThat(broker.produceRequests()).hasSize(2);
        for (ProduceRequest request : broker.produceRequests()) {
            assertThat(request.getTopics(0).getPartitionsList()).hasSize(2);
        }
    }

    @Test
    void inFlightRequestsPerBrokerAreBounded() throws Exception {
        try (FakeBroker single = FakeBroker.start(1)) {
            single.createTopic("wide", 6);
            Map<String, Object> config = new HashMap<>();
            config.put("bootstrap.servers", single.bootstrap());
            config.put("linger.ms", 0);
            config.put("max.in.flight.requests.per.connection", 2);
            try (RunnelProducer<String, String> producer = new RunnelProducer<>(config, new StringSerializer(),
                    new StringSerializer())) {
                producer.partitionsFor("wide");
                single.setProduceDelayMs(100);
                List<Future<RecordMetadata>> futures = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (int p = 0; p < 6; p++) {
                        futures.add(producer.send(new ProducerRecord<>("wide", p, "k", "v")));
                    }
                }
                producer.flush();
                for (Future<RecordMetadata> future : futures) {
                    assertThat(future.get().offset()).isGreaterThanOrEqualTo(0);
                }
            }
            assertThat(single.producesInProgressMax()).isBetween(1, 2);
        }
    }
}
