package io.runnel.client.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.testing.FaultyLinkProxy;
import io.runnel.client.testing.FaultyLinkProxy.Fault;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idempotent producer against a real single node, with faults injected on the producer's link by a
 * {@link FaultyLinkProxy}: answers lost after the broker appended, requests lost before it, retriable
 * errors. What is checked is the log itself, read back by a consumer.
 */
class IdempotenceEndToEndTest {

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static RunnelAdmin admin;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.singleNode(dir).start();
        admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        admin.close();
        cluster.close();
    }

    private static void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get(30, TimeUnit.SECONDS);
    }

    private static RunnelProducer<String, String> producer(String bootstrap, Map<String, Object> extra) {
        Map<String, Object> configs = new HashMap<>(Map.of("bootstrap.servers", bootstrap,
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer",
                "retry.backoff.ms", 10));
        configs.putAll(extra);
        return new RunnelProducer<>(configs);
    }

    /** Every record of the topic, read from the real node, in offset order per partition. */
    private static List<ConsumerRecord<String, String>> readAll(String topic, int partitions) throws Exception {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer"))) {
            List<TopicPartition> assignment = new ArrayList<>();
            Map<TopicPartition, Long> ends = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                assignment.add(tp);
            }
            consumer.assign(assignment);
            consumer.seekToBeginning(assignment);
            ends.putAll(consumer.endOffsets(assignment));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && assignment.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /** Sends {@code count} records with unique values and returns each value's acknowledged metadata. */
    private static Map<String, RecordMetadata> sendAll(RunnelProducer<String, String> producer, String topic, int partitions,
                                                       int count) throws Exception {
        Map<String, Future<RecordMetadata>> futures = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            String value = String.format("%d-%05d", i % partitions, i);
            futures.put(value, producer.send(new ProducerRecord<>(topic, i % partitions, "k" + i, value)));
        }
        producer.flush();
        Map<String, RecordMetadata> acknowledged = new TreeMap<>();
        for (Map.Entry<String, Future<RecordMetadata>> entry : futures.entrySet()) {
            acknowledged.put(entry.getKey(), entry.getValue().get(60, TimeUnit.SECONDS));
        }
        return acknowledged;
    }

    private static Map<String, Integer> copies(List<ConsumerRecord<String, String>> records) {
        Map<String, Integer> copies = new TreeMap<>();
        records.forEach(r -> copies.merge(r.value(), 1, Integer::sum));
        return copies;
    }

    @Test
    void answersLostAfterTheAppendLeaveEachRecordOnceAtItsReportedOffsetWithIdempotenceAndDuplicatesWithout()
            throws Exception {
        IntFunction<Fault> everyThirdAnswerLost = n -> n % 3 == 0 ? Fault.DROP_ANSWER_AFTER_APPEND : Fault.NONE;
        int count = 400;

        createTopic("lost-answers-idempotent", 3, Map.of());
        // One batch per request (max.request.size below two batches), for the reason given below.
        try (FaultyLinkProxy proxy = new FaultyLinkProxy(cluster.bootstrapServers(), everyThirdAnswerLost);
             RunnelProducer<String, String> producer = producer(proxy.bootstrap(),
                     Map.of("linger.ms", 2, "batch.size", 100, "max.request.size", 150))) {
            assertThat(producer.config().idempotenceEnabled()).isTrue();
            Map<String, RecordMetadata> acknowledged = sendAll(producer, "lost-answers-idempotent", 3, count);
            assertThat(proxy.faultsApplied()).isGreaterThan(3);
            assertThat(producer.metrics().value("record-retry-total")).isPositive();
            List<ConsumerRecord<String, String>> log = readAll("lost-answers-idempotent", 3);
            assertThat(copies(log).values()).as("every record exactly once").containsOnly(1);
            assertThat(log).hasSize(count);
            for (ConsumerRecord<String, String> record : log) {
                RecordMetadata reported = acknowledged.get(record.value());
                assertThat(reported.partition()).isEqualTo(record.partition());
                assertThat(reported.offset()).as("offset reported for %s", record.value()).isEqualTo(record.offset());
            }
        }

        createTopic("lost-answers-plain", 3, Map.of());
        // max.request.size below two batches: one batch per request, so however the sends and the sender
        // interleave there are many requests and every third loses its answer (with a large request size a
        // fast sender could carry everything in two requests and no answer would be lost).
        try (FaultyLinkProxy proxy = new FaultyLinkProxy(cluster.bootstrapServers(), everyThirdAnswerLost);
             RunnelProducer<String, String> producer = producer(proxy.bootstrap(),
                     Map.of("linger.ms", 2, "batch.size", 100, "max.request.size", 150, "enable.idempotence", false))) {
            sendAll(producer, "lost-answers-plain", 3, count);
            assertThat(proxy.faultsApplied()).isGreaterThan(3);
            Map<String, Integer> copies = copies(readAll("lost-answers-plain", 3));
            assertThat(copies).hasSize(count);
            assertThat(copies.values().stream().filter(n -> n > 1).count()).as("records written twice").isPositive();
        }
    }

    @Test
    void fiveRequestsInFlightWithTransientFailuresKeepEachPartitionInSendOrder() throws Exception {
        IntFunction<Fault> faults = n -> n % 5 == 1 ? Fault.DROP_ANSWER_AFTER_APPEND
                : n % 7 == 3 ? Fault.FAIL_BEFORE_BROKER
                : n % 11 == 4 ? Fault.RETRIABLE_ERROR : Fault.NONE;
        int partitions = 4;
        int count = 2_000;
        createTopic("in-order", partitions, Map.of());
        try (FaultyLinkProxy proxy = new FaultyLinkProxy(cluster.bootstrapServers(), faults);
             // Requests of a few batches each (max.request.size), so there are many and the faults hit often.
             RunnelProducer<String, String> producer = producer(proxy.bootstrap(), Map.of("linger.ms", 5,
                     "batch.size", 300, "max.request.size", 1000, "max.in.flight.requests.per.connection", 5))) {
            sendAll(producer, "in-order", partitions, count);
            assertThat(proxy.faultsApplied()).isGreaterThan(10);
        }
        List<ConsumerRecord<String, String>> log = readAll("in-order", partitions);
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            List<String> stored = log.stream().filter(r -> r.partition() == partition).map(ConsumerRecord::value).toList();
            List<String> sent = new ArrayList<>();
            for (int i = p; i < count; i += partitions) {
                sent.add(String.format("%d-%05d", partition, i));
            }
            assertThat(stored).as("partition %d", p).containsExactlyElementsOf(sent);
        }
    }

    @Test
    void anOversizedBatchIsSplitAndASingleOversizedRecordFailsWithTheNamedErrorAndNothingAppended() throws Exception {
        createTopic("small-batches", 1, Map.of("max.message.bytes", "4096"));
        try (RunnelProducer<String, String> producer = producer(cluster.bootstrapServers(),
                Map.of("linger.ms", 500, "batch.size", 65536))) {
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                futures.add(producer.send(new ProducerRecord<>("small-batches", 0, "k", String.format("%03d", i) + "y".repeat(300))));
            }
            producer.flush();
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get(30, TimeUnit.SECONDS).offset()).isEqualTo(i);
            }
            assertThat(producer.metrics().value("batch-split-total")).isPositive();

            Future<RecordMetadata> oversized = producer.send(new ProducerRecord<>("small-batches", 0, "k", "z".repeat(10_000)));
            try {
                oversized.get(30, TimeUnit.SECONDS);
                throw new AssertionError("a record over max.message.bytes was accepted");
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOfSatisfying(ApiException.class, api -> {
                    assertThat(api.code()).isEqualTo(ErrorCode.RECORD_TOO_LARGE);
                    assertThat(api.getMessage()).contains("above max.message.bytes 4096").containsPattern("is 10\\d\\d\\d bytes");
                });
            }
            assertThat(producer.send(new ProducerRecord<>("small-batches", 0, "k", "after")).get(30, TimeUnit.SECONDS).offset())
                    .as("nothing of the oversized record was appended").isEqualTo(100);
        }
        List<ConsumerRecord<String, String>> log = readAll("small-batches", 1);
        assertThat(log).hasSize(101);
        for (int i = 0; i < 100; i++) {
            assertThat(log.get(i).value()).startsWith(String.format("%03d", i));
        }
    }
}
