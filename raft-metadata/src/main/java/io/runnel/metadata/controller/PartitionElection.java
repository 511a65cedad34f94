package io.runnel.metadata.controller;

import static io.runnel.metadata.image.PartitionRegistration.NO_LEADER;
import static io.runnel.metadata.image.PartitionRegistration.intList;

import io.runnel.metadata.image.ClusterImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.PartitionChangeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntPredicate;

/**
 * Leader election and ISR updates of one partition (DESIGN §3), as PartitionChange records:
 *
 * <ul>
 *   <li>Clean election: the first replica in assignment order that is in the ISR and eligible
 *       (registered, unfenced, not in controlled shutdown).
 *   <li>Unclean election, only where allowed: the first eligible replica in assignment order, replicas
 *       that a reassignment is adding last (they may hold nothing yet); the ISR becomes just that
 *       replica, because no other replica is known to have its data.
 *   <li>Removing a broker (fenced, shutting down, re-registered): it leaves the ISR unless it is the
 *       last member, which keeps the last known in-sync replica on record; if it led, a new leader is
 *       elected from the remaining ISR, else the partition has no leader until one returns.
 * </ul>
 *
 * Every change goes through {@link #change}, which also completes a reassignment whose target replicas
 * are all in the new ISR ({@link PartitionReassignment#completeIfDone}), so that no path that grows or
 * elects an ISR can leave a finished reassignment open. Records carry only the fields that change;
 * replay bumps the epochs. Stateless; thread-safe.
 */
final class PartitionElection {

    private PartitionElection() {
    }

    /** Registered, unfenced and not shutting down: may lead and join ISRs. */
    static IntPredicate eligible(ClusterImage cluster) {
        return id -> {
            var broker = cluster.broker(id);
            return broker != null && !broker.fenced() && !broker.inControlledShutdown();
        };
    }

    /**
     * True when {@code leader} is a broker that may still be serving: registered and not fenced. Its
     * session is live, so it may hold a lease; taking leadership from it is a live handoff, which the
     * new leader must wait out (docs/replication.md). A fenced broker's lease expired before its session did.
     */
    static boolean isLive(ClusterImage cluster, int leader) {
        if (leader == NO_LEADER) {
            return false;
        }
        var broker = cluster.broker(leader);
        return broker != null && !broker.fenced();
    }

    /** The first replica in assignment order that is in {@code isr} and eligible, or NO_LEADER. */
    static int cleanLeader(List<Integer> replicas, List<Integer> isr, IntPredicate eligible) {
        for (int replica : replicas) {
            if (isr.contains(replica) && eligible.test(replica)) {
                return replica;
            }
        }
        return NO_LEADER;
    }

    /** The first eligible replica in assignment order, replicas being added last, or NO_LEADER. */
    static int uncleanLeader(PartitionRegistration registration, IntPredicate eligible) {
        List<Integer> candidates = new ArrayList<>(registration.originalReplicas());
        candidates.addAll(registration.addingReplicas());
        return uncleanLeader(candidates, eligible);
    }

    /** The first eligible replica of {@code replicas}, in order, or NO_LEADER. */
    static int uncleanLeader(List<Integer> replicas, IntPredicate eligible) {
        for (int replica : replicas) {
            if (eligible.test(replica)) {
                return replica;
            }
        }
        return NO_LEADER;
    }

    /**
     * The change taking {@code brokerId} out of the partition's leadership and ISR, if it holds either.
     * {@code brokerAlive}: the broker is still running (controlled shutdown), so if it led, its successor
     * must wait out its lease; false when its session expired or it re-registered as a new process.
     */
    static Optional<MetadataRecord> removeBroker(UUID topicId, int partition, PartitionRegistration current,
                                                 int brokerId, IntPredicate eligible, boolean uncleanAllowed,
                                                 boolean brokerAlive) {
        if (current.leader() != brokerId && !current.isInIsr(brokerId)) {
            return Optional.empty();
        }
        IntPredicate others = id -> id != brokerId && eligible.test(id);
        List<Integer> isr = new ArrayList<>(current.isr());
        if (isr.size() > 1) {
            isr.remove(Integer.valueOf(brokerId));
        }
        int leader = current.leader();
        if (leader == brokerId || leader == NO_LEADER) {
            leader = cleanLeader(current.replicas(), isr, others);
            if (leader == NO_LEADER && uncleanAllowed) {
                leader = uncleanLeader(current, others);
                if (leader != NO_LEADER) {
                    isr = List.of(leader);
                }
            }
        }
        // Another leader staying or handing over (reassignment) counts as alive: waiting is the safe side.
        boolean leaderAlive = current.leader() == brokerId ? brokerAlive : current.hasLeader();
        return change(topicId, partition, current, leader, isr, others, leaderAlive);
    }

    /** The change electing a leader for a leaderless partition, if an eligible replica can lead. */
    static Optional<MetadataRecord> electIfLeaderless(UUID topicId, int partition, PartitionRegistration current,
                                                      IntPredicate eligible, boolean uncleanAllowed) {
        if (current.hasLeader()) {
            return Optional.empty();
        }
        int leader = cleanLeader(current.replicas(), current.isr(), eligible);
        if (leader != NO_LEADER) {
            return change(topicId, partition, current, leader, current.isr(), eligible, false);
        }
        if (uncleanAllowed) {
            leader = uncleanLeader(current, eligible);
            if (leader != NO_LEADER) {
                return change(topicId, partition, current, leader, List.of(leader), eligible, false);
            }
        }
        return Optional.empty();
    }

    /**
     * The change giving the partition {@code leader} and {@code isr}, completing its reassignment if the
     * new ISR holds every target replica (a leader outside the target then hands over to the first
     * eligible target replica in the ISR); empty if nothing changes. {@code eligible} says which brokers
     * may lead. {@code currentLeaderLive}: the current leader may still be serving (see {@link #isLive});
     * if the leader changes, the record then says it deposes a live leader, whose lease the successor
     * waits out.
     */
    static Optional<MetadataRecord> change(UUID topicId, int partition, PartitionRegistration current,
                                           int leader, List<Integer> isr, IntPredicate eligible,
                                           boolean currentLeaderLive) {
        PartitionRegistration proposed = new PartitionRegistration(current.replicas(), isr,
                current.removingReplicas(), current.addingReplicas(), leader, current.leaderEpoch(),
                current.partitionEpoch(), current.liveHandoffEpoch());
        return diff(topicId, partition, current, PartitionReassignment.completeIfDone(proposed, eligible),
                currentLeaderLive);
    }

    /**
     * A PartitionChange taking {@code current} to {@code target} (epochs aside: replay bumps them), with
     * only the fields that differ; empty if none does. {@code currentLeaderLive} as for {@link #change}.
     */
    static Optional<MetadataRecord> diff(UUID topicId, int partition, PartitionRegistration current,
                                         PartitionRegistration target, boolean currentLeaderLive) {
        PartitionChangeRecord.Builder record = PartitionChangeRecord.newBuilder()
                .setTopicId(topicId.toString()).setPartitionId(partition);
        boolean changed = false;
        if (target.leader() != current.leader()) {
            record.setLeader(target.leader());
            record.setDeposesLiveLeader(currentLeaderLive && current.hasLeader());
            changed = true;
        }
        if (!target.isr().equals(current.isr())) {
            record.setIsr(intList(target.isr()));
            changed = true;
        }
        if (!target.replicas().equals(current.replicas())) {
            record.setReplicas(intList(target.replicas()));
            changed = true;
        }
        if (!target.addingReplicas().equals(current.addingReplicas())) {
            record.setAddingReplicas(intList(target.addingReplicas()));
            changed = true;
        }
        if (!target.removingReplicas().equals(current.removingReplicas())) {
            record.setRemovingReplicas(intList(target.removingReplicas()));
            changed = true;
        }
        return changed ? Optional.of(MetadataRecord.newBuilder().setPartitionChange(record).build()) : Optional.empty();
    }
}
