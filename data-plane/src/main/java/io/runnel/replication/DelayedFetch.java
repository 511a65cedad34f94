package io.runnel.replication;

import io.runnel.common.TopicPartition;
import io.runnel.purgatory.DelayedOperation;
import io.runnel.storage.LogOffsetMetadata;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A fetch that found fewer than {@code min_bytes} and waits for more (long poll). It completes once
 * the bytes between each partition's fetch position and its high watermark reach {@code minBytes},
 * when a partition's state changes (leadership moved, log truncated, new segment), or at
 * {@code maxWaitMs}; then it reads again and answers.
 */
final class DelayedFetch extends DelayedOperation {

    private final FetchParams params;
    private final LinkedHashMap<TopicPartition, FetchInput> inputs;
    private final Map<TopicPartition, LogOffsetMetadata> fetchPositions;
    private final Function<TopicPartition, Partition> partitions;
    private final Consumer<LinkedHashMap<TopicPartition, FetchInput>> reread;

    DelayedFetch(FetchParams params, LinkedHashMap<TopicPartition, FetchInput> inputs,
                 Map<TopicPartition, LogOffsetMetadata> fetchPositions, Function<TopicPartition, Partition> partitions,
                 Consumer<LinkedHashMap<TopicPartition, FetchInput>> reread) {
        super(params.maxWaitMs());
        this.params = params;
        this.inputs = inputs;
        this.fetchPositions = fetchPositions;
        this.partitions = partitions;
        this.reread = reread;
    }

    @Override
    public boolean tryComplete() {
        long accumulatedBytes = 0;
        for (Map.Entry<TopicPartition, FetchInput> entry : inputs.entrySet()) {
            TopicPartition tp = entry.getKey();
            LogOffsetMetadata fetchPosition = fetchPositions.get(tp);
            Partition partition = partitions.apply(tp);
            if (partition == null || !partition.isLeader() || fetchPosition == null) {
                return forceComplete();
            }
            LogOffsetMetadata end = partition.highWatermarkMetadata();
            if (end.messageOffset() < fetchPosition.messageOffset()) {
                return forceComplete(); // truncated below the fetch position: answer so the client learns
            }
            if (end.messageOffset() > fetchPosition.messageOffset()) {
                if (end.segmentBaseOffset() != fetchPosition.segmentBaseOffset()) {
                    return forceComplete(); // new data is in another segment: at least one batch is there
                }
                long bytes = end.relativePositionInSegment() - fetchPosition.relativePositionInSegment();
                accumulatedBytes += Math.min(bytes, entry.getValue().partitionMaxBytes());
            }
        }
        return accumulatedBytes >= params.minBytes() && forceComplete();
    }

    @Override
    protected void onComplete() {
        reread.accept(inputs);
    }
}
