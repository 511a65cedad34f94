package io.runnel.metadata.controller;

import static io.runnel.metadata.image.PartitionRegistration.NO_LEADER;

import io.runnel.common.errors.ApiException;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * The reassignment state machine of one partition (Kafka's KIP-455 as its KRaft controller runs it), as
 * pure functions from one {@link PartitionRegistration} to the next; epochs are left to replay.
 *
 * <pre>
 *   state                         event                                   next state
 *   idle (adding = removing = []) start(target)                           moving: replicas = target ++ (current - target),
 *                                                                           adding = target - (current - adding),
 *                                                                           removing = current - target
 *   moving                        start(target') (a replacement)          moving toward target', computed from the current replicas;
 *                                                                           replicas the old move was adding stay "adding" if kept
 *   moving                        any change whose ISR holds the target   idle: replicas = target, ISR = ISR ∩ target, a leader
 *                                 (AlterPartition, election, start)        outside the target hands over to the first eligible
 *                                                                           target replica in the ISR (the move waits if none)
 *   moving                        cancel                                  idle: replicas = current - adding, ISR = ISR ∩ those,
 *                                                                           leader re-elected among them if it was being added
 * </pre>
 *
 * New replicas catch up as followers (they are in {@code replicas}); the leader adds each to the ISR with
 * AlterPartition once it has caught up; the change that puts the last target replica in the ISR also
 * completes the move, so the removed replicas leave in the same record (their brokers then delete their
 * logs). Nothing is ever removed from the ISR before the target is fully in it, so the set of replicas
 * that may become leader always holds every acknowledged record. Stateless; thread-safe.
 */
final class PartitionReassignment {

    private PartitionReassignment() {
    }

    /**
     * The registration of a partition moving to {@code target} (validated by the caller: non-empty,
     * distinct, registered brokers), completed at once when its ISR already holds the whole target (a pure
     * shrink or reorder). Without a change, {@code current} itself.
     */
    static PartitionRegistration start(PartitionRegistration current, List<Integer> target, IntPredicate eligible) {
        // Replicas that the reassignment being replaced was adding are still new if the target keeps them.
        List<Integer> original = current.originalReplicas();
        List<Integer> adding = target.stream().filter(b -> !original.contains(b)).toList();
        List<Integer> removing = current.replicas().stream().filter(b -> !target.contains(b)).toList();
        List<Integer> replicas = new ArrayList<>(target);
        replicas.addAll(removing);
        PartitionRegistration moving = new PartitionRegistration(replicas, current.isr(), removing, adding,
                current.leader(), current.leaderEpoch(), current.partitionEpoch(), current.liveHandoffEpoch());
        if (!moving.isReassigning()) {
            // Only the order changed (or nothing): the new order is the whole change.
            return moving;
        }
        return completeIfDone(moving, eligible);
    }

    /**
     * {@code proposed} with its reassignment completed if its ISR holds every target replica: replicas
     * become the target, the ISR keeps only target replicas, adding and removing are cleared. A leader
     * outside the target hands over to the first target replica (in target order) that is in the ISR and
     * eligible; if there is none the move waits, so a completion never takes a partition's leader away.
     * A leaderless partition gets such a leader if one exists. Unchanged if not reassigning or not done.
     */
    static PartitionRegistration completeIfDone(PartitionRegistration proposed, IntPredicate eligible) {
        if (!proposed.isReassigning()) {
            return proposed;
        }
        List<Integer> target = proposed.targetReplicas();
        if (!proposed.isr().containsAll(target)) {
            return proposed;
        }
        List<Integer> isr = proposed.isr().stream().filter(target::contains).toList();
        int leader = proposed.leader();
        if (leader == NO_LEADER || !target.contains(leader)) {
            int successor = PartitionElection.cleanLeader(target, isr, eligible);
            if (successor == NO_LEADER && leader != NO_LEADER) {
                return proposed;
            }
            leader = successor;
        }
        return new PartitionRegistration(target, isr, List.of(), List.of(), leader, proposed.leaderEpoch(),
                proposed.partitionEpoch(), proposed.liveHandoffEpoch());
    }

    /**
     * The registration after cancelling the reassignment (the caller checked there is one): the replicas
     * it was adding leave the replica set and the ISR, the ones it was removing stay. If no original
     * replica is in the ISR, cancelling needs an unclean election: allowed only with
     * {@code uncleanAllowed} (the topic's unclean.leader.election.enable), else INVALID_REPLICA_ASSIGNMENT;
     * the ISR is then the elected replica alone. A cancel that would take the leader away with no
     * eligible successor is refused with ELIGIBLE_LEADERS_NOT_AVAILABLE.
     */
    static PartitionRegistration revert(String name, PartitionRegistration current, IntPredicate eligible,
                                        boolean uncleanAllowed) {
        List<Integer> original = current.originalReplicas();
        List<Integer> isr = current.isr().stream().filter(original::contains).toList();
        int leader = current.leader();
        if (isr.isEmpty()) {
            if (!uncleanAllowed) {
                throw new ApiException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "cannot cancel the reassignment of "
                        + name + ": none of its original replicas " + original + " is in the ISR " + current.isr()
                        + ", so reverting needs an unclean leader election (unclean.leader.election.enable is false)");
            }
            leader = PartitionElection.uncleanLeader(original, eligible);
            if (leader == NO_LEADER) {
                throw new ApiException(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, "cannot cancel the reassignment of "
                        + name + ": none of its original replicas " + original + " is unfenced and not shutting down");
            }
            isr = List.of(leader);
        } else if (leader == NO_LEADER || !isr.contains(leader)) {
            int successor = PartitionElection.cleanLeader(original, isr, eligible);
            if (successor == NO_LEADER && leader != NO_LEADER) {
                throw new ApiException(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, "cannot cancel the reassignment of "
                        + name + ": its leader " + leader + " is being added, and no original replica in the ISR "
                        + isr + " is unfenced and not shutting down to take over");
            }
            leader = successor;
        }
        return new PartitionRegistration(original, isr, List.of(), List.of(), leader, current.leaderEpoch(),
                current.partitionEpoch(), current.liveHandoffEpoch());
    }
}
