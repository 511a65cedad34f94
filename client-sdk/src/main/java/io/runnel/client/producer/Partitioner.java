package io.runnel.client.producer;

import io.runnel.client.PartitionInfo;
import java.util.List;

/**
 * Chooses a partition for a record without an explicit one ({@code partitioner.class}). Called from every
 * sending thread, so implementations must be thread-safe. {@code partitions} is sorted by partition id and
 * not empty.
 */
public interface Partitioner {

    int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes,
                  List<PartitionInfo> partitions);

    /**
     * Told that the batch of the partition last chosen for {@code topic} is complete (full, or sent after
     * linger.ms) and a new one would be opened, so a sticky partitioner may move on. Default: nothing.
     */
    default void onNewBatch(String topic, List<PartitionInfo> partitions, int previousPartition) {
    }
}
