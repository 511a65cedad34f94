package io.runnel.group.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.TopicPartition;
import io.runnel.proto.OffsetCommitValue;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroupRecordsTest {

    private static final String GROUP = "payments-ledger";

    /** Every type of record and its tombstone, as a coordinator writes them. */
    private static List<CoordinatorRecord> everyRecordType() {
        GroupMember member = GroupMember.joining("member-1");
        TopicPartition tp = new TopicPartition("orders", 3);
        return List.of(
                GroupRecords.offsetCommit(GROUP, tp, new CommittedOffset(42, 1, "m", 1_000)),
                GroupRecords.offsetTombstone(GROUP, tp),
                GroupRecords.groupMetadata(GROUP, 7, Map.of("orders", 12)),
                GroupRecords.groupMetadataTombstone(GROUP),
                GroupRecords.memberMetadata(GROUP, member),
                GroupRecords.memberMetadataTombstone(GROUP, member.memberId()),
                GroupRecords.targetEpoch(GROUP, 7),
                GroupRecords.targetEpochTombstone(GROUP),
                GroupRecords.targetMember(GROUP, member.memberId(), Set.of(tp)),
                GroupRecords.targetMemberTombstone(GROUP, member.memberId()),
                GroupRecords.currentAssignment(GROUP, member),
                GroupRecords.currentAssignmentTombstone(GROUP, member.memberId()));
    }

    @Test
    void everyRecordTypeNamesItsGroupAfterARoundTripThroughItsBytes() {
        List<CoordinatorRecord> records = everyRecordType();
        assertThat(records).extracting(CoordinatorRecord::type).containsOnly(GroupRecords.OFFSET_COMMIT,
                GroupRecords.GROUP_METADATA, GroupRecords.MEMBER_METADATA, GroupRecords.TARGET_ASSIGNMENT_METADATA,
                GroupRecords.TARGET_ASSIGNMENT_MEMBER, GroupRecords.CURRENT_MEMBER_ASSIGNMENT);
        for (CoordinatorRecord record : records) {
            byte[] value = GroupRecords.valueBytes(record);
            CoordinatorRecord decoded = GroupRecords.decode(ByteBuffer.wrap(GroupRecords.keyBytes(record)),
                    value == null ? null : ByteBuffer.wrap(value));
            assertThat(decoded.type()).isEqualTo(record.type());
            assertThat(decoded.key()).isEqualTo(record.key());
            assertThat(decoded.value()).isEqualTo(record.value());
            assertThat(GroupRecords.groupId(decoded)).as("group of a record of type %d", record.type()).isEqualTo(GROUP);
        }
    }

    @Test
    void aMessageThatIsNotAKeyHasNoGroup() {
        CoordinatorRecord notAKey = new CoordinatorRecord(GroupRecords.OFFSET_COMMIT, OffsetCommitValue.newBuilder().setOffset(1).build(),
                null);
        assertThatThrownBy(() -> GroupRecords.groupId(notAKey)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a key of __consumer_offsets").hasMessageContaining("OffsetCommitValue");
    }
}
