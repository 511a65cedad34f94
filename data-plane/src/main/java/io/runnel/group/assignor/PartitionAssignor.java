package io.runnel.group.assignor;

import io.runnel.common.TopicPartition;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * A server-side assignor: computes a group's target assignment from its members' subscriptions and the
 * partition counts of the subscribed topics. The group coordinator runs it whenever the group changes
 * (docs/groups.md); the protocol, not the assignor, makes every rebalance incremental: a partition moves
 * only after its old owner revoked it. Implementations are pure functions of their input (deterministic,
 * no clock, no I/O), stateless and thread-safe.
 */
public interface PartitionAssignor {

    /** The name members select with {@code partition.assignment.strategy}. */
    String name();

    /**
     * @param members         every member of the group
     * @param partitionCounts partitions of a topic, or a value below 1 when the topic does not exist
     * @return for every member (each present, possibly with no partitions), the partitions it should own;
     *         every partition of every existing subscribed topic goes to exactly one member subscribed to it
     */
    Map<String, Set<TopicPartition>> assign(Collection<AssignmentMember> members, ToIntFunction<String> partitionCounts);
}
