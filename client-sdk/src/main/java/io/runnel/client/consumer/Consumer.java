package io.runnel.client.consumer;

import io.runnel.client.MetricName;
import io.runnel.client.PartitionInfo;
import io.runnel.common.TopicPartition;
import java.io.Closeable;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A consumer, with Kafka's method names: of a group's partitions ({@link #subscribe}, the group coordinator
 * assigns them) or of partitions it picks itself ({@link #assign}). Not thread-safe by contract: one thread
 * uses it, except {@link #wakeup()}. See {@link RunnelConsumer}.
 *
 * <p>What every blocking method may throw (each method lists only what it adds):
 * {@link io.runnel.common.errors.ApiException} of the code's type when the cluster refuses or does not
 * answer in time ({@link io.runnel.common.errors.TimeoutException} after the call's timeout, default
 * {@code default.api.timeout.ms}; {@link io.runnel.common.errors.UnknownTopicOrPartitionException} for a
 * partition the topic lacks); {@link WakeupException} when {@link #wakeup()} was called;
 * {@link IllegalStateException} when the consumer is closed or used by two threads at once;
 * {@link NullPointerException} for a null argument.
 */
public interface Consumer<K, V> extends Closeable {

    /** Replaces the assignment. Partitions kept keep their positions; new ones start without one. */
    void assign(Collection<TopicPartition> partitions);

    /** The partitions this consumer consumes now (assigned, or given by the group). */
    Set<TopicPartition> assignment();

    /** Joins the consumer's group ({@code group.id}) for these topics; an empty collection unsubscribes. */
    void subscribe(Collection<String> topics);

    void subscribe(Collection<String> topics, ConsumerRebalanceListener listener);

    /** Joins the group for every topic whose name matches, now and as topics are created. */
    void subscribe(Pattern pattern);

    void subscribe(Pattern pattern, ConsumerRebalanceListener listener);

    /** Leaves the group (or drops the assignment). */
    void unsubscribe();

    /** The topics subscribed to (for a pattern: those it matches now). */
    Set<String> subscription();

    /**
     * Fetches records of the owned, unpaused partitions, waiting up to {@code timeout} for some.
     *
     * @throws IllegalStateException when neither subscribed nor assigned
     * @throws NoOffsetForPartitionException when a partition has no position and auto.offset.reset is none
     * @throws io.runnel.client.serialization.SerializationException when a record cannot be deserialized
     *         (seek past it to continue)
     */
    ConsumerRecords<K, V> poll(Duration timeout);

    /**
     * Commits the positions of every owned partition (what poll returned), waiting for the answer.
     *
     * @throws CommitFailedException when the group moved on (the partitions were reassigned)
     * @throws io.runnel.common.errors.ApiException INVALID_GROUP_ID without a group.id
     */
    void commitSync();

    void commitSync(Duration timeout);

    void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets);

    void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout);

    /** Commits the positions of every owned partition without waiting; failures are only logged. */
    void commitAsync();

    void commitAsync(OffsetCommitCallback callback);

    void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback);

    /** The group's committed offsets; a partition without one maps to null. */
    Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions);

    Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout);

    /**
     * The next poll of {@code partition} starts at {@code offset}.
     *
     * @throws IllegalArgumentException when {@code offset} is negative
     * @throws IllegalStateException when the partition is not assigned to this consumer
     */
    void seek(TopicPartition partition, long offset);

    void seek(TopicPartition partition, OffsetAndMetadata offsetAndMetadata);

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

    /**
     * End offsets (high watermark, or last stable offset with read_committed).
     *
     * @throws io.runnel.common.errors.UnknownTopicOrPartitionException at once for a partition the topic
     *         lacks, and at default.api.timeout.ms for a topic the cluster still says does not exist
     */
    Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions);

    /** For each partition, the first offset whose timestamp is at or after the time given; null when none. */
    Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch);

    Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch, Duration timeout);

    List<PartitionInfo> partitionsFor(String topic);

    /** The consumer's metrics now, e.g. {@code records-lag} per partition. */
    Map<MetricName, Double> metrics();

    /**
     * Makes the blocking call under way (or the next one) throw {@link WakeupException}. The one method
     * another thread may call.
     */
    void wakeup();

    /** {@link #close(Duration)} with 30 s, as in Kafka. */
    @Override
    void close();

    /**
     * Commits (with auto-commit), leaves the group and stops, waiting at most {@code timeout} for the group.
     * A failed final commit is logged, not thrown; a second close does nothing.
     */
    void close(Duration timeout);
}
