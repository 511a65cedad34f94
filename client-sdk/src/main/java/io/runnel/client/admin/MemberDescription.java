package io.runnel.client.admin;

import io.runnel.common.TopicPartition;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One member of a consumer group: its ids, where it runs, what it subscribes to, what it owns now
 * ({@code assignment}) and what the assignor gave it ({@code targetAssignment}; they differ while partitions
 * move), its epoch and state (stable, unrevoked_partitions, unreleased_partitions). Immutable.
 */
public record MemberDescription(String memberId, Optional<String> groupInstanceId, String clientId, String host,
                                List<String> subscribedTopics, Set<TopicPartition> assignment,
                                Set<TopicPartition> targetAssignment, int memberEpoch, String memberState) {

    public MemberDescription {
        subscribedTopics = List.copyOf(subscribedTopics);
        assignment = Set.copyOf(assignment);
        targetAssignment = Set.copyOf(targetAssignment);
    }
}
