package io.runnel.group.assignor;

import io.runnel.common.TopicPartition;
import java.util.Objects;
import java.util.Set;

/**
 * One member as an assignor sees it: its ids, the topics it subscribes to, and its part of the group's
 * previous target assignment (what the sticky assignor keeps). Immutable.
 *
 * @param instanceId the member's group.instance.id, or null for a dynamic member
 */
public record AssignmentMember(String memberId, String instanceId, Set<String> subscribedTopics,
                               Set<TopicPartition> previousTarget) {

    public AssignmentMember {
        Objects.requireNonNull(memberId, "memberId");
        subscribedTopics = Set.copyOf(subscribedTopics);
        previousTarget = Set.copyOf(previousTarget);
    }

    /**
     * The key members are ordered by: static members (by instance id) before dynamic ones (by member id), so
     * that a static member keeps its place in range and round-robin orders across restarts, as in Kafka.
     */
    String sortKey() {
        return instanceId != null ? "0" + instanceId : "1" + memberId;
    }
}
