package io.runnel.client.consumer;

import io.runnel.client.PartitionInfo;
import io.runnel.common.TopicPartition;
import java.io.Closeable;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A consumer of manually assigned partitions. Not thread-safe by contract: one thread uses it. See
 * {@link RunnelConsumer}.
 */
public interface Consumer<K, V> extends Closeable {

    /** Replaces the assignment. Partitions kept keep their positions; new ones start without one. */
    void assign(Collection<TopicPartition> partitions);

    Set<TopicPartition> assignment();

    /** Fetches records of the assigned, unpaused partitions, waiting up to {@code timeout} for some. */
    ConsumerRecords<K, V> poll(Duration timeout);

    /** The next poll of {@code partition} starts at {@code offset}. */
    void seek(TopicPartition partition, long offset);

    /** Moves to the log start of each partition (all assigned ones when empty), evaluated lazily. */
    void seekToBeginning(Collection<TopicPartition> partitions);

    /** Moves to the end of each partition (all assigned ones when empty), evaluated lazily. */
    void seekToEnd(Collection<TopicPartition> partitions);

    /** The offset of the next record poll returns for {@code partition}, resolving a pending reset first. */
    long position(TopicPartition partition);

    long position(TopicPartition partition, Duration timeout);

    void pause(Collection<TopicPartition> partitions);

    void resume(Collection<TopicPartition> partitions);

    Set<TopicPartition> paused();

    /** Log start offsets. */
    Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions);

    /** End offsets (high watermark, or last stable offset with read_committed). */
    Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions);

    List<PartitionInfo> partitionsFor(String topic);

    @Override
    void close();
}
