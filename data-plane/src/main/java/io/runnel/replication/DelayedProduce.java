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
 * (REQUEST_TIMED_OUT), or the partition's leadership moves (NOT_LEADER_OR_FOLLOWER).
 *
 * <p>A partition's outcome is decided once: the first check that sees its high watermark past the
 * batch records it as replicated, and the answer is built from that record, never from a second read
 * of the high watermark (which another thread may be moving). REQUEST_TIMED_OUT is answered only for a
 * partition still waiting when the purgatory's timer expired the operation, i.e. when the deadline passed.
 */
final class DelayedProduce extends DelayedOperation {

    /** Per partition: the offset the high watermark must reach, and the result to send when it does. */
    record Pending(long requiredOffset, ProduceResult result) {
    }

    private final Map<TopicPartition, Pending> pending;
    private final Function<TopicPartition, Partition> partitions;
    private final Consumer<Map<TopicPartition, ProduceResult>> callback;
    private final Map<TopicPartition, ProduceResult> results = new LinkedHashMap<>();
    /** Partitions whose batches every ISR member has: written by tryComplete, read by onComplete on any thread. */
    private final Set<TopicPartition> replicated = ConcurrentHashMap.newKeySet();

    DelayedProduce(long timeoutMs, Map<TopicPartition, ProduceResult> initial, Map<TopicPartition, Pending> pending,
                   Function<TopicPartition, Partition> partitions, Consumer<Map<TopicPartition, ProduceResult>> callback) {
        super(timeoutMs);
        this.results.putAll(initial);
        this.pending = pending;
        this.partitions = partitions;
        this.callback = callback;
    }

    @Override
    public boolean tryComplete() {
        boolean waiting = false;
        for (Map.Entry<TopicPartition, Pending> entry : pending.entrySet()) {
            TopicPartition tp = entry.getKey();
            if (replicated.contains(tp)) {
                continue;
            }
            Partition partition = partitions.apply(tp);
            if (partition == null || !partition.isLeader()) {
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
            Partition partition = partitions.apply(tp);
            if (replicated.contains(tp)) {
                results.put(tp, wait.result());
            } else if (partition == null || !partition.isLeader()) {
                int leader = partition == null ? -1 : partition.leaderId();
                int epoch = partition == null ? -1 : partition.leaderEpoch();
                results.put(tp, ProduceResult.error(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                        "leadership of " + tp + " moved before the batch was replicated", leader, epoch));
            } else if (partition.highWatermark() >= wait.requiredOffset()) {
                results.put(tp, wait.result()); // replicated since the last check
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
}
