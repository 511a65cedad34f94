package io.runnel.group.core;

import io.runnel.common.TopicPartition;
import io.runnel.proto.ErrorCode;
import java.util.Set;

/**
 * A change to push to a member's stream: its new epoch and assignment, or (error other than NONE) that it is
 * no longer a member, after which the shell ends its stream. Immutable.
 */
public record MemberUpdate(String groupId, String memberId, int memberEpoch, Set<TopicPartition> assigned,
                           long assignmentVersion, ErrorCode error, String errorMessage) {

    public static MemberUpdate assignment(String groupId, GroupMember member, long version) {
        return new MemberUpdate(groupId, member.memberId(), member.memberEpoch(), member.assigned(), version, ErrorCode.NONE, "");
    }

    public static MemberUpdate removed(String groupId, String memberId, ErrorCode error, String message) {
        return new MemberUpdate(groupId, memberId, -1, Partitions.EMPTY, 0, error, message);
    }
}
