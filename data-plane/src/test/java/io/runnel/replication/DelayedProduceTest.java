package io.runnel.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.TopicPartition;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.ErrorCode;
import io.runnel.storage.LogConfig;
import io.runnel.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How an acks=all produce waiting on two partitions is answered (issue 11, defect 3). Both partitions
 * lead with a second ISR member, so their high watermarks move only when the test moves them.
 */
class DelayedProduceTest {

    private static final TopicPartition A = new TopicPartition("orders", 0);
    private static final TopicPartition B = new TopicPartition("orders", 1);

    @TempDir
    Path dir;

    private final Map<TopicPartition, Partition> partitions = new LinkedHashMap<>();
    private final AtomicReference<Map<TopicPartition, ProduceResult>> answer = new AtomicReference<>();

    @BeforeEach
    void lead() {
        for (TopicPartition tp : List.of(A, B)) {
            PartitionLog log = PartitionLog.builder(dir.resolve(tp.topic() + "-" + tp.partition()))
                    .config(LogConfig.defaults()).open();
            Partition partition = new Partition(tp, UUID.randomUUID(), 1, log);
            partition.makeLeader(PartitionRegistration.initial(List.of(1, 2), List.of(1, 2), 1));
            partition.appendRecordsToLeader(tenRecords(), -1, OptionalInt.empty());
            partitions.put(tp, partition);
        }
    }

    @AfterEach
    void close() {
        partitions.values().forEach(p -> p.log().close());
    }

    private DelayedProduce waitingOnBoth() {
        Map<TopicPartition, DelayedProduce.Pending> pending = new LinkedHashMap<>();
        pending.put(A, new DelayedProduce.Pending(10, ProduceResult.success(0, -1, 0)));
        pending.put(B, new DelayedProduce.Pending(10, ProduceResult.success(0, -1, 0)));
        return new DelayedProduce(60_000, Map.of(), pending, partitions::get, answer::set);
    }

    @Test
    void aPartitionSeenReplicatedIsAnsweredSuccessEvenIfItsHighWatermarkIsLaterReadLower() {
        DelayedProduce produce = waitingOnBoth();
        partitions.get(A).log().updateHighWatermark(10);
        assertThat(produce.tryComplete()).isFalse();
        // Another thread's stale write moves A's high watermark back: the answer must not read it again.
        partitions.get(A).log().updateHighWatermark(5);
        partitions.get(B).log().updateHighWatermark(10);
        assertThat(produce.tryComplete()).isTrue();
        assertThat(answer.get().get(A).error()).isEqualTo(ErrorCode.NONE);
        assertThat(answer.get().get(B).error()).isEqualTo(ErrorCode.NONE);
    }

    @Test
    void onlyAnExpiredProduceAnswersRequestTimedOut() {
        DelayedProduce produce = waitingOnBoth();
        partitions.get(A).log().updateHighWatermark(10);
        assertThat(produce.tryComplete()).isFalse();
        produce.run(); // the purgatory's timer: the deadline passed
        assertThat(answer.get().get(A).error()).isEqualTo(ErrorCode.NONE);
        assertThat(answer.get().get(B).error()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
    }

    @Test
    void aProduceLetGoOfBeforeItsDeadlineIsNotATimeout() {
        DelayedProduce produce = waitingOnBoth();
        assertThat(produce.forceComplete()).isTrue(); // e.g. the purgatory completing everything under a key
        assertThat(answer.get().values()).extracting(ProduceResult::error)
                .containsOnly(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }

    private static ByteBuffer tenRecords() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        for (int i = 0; i < 10; i++) {
            builder.append(System.currentTimeMillis(), null, new byte[] {(byte) i}, null);
        }
        return builder.build();
    }
}
