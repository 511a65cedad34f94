package io.runnel.group.core;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.runnel.common.TopicPartition;
import io.runnel.proto.CurrentMemberAssignmentKey;
import io.runnel.proto.CurrentMemberAssignmentValue;
import io.runnel.proto.GroupMetadataKey;
import io.runnel.proto.GroupMetadataValue;
import io.runnel.proto.MemberMetadataKey;
import io.runnel.proto.MemberMetadataValue;
import io.runnel.proto.OffsetCommitKey;
import io.runnel.proto.OffsetCommitValue;
import io.runnel.proto.TargetAssignmentMemberKey;
import io.runnel.proto.TargetAssignmentMemberValue;
import io.runnel.proto.TargetAssignmentMetadataKey;
import io.runnel.proto.TargetAssignmentMetadataValue;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;

/**
 * The records of {@code __consumer_offsets}: their types, how each is built, and their bytes. A record's key
 * is its type as a big-endian int16 followed by the protobuf key message; its value is the protobuf value
 * message, absent for a tombstone. Keys identify what a record describes (an offset, a member, ...), so
 * compaction keeps exactly the latest state of each. The type numbers are Kafka's (1 offset commit, 3 group
 * epoch, 5 member, 6 target epoch, 7 target member, 8 current member assignment). Stateless.
 */
public final class GroupRecords {

    public static final short OFFSET_COMMIT = 1;
    public static final short GROUP_METADATA = 3;
    public static final short MEMBER_METADATA = 5;
    public static final short TARGET_ASSIGNMENT_METADATA = 6;
    public static final short TARGET_ASSIGNMENT_MEMBER = 7;
    public static final short CURRENT_MEMBER_ASSIGNMENT = 8;

    private GroupRecords() {
    }

    // ---- building -----------------------------------------------------------------------------

    public static CoordinatorRecord offsetCommit(String groupId, TopicPartition tp, CommittedOffset offset) {
        return new CoordinatorRecord(OFFSET_COMMIT, offsetKey(groupId, tp), OffsetCommitValue.newBuilder()
                .setOffset(offset.offset()).setLeaderEpoch(offset.leaderEpoch()).setMetadata(offset.metadata())
                .setCommitTimestampMs(offset.commitTimestampMs()).build());
    }

    public static CoordinatorRecord offsetTombstone(String groupId, TopicPartition tp) {
        return new CoordinatorRecord(OFFSET_COMMIT, offsetKey(groupId, tp), null);
    }

    private static OffsetCommitKey offsetKey(String groupId, TopicPartition tp) {
        return OffsetCommitKey.newBuilder().setGroupId(groupId).setTopic(tp.topic()).setPartition(tp.partition()).build();
    }

    public static CoordinatorRecord groupMetadata(String groupId, int epoch, Map<String, Integer> subscribedTopicPartitions) {
        return new CoordinatorRecord(GROUP_METADATA, GroupMetadataKey.newBuilder().setGroupId(groupId).build(),
                GroupMetadataValue.newBuilder().setEpoch(epoch).putAllSubscribedTopicPartitions(subscribedTopicPartitions).build());
    }

    public static CoordinatorRecord groupMetadataTombstone(String groupId) {
        return new CoordinatorRecord(GROUP_METADATA, GroupMetadataKey.newBuilder().setGroupId(groupId).build(), null);
    }

    public static CoordinatorRecord memberMetadata(String groupId, GroupMember member) {
        MemberMetadataValue.Builder value = MemberMetadataValue.newBuilder()
                .setInstanceId(nullToEmpty(member.instanceId()))
                .setRackId(member.rackId())
                .setClientId(member.clientId())
                .setClientHost(member.clientHost())
                .addAllSubscribedTopicNames(member.subscribedTopics())
                .setRebalanceTimeoutMs(member.rebalanceTimeoutMs())
                .setSessionTimeoutMs(member.sessionTimeoutMs())
                .setServerAssignor(nullToEmpty(member.serverAssignor()));
        return new CoordinatorRecord(MEMBER_METADATA, memberKey(groupId, member.memberId()), value.build());
    }

    public static CoordinatorRecord memberMetadataTombstone(String groupId, String memberId) {
        return new CoordinatorRecord(MEMBER_METADATA, memberKey(groupId, memberId), null);
    }

    private static MemberMetadataKey memberKey(String groupId, String memberId) {
        return MemberMetadataKey.newBuilder().setGroupId(groupId).setMemberId(memberId).build();
    }

    public static CoordinatorRecord targetEpoch(String groupId, int epoch) {
        return new CoordinatorRecord(TARGET_ASSIGNMENT_METADATA, TargetAssignmentMetadataKey.newBuilder().setGroupId(groupId).build(),
                TargetAssignmentMetadataValue.newBuilder().setAssignmentEpoch(epoch).build());
    }

    public static CoordinatorRecord targetEpochTombstone(String groupId) {
        return new CoordinatorRecord(TARGET_ASSIGNMENT_METADATA, TargetAssignmentMetadataKey.newBuilder().setGroupId(groupId).build(), null);
    }

    public static CoordinatorRecord targetMember(String groupId, String memberId, Set<TopicPartition> partitions) {
        return new CoordinatorRecord(TARGET_ASSIGNMENT_MEMBER, targetKey(groupId, memberId),
                TargetAssignmentMemberValue.newBuilder().addAllPartitions(Partitions.toProto(partitions)).build());
    }

    public static CoordinatorRecord targetMemberTombstone(String groupId, String memberId) {
        return new CoordinatorRecord(TARGET_ASSIGNMENT_MEMBER, targetKey(groupId, memberId), null);
    }

    private static TargetAssignmentMemberKey targetKey(String groupId, String memberId) {
        return TargetAssignmentMemberKey.newBuilder().setGroupId(groupId).setMemberId(memberId).build();
    }

    public static CoordinatorRecord currentAssignment(String groupId, GroupMember member) {
        return new CoordinatorRecord(CURRENT_MEMBER_ASSIGNMENT, currentKey(groupId, member.memberId()),
                CurrentMemberAssignmentValue.newBuilder()
                        .setMemberEpoch(member.memberEpoch())
                        .setPreviousMemberEpoch(member.previousMemberEpoch())
                        .setState(member.state().toRecord())
                        .addAllAssignedPartitions(Partitions.toProto(member.assigned()))
                        .addAllPartitionsPendingRevocation(Partitions.toProto(member.pendingRevocation()))
                        .build());
    }

    public static CoordinatorRecord currentAssignmentTombstone(String groupId, String memberId) {
        return new CoordinatorRecord(CURRENT_MEMBER_ASSIGNMENT, currentKey(groupId, memberId), null);
    }

    private static CurrentMemberAssignmentKey currentKey(String groupId, String memberId) {
        return CurrentMemberAssignmentKey.newBuilder().setGroupId(groupId).setMemberId(memberId).build();
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }

    // ---- bytes --------------------------------------------------------------------------------

    /** The record's key bytes: type (int16, big-endian) then the key message. */
    public static byte[] keyBytes(CoordinatorRecord record) {
        byte[] message = record.key().toByteArray();
        return ByteBuffer.allocate(2 + message.length).putShort(record.type()).put(message).array();
    }

    /** The value bytes, or null for a tombstone. */
    public static byte[] valueBytes(CoordinatorRecord record) {
        return record.value() == null ? null : record.value().toByteArray();
    }

    /**
     * Decodes a record read from the log.
     *
     * @throws IllegalArgumentException when the key is shorter than its type, names an unknown type, or
     *                                  either message does not parse
     */
    public static CoordinatorRecord decode(ByteBuffer key, ByteBuffer value) {
        if (key == null || key.remaining() < 2) {
            throw new IllegalArgumentException("a record of __consumer_offsets needs a key of at least 2 bytes (its type)");
        }
        ByteBuffer keyCopy = key.duplicate();
        short type = keyCopy.getShort();
        try {
            return switch (type) {
                case OFFSET_COMMIT -> new CoordinatorRecord(type, OffsetCommitKey.parseFrom(keyCopy),
                        value == null ? null : OffsetCommitValue.parseFrom(value.duplicate()));
                case GROUP_METADATA -> new CoordinatorRecord(type, GroupMetadataKey.parseFrom(keyCopy),
                        value == null ? null : GroupMetadataValue.parseFrom(value.duplicate()));
                case MEMBER_METADATA -> new CoordinatorRecord(type, MemberMetadataKey.parseFrom(keyCopy),
                        value == null ? null : MemberMetadataValue.parseFrom(value.duplicate()));
                case TARGET_ASSIGNMENT_METADATA -> new CoordinatorRecord(type, TargetAssignmentMetadataKey.parseFrom(keyCopy),
                        value == null ? null : TargetAssignmentMetadataValue.parseFrom(value.duplicate()));
                case TARGET_ASSIGNMENT_MEMBER -> new CoordinatorRecord(type, TargetAssignmentMemberKey.parseFrom(keyCopy),
                        value == null ? null : TargetAssignmentMemberValue.parseFrom(value.duplicate()));
                case CURRENT_MEMBER_ASSIGNMENT -> new CoordinatorRecord(type, CurrentMemberAssignmentKey.parseFrom(keyCopy),
                        value == null ? null : CurrentMemberAssignmentValue.parseFrom(value.duplicate()));
                default -> throw new IllegalArgumentException("unknown record type " + type + " in __consumer_offsets");
            };
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("record of type " + type + " does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * The group a record belongs to (every key names it first). Typed accessors, not protobuf reflection: this runs
     * for every record a coordinator loads, and the reflective lookup was an eighth of a load's CPU time
     * (docs/benchmarks.md, "Consumer groups").
     */
    public static String groupId(CoordinatorRecord record) {
        Message key = record.key();
        if (key instanceof OffsetCommitKey k) {
            return k.getGroupId();
        } else if (key instanceof CurrentMemberAssignmentKey k) {
            return k.getGroupId();
        } else if (key instanceof TargetAssignmentMemberKey k) {
            return k.getGroupId();
        } else if (key instanceof MemberMetadataKey k) {
            return k.getGroupId();
        } else if (key instanceof GroupMetadataKey k) {
            return k.getGroupId();
        } else if (key instanceof TargetAssignmentMetadataKey k) {
            return k.getGroupId();
        }
        throw new IllegalArgumentException("not a key of __consumer_offsets: " + key.getDescriptorForType().getFullName());
    }
}
