package io.runnel.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.TopicPartition;
import io.runnel.proto.ErrorCode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * When an acks=all produce answers what: decided once per partition when its high watermark passed the
 * batch, REQUEST_TIMED_OUT only once the deadline passed, NOT_LEADER_OR_FOLLOWER when leadership moved,
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync.replicas meanwhile.
 */
class DelayedProduceTest {

    private static final TopicPartition A = new TopicPartition("a", 0);
    private static final TopicPartition B = new TopicPartition("b", 0);

    /** A partition's state as the test sets it. */
    private static final class Waited implements DelayedProduce.WaitedOn {
        volatile boolean leader = true;
        volatile int epoch = 3;
        volatile long highWatermark;
        volatile List<Integer> isr = List.of(1, 2);

        @Override
        public boolean isLeader() {
            return leader;
        }

        @Override
        public int leaderId() {
            return 1;
        }

        @Override
        public int leaderEpoch() {
            return epoch;
        }

        @Override
        public long highWatermark() {
            return highWatermark;
        }

        @Override
        public List<Integer> isr() {
            return isr;
        }

        @Override
        public int minInSyncReplicas() {
            return 2;
        }
    }

    private final Map<TopicPartition, Waited> partitions = Map.of(A, new Waited(), B, new Waited());
    private final AtomicReference<Map<TopicPartition, ProduceResult>> answer = new AtomicReference<>();

    private DelayedProduce waitingOnBoth() {
        Map<TopicPartition, DelayedProduce.Pending> pending = new LinkedHashMap<>();
        pending.put(A, new DelayedProduce.Pending(10, ProduceResult.success(0, -1, 0), 3));
        pending.put(B, new DelayedProduce.Pending(10, ProduceResult.success(0, -1, 0), 3));
        return new DelayedProduce(60_000, Map.of(), pending, partitions::get, answer::set);
    }

    @Test
    void aPartitionSeenReplicatedIsAnsweredSuccessEvenIfItsHighWatermarkIsLaterReadLower() {
        DelayedProduce produce = waitingOnBoth();
        partitions.get(A).highWatermark = 10;
        assertThat(produce.tryComplete()).isFalse();
        // A stale read of A's high watermark afterwards must not change its answer.
        partitions.get(A).highWatermark = 5;
        partitions.get(B).highWatermark = 10;
        assertThat(produce.tryComplete()).isTrue();
        assertThat(answer.get().get(A).error()).isEqualTo(ErrorCode.NONE);
        assertThat(answer.get().get(B).error()).isEqualTo(ErrorCode.NONE);
    }

    @Test
    void onlyAnExpiredProduceAnswersRequestTimedOut() {
        DelayedProduce produce = waitingOnBoth();
        partitions.get(A).highWatermark = 10;
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

    @Test
    void aLeadershipLostOrRegainedAtAnotherEpochAnswersNotLeader() {
        DelayedProduce produce = waitingOnBoth();
        partitions.get(A).leader = false;
        partitions.get(B).epoch = 5; // lost and won back: the batch may have been truncated meanwhile
        partitions.get(B).highWatermark = 10;
        assertThat(produce.tryComplete()).isTrue();
        assertThat(answer.get().values()).extracting(ProduceResult::error).containsOnly(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void anIsrBelowMinInsyncReplicasWhenTheBatchIsReplicatedAnswersNotEnoughReplicasAfterAppend() {
        DelayedProduce produce = waitingOnBoth();
        partitions.get(A).isr = List.of(1);
        partitions.get(A).highWatermark = 10;
        partitions.get(B).highWatermark = 10;
        assertThat(produce.tryComplete()).isTrue();
        assertThat(answer.get().get(A).error()).isEqualTo(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        assertThat(answer.get().get(B).error()).isEqualTo(ErrorCode.NONE);
    }
}
