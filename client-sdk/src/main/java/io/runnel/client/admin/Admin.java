package io.runnel.client.admin;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import java.io.Closeable;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Administrative operations on a cluster, Kafka-style: every call returns at once with futures; failures
 * are {@link io.runnel.common.errors.ApiException}s carrying the Kafka-named error code and the server's
 * message, as the code's subclass where one exists (catch {@code ExecutionException} from {@code get()}
 * and look at its cause). No method throws on its own thread except {@link #create} (bad settings) and
 * {@code NullPointerException} for a null argument: every failure arrives through the futures, including
 * {@link io.runnel.common.errors.TimeoutException} when no broker answered within the call's bound
 * ({@code timeoutMs} of the options, default {@code default.api.timeout.ms}) and REQUEST_TIMED_OUT
 * "the admin client is closed" after {@link #close()}. Thread-safe. See {@link RunnelAdmin}.
 */
public interface Admin extends Closeable {

    /**
     * A new admin client (a {@link RunnelAdmin}) with these settings ({@link AdminConfig}); Kafka's
     * {@code Admin.create}. Connects lazily: nothing is sent until the first call.
     *
     * @throws io.runnel.common.config.ConfigException naming every unknown key, or a missing or bad value
     */
    static Admin create(Properties props) {
        return new RunnelAdmin(props);
    }

    /** As {@link #create(Properties)}. */
    static Admin create(Map<String, Object> conf) {
        return new RunnelAdmin(conf);
    }

    /**
     * Creates topics. Each topic's future fails with {@link io.runnel.common.errors.TopicExistsException},
     * {@link io.runnel.common.errors.InvalidTopicException}, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR,
     * INVALID_CONFIG ({@link io.runnel.common.config.ConfigException}) and the like; every future fails with a
     * {@link io.runnel.common.errors.TimeoutException} when no broker answered within the call's bound.
     */
    default AdminResult<String, Void> createTopics(Collection<NewTopic> topics) {
        return createTopics(topics, new CreateTopicsOptions());
    }

    /** As {@link #createTopics(Collection)}, with Kafka's options (validateOnly, timeoutMs). */
    AdminResult<String, Void> createTopics(Collection<NewTopic> topics, CreateTopicsOptions options);

    /** Checks the request as the cluster would, without creating anything. */
    default AdminResult<String, Void> createTopics(Collection<NewTopic> topics, boolean validateOnly) {
        return createTopics(topics, new CreateTopicsOptions().validateOnly(validateOnly));
    }

    /**
     * Deletes topics and their data. A topic that does not exist fails its future with
     * {@link io.runnel.common.errors.UnknownTopicOrPartitionException}; TOPIC_DELETION_DISABLED when the
     * cluster forbids deletion; {@link io.runnel.common.errors.TimeoutException} as for createTopics.
     */
    default AdminResult<String, Void> deleteTopics(Collection<String> topics) {
        return deleteTopics(topics, new DeleteTopicsOptions());
    }

    /** As {@link #deleteTopics(Collection)}, bounded by the options' timeoutMs. */
    AdminResult<String, Void> deleteTopics(Collection<String> topics, DeleteTopicsOptions options);

    /**
     * The non-internal topics. The futures fail with {@link io.runnel.common.errors.TimeoutException} when
     * no broker answered within default.api.timeout.ms.
     */
    default ListTopicsResult listTopics() {
        return listTopics(new ListTopicsOptions());
    }

    /** The topics, internal ones too with {@code listInternal(true)}. */
    ListTopicsResult listTopics(ListTopicsOptions options);

    /**
     * Describes topics (id, partitions with leader, replicas and ISR). A topic that does not exist fails its
     * future with {@link io.runnel.common.errors.UnknownTopicOrPartitionException};
     * {@link io.runnel.common.errors.TimeoutException} as for listTopics.
     */
    default DescribeTopicsResult describeTopics(Collection<String> topics) {
        return describeTopics(topics, new DescribeTopicsOptions());
    }

    /** As {@link #describeTopics(Collection)}, bounded by the options' timeoutMs. */
    DescribeTopicsResult describeTopics(Collection<String> topics, DescribeTopicsOptions options);

    AdminResult<String, Void> createPartitions(Map<String, NewPartitions> newPartitions);

    AdminResult<ConfigResource, Config> describeConfigs(Collection<ConfigResource> resources);

    AdminResult<ConfigResource, Void> incrementalAlterConfigs(Map<ConfigResource, Collection<AlterConfigOp>> configs);

    /** Deletes records below each offset (-1: up to the high watermark); values are the new low watermarks. */
    AdminResult<TopicPartition, Long> deleteRecords(Map<TopicPartition, Long> beforeOffsets);

    CompletableFuture<ClusterDescription> describeCluster();

    /** With {@code includeQuorum}, also the controllers' quorum and broker session state. */
    CompletableFuture<ClusterDescription> describeCluster(boolean includeQuorum);

    /**
     * Elects leaders of {@code partitions} (empty: every partition). The map has each partition's error, if
     * any (e.g. ELECTION_NOT_NEEDED when the preferred replica already leads), as Kafka's
     * {@code ElectLeadersResult.partitions()}.
     */
    CompletableFuture<Map<TopicPartition, Optional<ApiException>>> electLeaders(ElectionType type,
                                                                               Set<TopicPartition> partitions);

    /**
     * Starts, replaces or cancels partition reassignments (Kafka's KIP-455): for each partition, the target
     * replica list (preferred leader first), or {@code Optional.empty()} to cancel its ongoing reassignment.
     * Each partition's future fails with its error, e.g. INVALID_REPLICA_ASSIGNMENT for an unregistered
     * broker or NO_REASSIGNMENT_IN_PROGRESS for a cancel of nothing; it completes once the change is in
     * the cluster's metadata, not when the new replicas have caught up (see
     * {@link #listPartitionReassignments()}).
     */
    AdminResult<TopicPartition, Void> alterPartitionReassignments(
            Map<TopicPartition, Optional<List<Integer>>> reassignments);

    /** Every partition under reassignment. */
    CompletableFuture<Map<TopicPartition, PartitionReassignment>> listPartitionReassignments();

    /**
     * Those of {@code partitions} that are under reassignment; fails with UNKNOWN_TOPIC_OR_PARTITION
     * naming one that does not exist.
     */
    CompletableFuture<Map<TopicPartition, PartitionReassignment>> listPartitionReassignments(
            Set<TopicPartition> partitions);

    /** Waits for running calls (at most a few seconds) and releases the connections. */
    @Override
    void close();

    /** Which replica becomes leader: the preferred one, or any live replica even out of the ISR. */
    enum ElectionType { PREFERRED, UNCLEAN }

    // ---- consumer groups ----

    /** Every consumer group, asked of every broker (each lists the groups it coordinates). */
    CompletableFuture<Collection<ConsumerGroupListing>> listConsumerGroups();

    /** Each group's state and members; an unknown group fails with GROUP_ID_NOT_FOUND. */
    AdminResult<String, ConsumerGroupDescription> describeConsumerGroups(Collection<String> groupIds);

    /** The group's committed offsets. */
    CompletableFuture<Map<TopicPartition, io.runnel.client.consumer.OffsetAndMetadata>> listConsumerGroupOffsets(String groupId);

    /**
     * Commits offsets for a group from outside it (resetting them): the group must have no members, else every
     * partition fails with UNKNOWN_MEMBER_ID, as in Kafka.
     */
    AdminResult<TopicPartition, Void> alterConsumerGroupOffsets(String groupId,
                                                                Map<TopicPartition, io.runnel.client.consumer.OffsetAndMetadata> offsets);

    /** Deletes empty groups with their offsets (NON_EMPTY_GROUP for a group with members). */
    AdminResult<String, Void> deleteConsumerGroups(Collection<String> groupIds);

    /** Deletes committed offsets (GROUP_SUBSCRIBED_TO_TOPIC for a topic a member subscribes to). */
    AdminResult<TopicPartition, Void> deleteConsumerGroupOffsets(String groupId, Set<TopicPartition> partitions);
}
