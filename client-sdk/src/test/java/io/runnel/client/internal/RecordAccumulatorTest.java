package io.runnel.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.runnel.client.Node;
import io.runnel.client.PartitionInfo;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.Records;
import io.runnel.proto.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RecordAccumulatorTest {

    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final Node NODE = new Node(7, "localhost", 9092, "");
    private static final ClusterMetadata.Snapshot CLUSTER = new ClusterMetadata.Snapshot("c", 0, Map.of(7, NODE),
            Map.of("t", new ClusterMetadata.TopicState("t", ErrorCode.NONE, "", "id", false,
                    List.of(new PartitionInfo("t", 0, NODE, 0, List.of(NODE), List.of(NODE), List.of())))), 0);
    private static final byte[] VALUE = new byte[100];

    private static RecordAccumulator accumulator(int batchSize, long lingerMs, MemoryPool memory) {
        return new RecordAccumulator(batchSize, lingerMs, 100, 120_000, CompressionType.NONE, memory);
    }

    private static RecordAccumulator.AppendResult append(RecordAccumulator accumulator, long nowMs) throws Exception {
        return accumulator.append(TP, nowMs, null, VALUE, null, null, RecordSizes.batchUpperBound(null, VALUE, null),
                1000, false, nowMs);
    }

    @Test
    void batchesFillUpToBatchSizeThenANewOneOpens() throws Exception {
        RecordAccumulator accumulator = accumulator(1024, 10_000, new MemoryPool(1 << 20));
        RecordAccumulator.AppendResult first = append(accumulator, 0);
        assertThat(first.newBatchCreated()).isTrue();
        assertThat(first.batchIsFull()).isFalse();
        int appended = 1;
        RecordAccumulator.AppendResult result;
        do {
            result = append(accumulator, 0);
            appended++;
        } while (!result.batchIsFull() && appended < 100);
        assertThat(accumulator.queuedBatches(TP)).isEqualTo(result.newBatchCreated() ? 2 : 1);
        // A full batch is ready at once, without waiting for linger.ms.
        assertThat(accumulator.ready(CLUSTER, Set.of(), 0).readyNodes()).containsExactly(7);
        List<ProducerBatch> drained = accumulator.drain(CLUSTER, Set.of(7), Set.of(), 1 << 20, 0).get(7);
        int records = 0;
        for (ProducerBatch batch : drained) {
            assertThat(batch.close().limit()).isLessThanOrEqualTo(1024 + 200);
            records += batch.recordCount();
        }
        assertThat(records).isEqualTo(appended);
    }

    @Test
    void aBatchThatIsNotFullWaitsForLinger() throws Exception {
        RecordAccumulator accumulator = accumulator(16384, 50, new MemoryPool(1 << 20));
        append(accumulator, 1000);
        RecordAccumulator.ReadyCheck early = accumulator.ready(CLUSTER, Set.of(), 1010);
        assertThat(early.readyNodes()).isEmpty();
        assertThat(early.nextReadyCheckDelayMs()).isEqualTo(40);
        assertThat(accumulator.ready(CLUSTER, Set.of(), 1050).readyNodes()).containsExactly(7);
        // A muted partition (request in flight) is never ready.
        assertThat(accumulator.ready(CLUSTER, Set.of(TP), 1050).readyNodes()).isEmpty();
        // A flush makes everything ready at once.
        accumulator.beginFlush();
        assertThat(accumulator.ready(CLUSTER, Set.of(), 1010).readyNodes()).containsExactly(7);
    }

    @Test
    void drainedBatchesAreValidV2BatchesInOrder() throws Exception {
        RecordAccumulator accumulator = accumulator(16384, 0, new MemoryPool(1 << 20));
        for (int i = 0; i < 5; i++) {
            accumulator.append(TP, 1000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("v" + i).getBytes(StandardCharsets.UTF_8), null, null, 200, 1000, false, 0);
        }
        ProducerBatch batch = accumulator.drain(CLUSTER, Set.of(7), Set.of(), 1 << 20, 0).get(7).get(0);
        RecordBatch decoded = Records.wrap(batch.close()).batches().iterator().next();
        decoded.ensureValid();
        assertThat(decoded.recordCount()).isEqualTo(5);
        assertThat(decoded.baseTimestamp()).isEqualTo(1000);
        assertThat(accumulator.queuedBatches(TP)).isZero();
    }

    @Test
    void appendBlocksWhenBufferMemoryIsUsedUpUntilABatchCompletes() throws Exception {
        MemoryPool memory = new MemoryPool(2048);
        RecordAccumulator accumulator = accumulator(1024, 0, memory);
        TopicPartition other = new TopicPartition("t", 1);
        append(accumulator, 0);
        accumulator.append(other, 0, null, VALUE, null, null, 200, 1000, false, 0);
        assertThat(memory.availableBytes()).isZero();

        AtomicReference<Throwable> failure = new AtomicReference<>();
        CompletableFuture<RecordAccumulator.AppendResult> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                // Needs a new batch on a third partition: must wait for memory.
                return accumulator.append(new TopicPartition("t", 2), 0, null, VALUE, null, null, 200, 10_000, false, 0);
            } catch (Exception e) {
                failure.set(e);
                return null;
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(memory::hasWaiters);
        assertThat(blocked).isNotDone();
        // A waiting thread makes every partition ready, so the sender frees memory sooner.
        assertThat(accumulator.ready(CLUSTER, Set.of(), 0).readyNodes()).containsExactly(7);
        ProducerBatch sent = accumulator.drain(CLUSTER, Set.of(7), Set.of(), 1 << 20, 0).get(7).get(0);
        sent.complete(0, -1);
        accumulator.deallocate(sent);
        RecordAccumulator.AppendResult result = blocked.get();
        assertThat(failure.get()).isNull();
        assertThat(result.newBatchCreated()).isTrue();
    }

    @Test
    void appendGivesUpAfterMaxBlockMs() throws Exception {
        MemoryPool memory = new MemoryPool(1024);
        RecordAccumulator accumulator = accumulator(1024, 0, memory);
        append(accumulator, 0);
        assertThatThrownBy(() -> accumulator.append(new TopicPartition("t", 1), 0, null, VALUE, null, null, 200, 50,
                false, 0))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("max.block.ms (50 ms)")
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT));
        assertThat(memory.hasWaiters()).isFalse();
    }

    @Test
    void queuedBatchesExpireAfterDeliveryTimeout() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(16384, 5, 100, 1000, CompressionType.NONE,
                new MemoryPool(1 << 20));
        append(accumulator, 0);
        assertThat(accumulator.expiredBatches(999)).isEmpty();
        List<ProducerBatch> expired = accumulator.expiredBatches(1000);
        assertThat(expired).hasSize(1);
        assertThat(accumulator.queuedBatches(TP)).isZero();
    }

    @Test
    void abortOnNewBatchAppendsNothing() throws Exception {
        RecordAccumulator accumulator = accumulator(16384, 5, new MemoryPool(1 << 20));
        RecordAccumulator.AppendResult result = accumulator.append(TP, 0, null, VALUE, null, null, 200, 1000, true, 0);
        assertThat(result.abortedForNewBatch()).isTrue();
        assertThat(accumulator.queuedBatches(TP)).isZero();
    }

    @Test
    void compressibleDataFillsBatchesOnceTheRatioIsLearned() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(4096, 0, 100, 120_000, CompressionType.GZIP,
                new MemoryPool(1 << 22));
        byte[] compressible = new byte[200]; // zeros compress very well
        int[] recordsPerBatch = new int[40];
        for (int round = 0; round < recordsPerBatch.length; round++) {
            RecordAccumulator.AppendResult result;
            do {
                result = accumulator.append(TP, 0, null, compressible, null, null, 300, 1000, false, 0);
            } while (!result.batchIsFull());
            List<ProducerBatch> drained = accumulator.drain(CLUSTER, Set.of(7), Set.of(), 1 << 22, 0).get(7);
            recordsPerBatch[round] = drained.get(0).recordCount();
            drained.forEach(b -> {
                b.complete(0, -1);
                accumulator.deallocate(b);
            });
        }
        assertThat(accumulator.estimatedCompressionRatio("t")).isLessThan(0.9);
        assertThat(recordsPerBatch[recordsPerBatch.length - 1]).isGreaterThan(recordsPerBatch[0]);
    }
}
