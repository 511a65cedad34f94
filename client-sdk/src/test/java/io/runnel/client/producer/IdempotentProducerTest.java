package io.runnel.client.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.client.serialization.StringSerializer;
import io.runnel.client.testing.FakeBroker;
import io.runnel.common.TopicPartition;
import io.runnel.common.record.CloseableIterator;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.Records;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.TopicProduceData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an idempotent producer puts on the wire, against the fake cluster (which stores what it is sent and
 * does not check sequences): its producer id and epoch, per-partition sequences, at most the broker's
 * window of batches of a partition unacknowledged, retries alone, and the epoch bump of KIP-360 that
 * restarts a partition's sequences without reordering its records.
 */
class IdempotentProducerTest {

    private static final TopicPartition P0 = new TopicPartition("orders", 0);
    private static final TopicPartition P1 = new TopicPartition("orders", 1);

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
        RunnelProducer<String, String> producer = new RunnelProducer<>(config, new StringSerializer(), new StringSerializer());
        producers.add(producer);
        return producer;
    }

    private static List<String> values(List<RecordBatch> batches) {
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : batches) {
            try (CloseableIterator<Record> records = batch.records()) {
                records.forEachRemaining(r -> values.add(StandardCharsets.UTF_8.decode(r.value()).toString()));
            }
        }
        return values;
    }

    /** Every batch of {@code tp} sent to the broker, in the order they were sent (retries included). */
    private List<RecordBatch> sentBatches(TopicPartition tp) {
        List<RecordBatch> batches = new ArrayList<>();
        for (ProduceRequest request : broker.produceRequests()) {
            batches.addAll(batchesOf(request, tp));
        }
        return batches;
    }

    /** The batches of {@code tp} one produce request carried. */
    private static List<RecordBatch> batchesOf(ProduceRequest request, TopicPartition tp) {
        List<RecordBatch> batches = new ArrayList<>();
        for (TopicProduceData topic : request.getTopicsList()) {
            for (PartitionProduceData partition : topic.getPartitionsList()) {
                if (topic.getTopic().equals(tp.topic()) && partition.getPartition() == tp.partition()) {
                    Records.wrap(partition.getRecords().asReadOnlyByteBuffer()).batches().forEach(batches::add);
                }
            }
        }
        return batches;
    }

    @Test
    void batchesCarryTheProducerIdAndEachPartitionsOwnSequence() throws Exception {
        RunnelProducer<String, String> producer = producer();
        assertThat(producer.config().idempotenceEnabled()).isTrue();
        for (int i = 0; i < 6; i++) {
            producer.send(new ProducerRecord<>("orders", i % 2, "k", "v" + i)).get(10, TimeUnit.SECONDS);
        }
        assertThat(broker.initProducerIdRequests()).isEqualTo(1);
        for (TopicPartition tp : List.of(P0, P1)) {
            List<RecordBatch> batches = broker.batches(tp);
            assertThat(batches).extracting(RecordBatch::producerId).containsOnly(1000L);
            assertThat(batches).extracting(RecordBatch::producerEpoch).containsOnly((short) 0);
            assertThat(batches).extracting(RecordBatch::baseSequence).containsExactly(0, 1, 2);
        }
    }

    @Test
    void aPartitionKeepsAtMostTheBrokersWindowOfBatchesUnacknowledgedAndSendsThemTogether() throws Exception {
        int window = RecordBatch.PRODUCER_BATCHES_RETAINED;
        // Each record fills a batch; while the first request is held, the rest queue up behind it.
        broker.setProduceDelayMs(500);
        RunnelProducer<String, String> producer = producer("linger.ms", 60_000, "batch.size", 100);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        int records = 2 * window + 20;
        for (int i = 0; i < records; i++) {
            futures.add(producer.send(new ProducerRecord<>("orders", 0, "k", "value-" + "x".repeat(60) + i)));
        }
        producer.flush();
        for (Future<RecordMetadata> future : futures) {
            future.get(30, TimeUnit.SECONDS);
        }
        List<Integer> batchesPerRequest = new ArrayList<>();
        for (ProduceRequest request : broker.produceRequests()) {
            batchesPerRequest.add(batchesOf(request, P0).size());
        }
        // Never more than the broker remembers (any retry stays recognisable), and a full window once queued:
        // more than Kafka's five batches per partition in flight.
        assertThat(batchesPerRequest).allSatisfy(n -> assertThat(n).isBetween(1, window));
        assertThat(batchesPerRequest).contains(window);
        assertThat(broker.producesInProgressMax()).isEqualTo(1);
        assertThat(values(broker.batches(P0))).hasSize(records);
        assertThat(broker.batches(P0)).extracting(RecordBatch::baseSequence)
                .containsExactlyElementsOf(IntStream.range(0, records).boxed().toList());
    }

    @Test
    void aRetryGoesAloneWithItsOwnSequence() throws Exception {
        RunnelProducer<String, String> producer = producer("linger.ms", 60_000, "batch.size", 100);
        broker.failProduce(P0, ErrorCode.NOT_ENOUGH_REPLICAS, 1);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            futures.add(producer.send(new ProducerRecord<>("orders", 0, "k", "value-" + "x".repeat(60) + i)));
        }
        producer.flush();
        for (Future<RecordMetadata> future : futures) {
            future.get(10, TimeUnit.SECONDS);
        }
        // The first request failed. It carried the three batches unless the sender drained the first before
        // the others were appended (a race of the test, not of the rule): either way each batch it carried
        // was sent again in a request of its own, with the sequence it had, before anything else of P0.
        List<List<RecordBatch>> requests = new ArrayList<>();
        for (ProduceRequest request : broker.produceRequests()) {
            requests.add(batchesOf(request, P0));
        }
        List<RecordBatch> failed = requests.get(0);
        assertThat(failed).extracting(RecordBatch::baseSequence).startsWith(0);
        for (int i = 0; i < failed.size(); i++) {
            assertThat(requests.get(1 + i)).as("request %d", 1 + i).extracting(RecordBatch::baseSequence)
                    .containsExactly(failed.get(i).baseSequence());
        }
        assertThat(sentBatches(P0)).extracting(RecordBatch::baseSequence).hasSize(3 + failed.size())
                .containsOnly(0, 1, 2);
        assertThat(broker.batches(P0)).extracting(RecordBatch::baseSequence).containsExactly(0, 1, 2);
    }

    @Test
    void anOutOfOrderAnswerToTheNextBatchBumpsTheEpochAndResequencesWithoutReordering() throws Exception {
        RunnelProducer<String, String> producer = producer();
        producer.send(new ProducerRecord<>("orders", 0, "k", "a")).get(10, TimeUnit.SECONDS);
        producer.send(new ProducerRecord<>("orders", 1, "k", "p1-a")).get(10, TimeUnit.SECONDS);
        // The broker lost what came before: the next batch is refused as out of order.
        broker.failProduce(P0, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 1);
        RecordMetadata b = producer.send(new ProducerRecord<>("orders", 0, "k", "b")).get(10, TimeUnit.SECONDS);
        RecordMetadata c = producer.send(new ProducerRecord<>("orders", 0, "k", "c")).get(10, TimeUnit.SECONDS);
        producer.send(new ProducerRecord<>("orders", 1, "k", "p1-b")).get(10, TimeUnit.SECONDS);

        assertThat(b.offset()).isLessThan(c.offset());
        List<RecordBatch> stored = broker.batches(P0);
        assertThat(values(stored)).containsExactly("a", "b", "c");
        assertThat(stored).extracting(RecordBatch::producerEpoch).containsExactly((short) 0, (short) 1, (short) 1);
        assertThat(stored).extracting(RecordBatch::baseSequence).containsExactly(0, 0, 1);
        // The other partition moves to the new epoch too, from sequence 0.
        assertThat(broker.batches(P1)).extracting(RecordBatch::producerEpoch).containsExactly((short) 0, (short) 1);
        assertThat(broker.batches(P1)).extracting(RecordBatch::baseSequence).containsExactly(0, 0);
        assertThat(broker.initProducerIdRequests()).as("the epoch is bumped locally").isEqualTo(1);
    }

    @Test
    void anUnknownProducerIdIsRetriedUnderABumpedEpochFromSequenceZero() throws Exception {
        RunnelProducer<String, String> producer = producer();
        producer.send(new ProducerRecord<>("orders", 0, "k", "a")).get(10, TimeUnit.SECONDS);
        producer.send(new ProducerRecord<>("orders", 0, "k", "b")).get(10, TimeUnit.SECONDS);
        broker.failProduce(P0, ErrorCode.UNKNOWN_PRODUCER_ID, 2);
        producer.send(new ProducerRecord<>("orders", 0, "k", "c")).get(10, TimeUnit.SECONDS);
        List<RecordBatch> stored = broker.batches(P0);
        assertThat(values(stored)).containsExactly("a", "b", "c");
        // One bump only: the second refusal came for a batch already given its new sequence.
        assertThat(stored.get(2).producerEpoch()).isEqualTo((short) 1);
        assertThat(stored.get(2).baseSequence()).isZero();
    }

    @Test
    void aBatchRefusedForGoodMakesTheNextBatchStartANewEpoch() throws Exception {
        RunnelProducer<String, String> producer = producer();
        producer.send(new ProducerRecord<>("orders", 0, "k", "a")).get(10, TimeUnit.SECONDS);
        broker.failProduce(P0, ErrorCode.INVALID_RECORD, 1);
        Future<RecordMetadata> refused = producer.send(new ProducerRecord<>("orders", 0, "k", "b"));
        await().atMost(Duration.ofSeconds(10)).until(refused::isDone);
        producer.send(new ProducerRecord<>("orders", 0, "k", "c")).get(10, TimeUnit.SECONDS);
        List<RecordBatch> stored = broker.batches(P0);
        assertThat(values(stored)).containsExactly("a", "c");
        // Sequence 1 was never written: continuing at 2 would be a gap, so "c" starts epoch 1 at 0.
        assertThat(stored.get(1).producerEpoch()).isEqualTo((short) 1);
        assertThat(stored.get(1).baseSequence()).isZero();
    }

    @Test
    void withIdempotenceOffBatchesCarryNoProducer() throws Exception {
        RunnelProducer<String, String> producer = producer("enable.idempotence", false);
        producer.send(new ProducerRecord<>("orders", 0, "k", "a")).get(10, TimeUnit.SECONDS);
        assertThat(broker.batches(P0).get(0).producerId()).isEqualTo(RecordBatch.NO_PRODUCER_ID);
        assertThat(broker.batches(P0).get(0).baseSequence()).isEqualTo(RecordBatch.NO_SEQUENCE);
        assertThat(broker.initProducerIdRequests()).isZero();
    }
}
