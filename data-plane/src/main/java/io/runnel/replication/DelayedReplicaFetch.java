package io.runnel.replication;

import io.runnel.common.TopicPartition;
import io.runnel.purgatory.DelayedOperation;
import java.util.Map;
import java.util.function.Function;

/**
 * A follower fetch that found fewer than {@code replica.fetch.min.bytes} past the follower's positions. It
 * completes when the leader's log grows past them by that much (the leader's appends check it), when a
 * partition's leadership changes, or at {@code replica.fetch.wait.max.ms}; then the leader reads again and
 * answers. The follower's progress was recorded when the fetch arrived, not again here.
 */
final class DelayedReplicaFetch extends DelayedOperation {

    private final Map<TopicPartition, Long> fetchOffsets;
    private final int minBytes;
    private final Function<TopicPartition, Partition> partitions;
    private final Runnable answer;

    DelayedReplicaFetch(long maxWaitMs, Map<TopicPartition, Long> fetchOffsets, int minBytes,
                        Function<TopicPartition, Partition> partitions, Runnable answer) {
        super(maxWaitMs);
        this.fetchOffsets = fetchOffsets;
        this.minBytes = minBytes;
        this.partitions = partitions;
        this.answer = answer;
    }

    @Override
    public boolean tryComplete() {
        long bytes = 0;
        for (Map.Entry<TopicPartition, Long> entry : fetchOffsets.entrySet()) {
            Partition partition = partitions.apply(entry.getKey());
            if (partition == null || !partition.isLeader()) {
                return forceComplete();
            }
            var end = partition.log().logEndOffsetMetadata();
            if (end.messageOffset() > entry.getValue()) {
                // Each new record is at least one byte: records are a lower bound of the bytes waiting.
                bytes += end.messageOffset() - entry.getValue();
            } else if (end.messageOffset() < entry.getValue()) {
                return forceComplete(); // truncated below the follower: answer so it learns
            }
        }
        return bytes >= minBytes && forceComplete();
    }

    @Override
    protected void onComplete() {
        answer.run();
    }
}
