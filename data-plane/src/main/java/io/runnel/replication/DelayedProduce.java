package io.runnel.replication;

import io.runnel.common.TopicPartition;
import io.runnel.proto.ErrorCode;
import io.runnel.purgatory.DelayedOperation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A produce with acks=all that waits until the high watermark of every appended partition has
 * passed its last offset (every ISR member has the batches), or the request's timeout
 * (REQUEST_TIMED_OUT), or the partition's leadership moves (NOT_LEADER_OR_FOLLOWER). A partition whose
 * ISR shrank below {@code min.insync.replicas} while it waited is answered NOT_ENOUGH_REPLICAS_AFTER_APPEND.
 *
 * <p>A partition's outcome is decided once: the first check that sees its high watermark past the
 * batch records it as replicated, and the answer is built from that record, never from a second read
 * of the high watermark (which another thread may be moving). REQUEST_TIMED_OUT is answered only for a
 * partition still waiting when the purgatory's timer expired the operation, i.e. when the deadline passed.
 */
final class DelayedProduce extends DelayedOperation {

    /**
     * Per partition: the offset the high watermark must reach, the result to send when it does, and the
     * leader epoch the batches were appended at (a leadership lost and regained may have truncated them).
     */
    record Pending(long requiredOffset, ProduceResult result, int leaderEpoch) {
    }

    /** What a waiting produce reads of a partition ({@link Partition} is one). */
    interface WaitedOn {
        boolean isLeader();

        int leaderId();

        int leaderEpoch();

        long highWatermark();

        java.util.List<Integer> isr();

        int minInSyncReplicas();
    }

    private final Map<TopicPartition, Pending> pending;
    private final Function<TopicPartition, ? extends WaitedOn> partitions;
    private final Consumer<Map<TopicPartition, ProduceResult>> callback;
    private final Map<TopicPartition, ProduceResult> results = new LinkedHashMap<>();
    /** Partitions whose batches every ISR member has: written by tryComplete, read by onComplete on any thread. */
    private final Set<TopicPartition> replicated = ConcurrentHashMap.newKeySet();

    DelayedProduce(long timeoutMs, Map<TopicPartition, ProduceResult> initial, Map<TopicPartition, Pending> pending,
                   Function<TopicPartition, ? extends WaitedOn> partitions, Consumer<Map<TopicPartition, ProduceResult>> callback) {
        super(timeoutMs);
        this.results.putAll(initial);
        this.pending = pending;
        this.partitions = partitions;
        this.callback = callback;
    }

    /** The partition if this broker still leads it at the epoch the batches were appended at, else null. */
    private WaitedOn stillLeading(TopicPartition tp, Pending wait) {
        WaitedOn partition = partitions.apply(tp);
        return partition != null && partition.isLeader() && partition.leaderEpoch() == wait.leaderEpoch() ? partition : null;
    }

    @Override
    public boolean tryComplete() {
        boolean waiting = false;
        for (Map.Entry<TopicPartition, Pending> entry : pending.entrySet()) {
            TopicPartition tp = entry.getKey();
            if (replicated.contains(tp)) {
                continue;
            }
            WaitedOn partition = stillLeading(tp, entry.getValue());
            if (partition == null) {
                continue; // answered NOT_LEADER_OR_FOLLOWER
            }
            if (partition.highWatermark() >= entry.getValue().requiredOffset()) {
                replicated.add(tp);
            } else {
                waiting = true;
            }
        }
        return !waiting && forceComplete();
    }

    @Override
    protected void onComplete() {
        pending.forEach((tp, wait) -> {
            WaitedOn partition = stillLeading(tp, wait);
            if (replicated.contains(tp) || partition != null && partition.highWatermark() >= wait.requiredOffset()) {
                results.put(tp, replicatedResult(tp, wait, partition));
            } else if (partition == null) {
                WaitedOn current = partitions.apply(tp);
                int leader = current == null ? -1 : current.leaderId();
                int epoch = current == null ? -1 : current.leaderEpoch();
                results.put(tp, ProduceResult.error(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                        "leadership of " + tp + " moved before the batch was replicated", leader, epoch));
            } else if (isExpired()) {
                results.put(tp, ProduceResult.error(ErrorCode.REQUEST_TIMED_OUT, "the in-sync replicas of " + tp
                        + " did not all receive the batch before the request timeout", partition.leaderId(), partition.leaderEpoch()));
            } else {
                // Completed from outside before its deadline (the purgatory let go of it): not a timeout.
                results.put(tp, ProduceResult.error(ErrorCode.NOT_LEADER_OR_FOLLOWER, "the leader of " + tp
                        + " stopped waiting for the batch to be replicated", partition.leaderId(), partition.leaderEpoch()));
            }
        });
        callback.accept(results);
    }

    /** Success, unless every ISR member has the batch but the ISR is now below min.insync.replicas. */
    private static ProduceResult replicatedResult(TopicPartition tp, Pending wait, WaitedOn partition) {
        if (partition != null && partition.isr().size() < partition.minInSyncReplicas()) {
            return ProduceResult.error(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, "the batch reached every in-sync replica of "
                    + tp + ", but they are now " + partition.isr() + ", fewer than min.insync.replicas="
                    + partition.minInSyncReplicas(), partition.leaderId(), partition.leaderEpoch());
        }
        return wait.result();
    }
}
