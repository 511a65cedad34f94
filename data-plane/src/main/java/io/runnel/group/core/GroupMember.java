package io.runnel.group.core;

import io.runnel.common.TopicPartition;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;

/**
 * One member of a consumer group as the coordinator knows it: its metadata (from the member's heartbeats,
 * persisted in the member record) and its current assignment (persisted in the current-assignment record).
 * Immutable; changes make copies.
 *
 * @param instanceId         group.instance.id, or null for a dynamic member
 * @param serverAssignor     the assignor the member asked for, or null for the coordinator's default
 * @param memberEpoch        0 before its first assignment; -2 while a static member is away
 * @param assigned           the partitions the member may own now
 * @param pendingRevocation  partitions the member must give up before it gets anything more
 */
public record GroupMember(String memberId, String instanceId, String rackId, String clientId, String clientHost,
                          List<String> subscribedTopics, int rebalanceTimeoutMs, int sessionTimeoutMs,
                          String serverAssignor, int memberEpoch, int previousMemberEpoch, MemberState state,
                          SortedSet<TopicPartition> assigned, SortedSet<TopicPartition> pendingRevocation) {

    /** The epoch of a static member that left for now (group.instance.id set, closing): its partitions wait. */
    public static final int LEAVE_STATIC_EPOCH = -2;
    /** The epoch a member sends to leave the group. */
    public static final int LEAVE_EPOCH = -1;

    public GroupMember {
        Objects.requireNonNull(memberId, "memberId");
        subscribedTopics = List.copyOf(new java.util.TreeSet<>(subscribedTopics));
        assigned = Partitions.of(assigned);
        pendingRevocation = Partitions.of(pendingRevocation);
    }

    /** A member that has just joined: no epoch, nothing assigned. */
    public static GroupMember joining(String memberId) {
        return new GroupMember(memberId, null, "", "", "", List.of(), 0, 0, null, 0, 0, MemberState.STABLE,
                Partitions.EMPTY, Partitions.EMPTY);
    }

    public GroupMember withMetadata(String newInstanceId, String newRackId, String newClientId, String newClientHost,
                                    List<String> newTopics, int newRebalanceTimeoutMs, int newSessionTimeoutMs,
                                    String newServerAssignor) {
        return new GroupMember(memberId, newInstanceId, newRackId, newClientId, newClientHost, newTopics,
                newRebalanceTimeoutMs, newSessionTimeoutMs, newServerAssignor, memberEpoch, previousMemberEpoch, state,
                assigned, pendingRevocation);
    }

    public GroupMember withAssignment(int newEpoch, int newPreviousEpoch, MemberState newState,
                                      SortedSet<TopicPartition> newAssigned, SortedSet<TopicPartition> newPending) {
        return new GroupMember(memberId, instanceId, rackId, clientId, clientHost, subscribedTopics, rebalanceTimeoutMs,
                sessionTimeoutMs, serverAssignor, newEpoch, newPreviousEpoch, newState, newAssigned, newPending);
    }

    /** The same metadata under another member id (a static member replaced by its restarted process). */
    public GroupMember withMemberId(String newMemberId) {
        return new GroupMember(newMemberId, instanceId, rackId, clientId, clientHost, subscribedTopics, rebalanceTimeoutMs,
                sessionTimeoutMs, serverAssignor, memberEpoch, previousMemberEpoch, state, assigned, pendingRevocation);
    }

    /** True when the metadata records would differ (what a member record holds). */
    public boolean metadataDiffers(GroupMember other) {
        return !Objects.equals(instanceId, other.instanceId) || !rackId.equals(other.rackId)
                || !clientId.equals(other.clientId) || !clientHost.equals(other.clientHost)
                || !subscribedTopics.equals(other.subscribedTopics) || rebalanceTimeoutMs != other.rebalanceTimeoutMs
                || sessionTimeoutMs != other.sessionTimeoutMs || !Objects.equals(serverAssignor, other.serverAssignor);
    }

    /** True when the current-assignment records would differ. */
    public boolean assignmentDiffers(GroupMember other) {
        return memberEpoch != other.memberEpoch || previousMemberEpoch != other.previousMemberEpoch
                || state != other.state || !assigned.equals(other.assigned) || !pendingRevocation.equals(other.pendingRevocation);
    }

    /** Every partition the member holds on the coordinator's books: assigned or still to be revoked. */
    public boolean holds(TopicPartition tp) {
        return assigned.contains(tp) || pendingRevocation.contains(tp);
    }

    /** True when it owns its target at the target epoch. */
    public boolean isReconciledTo(int targetEpoch) {
        return state == MemberState.STABLE && memberEpoch == targetEpoch;
    }
}
