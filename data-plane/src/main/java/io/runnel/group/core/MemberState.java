package io.runnel.group.core;

import io.runnel.proto.MemberStateRecord;

/**
 * Where a member is on its way to its target assignment (Kafka's KIP-848 member states).
 *
 * <pre>
 * state                  meaning                                              leaves when
 * STABLE                 owns its target at the target epoch                  the target changes
 * UNREVOKED_PARTITIONS   must give up partitions first; keeps its epoch        its heartbeat no longer lists them
 * UNRELEASED_PARTITIONS  at the target epoch, waiting for partitions another   their owner revoked them
 *                        member still owns
 * </pre>
 */
public enum MemberState {
    STABLE, UNREVOKED_PARTITIONS, UNRELEASED_PARTITIONS;

    MemberStateRecord toRecord() {
        return switch (this) {
            case STABLE -> MemberStateRecord.MEMBER_STABLE;
            case UNREVOKED_PARTITIONS -> MemberStateRecord.MEMBER_UNREVOKED_PARTITIONS;
            case UNRELEASED_PARTITIONS -> MemberStateRecord.MEMBER_UNRELEASED_PARTITIONS;
        };
    }

    static MemberState fromRecord(MemberStateRecord state) {
        return switch (state) {
            case MEMBER_UNREVOKED_PARTITIONS -> UNREVOKED_PARTITIONS;
            case MEMBER_UNRELEASED_PARTITIONS -> UNRELEASED_PARTITIONS;
            default -> STABLE;
        };
    }

    /** Lower case, as DescribeGroups reports it. */
    public String describe() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
