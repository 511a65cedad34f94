package io.runnel.group.core;

import io.runnel.common.TopicPartition;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Moves one member one step towards its target assignment (Kafka's KIP-848 current-assignment rules). The
 * rules keep the group's one invariant: no partition is held (assigned or pending revocation) by two members
 * at once, so a partition moves only after its previous owner revoked it.
 *
 * <ul>
 *   <li>A member that holds partitions outside its target must revoke them first: it keeps its epoch and
 *       the partitions it keeps, and gets nothing new until its heartbeat no longer lists the revoked ones
 *       (UNREVOKED_PARTITIONS).</li>
 *   <li>Otherwise it moves to the target epoch with its kept partitions plus every target partition no other
 *       member holds; the rest wait for their owners (UNRELEASED_PARTITIONS), else it is STABLE.</li>
 * </ul>
 * Stateless; a pure function.
 */
public final class Reconciler {

    private Reconciler() {
    }

    /**
     * @param owned          the partitions the member reported owning in its last heartbeat, or null when not
     *                       known (after a coordinator change): then it is assumed to still own what it held
     * @param heldByOther    whether another member holds a partition
     * @return the member's next state (the same object when nothing changes)
     */
    public static GroupMember next(GroupMember member, int targetEpoch, Set<TopicPartition> target,
                                   Set<TopicPartition> owned, Predicate<TopicPartition> heldByOther) {
        if (member.memberEpoch() < 0) {
            return member;  // a static member that is away keeps everything until it returns or expires
        }
        return switch (member.state()) {
            case STABLE -> member.memberEpoch() == targetEpoch && member.assigned().equals(target)
                    ? member : compute(member, targetEpoch, target, owned, heldByOther);
            case UNREVOKED_PARTITIONS -> ownsAny(owned, member.pendingRevocation())
                    ? member : compute(member, targetEpoch, target, owned, heldByOther);
            case UNRELEASED_PARTITIONS -> compute(member, targetEpoch, target, owned, heldByOther);
        };
    }

    private static GroupMember compute(GroupMember member, int targetEpoch, Set<TopicPartition> target,
                                       Set<TopicPartition> owned, Predicate<TopicPartition> heldByOther) {
        SortedSet<TopicPartition> kept = new TreeSet<>();
        SortedSet<TopicPartition> toRevoke = new TreeSet<>();
        for (TopicPartition tp : member.assigned()) {
            (target.contains(tp) ? kept : toRevoke).add(tp);
        }
        if (!toRevoke.isEmpty() && ownsAny(owned, toRevoke)) {
            return changed(member, member.memberEpoch(), member.previousMemberEpoch(), MemberState.UNREVOKED_PARTITIONS,
                    kept, toRevoke);
        }
        boolean unreleased = false;
        SortedSet<TopicPartition> next = new TreeSet<>(kept);
        for (TopicPartition tp : target) {
            if (!kept.contains(tp)) {
                if (heldByOther.test(tp)) {
                    unreleased = true;
                } else {
                    next.add(tp);
                }
            }
        }
        int previous = member.memberEpoch() != targetEpoch ? member.memberEpoch() : member.previousMemberEpoch();
        return changed(member, targetEpoch, previous,
                unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE, next, Partitions.EMPTY);
    }

    private static GroupMember changed(GroupMember member, int epoch, int previousEpoch, MemberState state,
                                       SortedSet<TopicPartition> assigned, SortedSet<TopicPartition> pending) {
        GroupMember next = member.withAssignment(epoch, previousEpoch, state, assigned, pending);
        return next.assignmentDiffers(member) ? next : member;
    }

    private static boolean ownsAny(Set<TopicPartition> owned, Set<TopicPartition> partitions) {
        if (owned == null) {
            return !partitions.isEmpty();
        }
        for (TopicPartition tp : partitions) {
            if (owned.contains(tp)) {
                return true;
            }
        }
        return false;
    }
}
