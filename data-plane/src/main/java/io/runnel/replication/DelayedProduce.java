package io.runnel.replication;

import io.runnel.common.TopicPartition;
import io.runnel.proto.ErrorCode;
import io.runnel.purgatory.DelayedOperation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A produce with acks=all that waits until the high watermark of every appended partition has
 * passed its last offset (every ISR member has the batches), or the request's timeout
 * (REQUEST_TIMED_OUT), or the partition's leadership moves (NOT_LEADER_OR_FOLLOWER).
 */
final class DelayedProduce extends DelayedOperation {

    /**
     * Per partition: the offset the high watermark must reach, the result to send when it does, and the
     * leader epoch the batches were appended at (a leadership lost and regained may have truncated them).
     */
    record Pending(long requiredOffset, ProduceResult result, int leaderEpoch) {
    }

    private final Map<TopicPartition, Pending> pending;
    private final Function<TopicPartition, Partition> partitions;
    private final Consumer<Map<TopicPartition, ProduceResult>> callback;
    private final Map<TopicPartition, ProduceResult> results = new LinkedHashMap<>();

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
        for (Map.Entry<TopicPartition, Pending> entry : pending.entrySet()) {
            Partition partition = partitions.apply(entry.getKey());
            if (partition == null || !partition.isLeader() || partition.leaderEpoch() != entry.getValue().leaderEpoch()) {
                continue;
            }
            if (partition.highWatermark() < entry.getValue().requiredOffset()) {
                return false;
            }
        }
        return forceComplete();
    }

    @Override
    protected void onComplete() {
        pending.forEach((tp, wait) -> {
            Partition partition = partitions.apply(tp);
            if (partition == null || !partition.isLeader() || partition.leaderEpoch() != wait.leaderEpoch()) {
                int leader = partition == null ? -1 : partition.leaderId();
                int epoch = partition == null ? -1 : partition.leaderEpoch();
                results.put(tp, ProduceResult.error(ErrorCode.NOT_LEADER_OR_FOLLOWER,
                        "leadership of " + tp + " moved before the batch was replicated", leader, epoch));
            } else if (partition.highWatermark() < wait.requiredOffset()) {
                results.put(tp, ProduceResult.error(ErrorCode.REQUEST_TIMED_OUT, "the in-sync replicas of " + tp
                        + " did not all receive the batch before the request timeout", partition.leaderId(), partition.leaderEpoch()));
            } else if (partition.isr().size() < partition.log().config().minInSyncReplicas()) {
                // Every member of the ISR has the batch, but the ISR shrank below min.insync.replicas meanwhile.
                results.put(tp, ProduceResult.error(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, "the batch reached every "
                        + "in-sync replica of " + tp + ", but they are now " + partition.isr() + ", fewer than min.insync.replicas="
                        + partition.log().config().minInSyncReplicas(), partition.leaderId(), partition.leaderEpoch()));
            } else {
                results.put(tp, wait.result());
            }
        });
        callback.accept(results);
    }
}
