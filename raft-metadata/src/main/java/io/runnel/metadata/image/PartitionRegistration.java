package io.runnel.metadata.image;

import io.runnel.proto.metadata.IntList;
import io.runnel.proto.metadata.PartitionChangeRecord;
import io.runnel.proto.metadata.PartitionRecord;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The replica set of one partition: assignment order (the first replica is the preferred leader), the
 * in-sync replicas, an ongoing reassignment, the leader and the two epochs. {@code leaderEpoch} grows
 * with every leader change, {@code partitionEpoch} with every change at all (DESIGN §3); both are
 * bumped by {@link #merge}, never written by the controller. {@code liveHandoffEpoch} is the latest
 * leader epoch whose election deposed a leader that was still alive (0: none), which tells a new leader
 * whether a predecessor may still hold its lease (docs/replication.md). Immutable.
 *
 * <p>Invariants ({@link #invariantViolation}): replicas distinct and non-empty; ISR, adding and
 * removing replicas are subsets of the replicas; adding and removing are disjoint and leave a
 * non-empty target; the leader is {@link #NO_LEADER} or an ISR member.
 *
 * <p>During a reassignment (docs/metadata.md, "Reassignment") {@code replicas} is the target replica
 * list followed by the replicas being removed; {@code addingReplicas} are target replicas that were not
 * replicas before it started, {@code removingReplicas} replicas that are not in the target.
 */
public record PartitionRegistration(List<Integer> replicas, List<Integer> isr, List<Integer> removingReplicas,
                                    List<Integer> addingReplicas, int leader, int leaderEpoch, int partitionEpoch,
                                    int liveHandoffEpoch) {

    public static final int NO_LEADER = -1;

    public PartitionRegistration {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        removingReplicas = List.copyOf(removingReplicas);
        addingReplicas = List.copyOf(addingReplicas);
    }

    /** A new partition: leader the first ISR member in assignment order, both epochs 0. */
    public static PartitionRegistration initial(List<Integer> replicas, List<Integer> isr, int leader) {
        return new PartitionRegistration(replicas, isr, List.of(), List.of(), leader, 0, 0, 0);
    }

    public boolean hasLeader() {
        return leader != NO_LEADER;
    }

    public boolean hasReplica(int brokerId) {
        return replicas.contains(brokerId);
    }

    public boolean isInIsr(int brokerId) {
        return isr.contains(brokerId);
    }

    /** True while a reassignment is in progress: some replicas are being added or removed. */
    public boolean isReassigning() {
        return !addingReplicas.isEmpty() || !removingReplicas.isEmpty();
    }

    /** The replica set a reassignment moves to: the replicas without those being removed, in order. */
    public List<Integer> targetReplicas() {
        return removingReplicas.isEmpty() ? replicas : without(replicas, removingReplicas);
    }

    /** The replica set before the reassignment: the replicas without those being added, in order. */
    public List<Integer> originalReplicas() {
        return addingReplicas.isEmpty() ? replicas : without(replicas, addingReplicas);
    }

    private static List<Integer> without(List<Integer> values, List<Integer> removed) {
        return values.stream().filter(v -> !removed.contains(v)).toList();
    }

    /** The preferred leader: the first replica in assignment order. */
    public int preferredLeader() {
        return replicas.isEmpty() ? NO_LEADER : replicas.get(0);
    }

    /** A description of the first broken invariant, or empty if the registration is consistent. */
    public Optional<String> invariantViolation() {
        if (replicas.isEmpty()) {
            return Optional.of("no replicas");
        }
        Set<Integer> replicaSet = new HashSet<>(replicas);
        if (replicaSet.size() != replicas.size()) {
            return Optional.of("replicas " + replicas + " are not distinct");
        }
        if (new HashSet<>(isr).size() != isr.size()) {
            return Optional.of("ISR " + isr + " is not distinct");
        }
        if (!replicaSet.containsAll(isr)) {
            return Optional.of("ISR " + isr + " is not a subset of replicas " + replicas);
        }
        if (!replicaSet.containsAll(addingReplicas) || !replicaSet.containsAll(removingReplicas)) {
            return Optional.of("adding " + addingReplicas + " or removing " + removingReplicas
                    + " replicas are not a subset of replicas " + replicas);
        }
        if (addingReplicas.stream().anyMatch(removingReplicas::contains)) {
            return Optional.of("adding " + addingReplicas + " and removing " + removingReplicas + " replicas overlap");
        }
        if (isReassigning() && targetReplicas().isEmpty()) {
            return Optional.of("every replica of " + replicas + " is being removed");
        }
        if (leader != NO_LEADER && !isr.contains(leader)) {
            return Optional.of("leader " + leader + " is not in ISR " + isr);
        }
        if (leader < NO_LEADER) {
            return Optional.of("leader " + leader + " is not a broker id");
        }
        if (leaderEpoch < 0 || partitionEpoch < 0) {
            return Optional.of("negative epoch: leader epoch " + leaderEpoch + ", partition epoch " + partitionEpoch);
        }
        if (liveHandoffEpoch < 0 || liveHandoffEpoch > leaderEpoch) {
            return Optional.of("live handoff epoch " + liveHandoffEpoch + " outside 0.." + leaderEpoch);
        }
        return Optional.empty();
    }

    /**
     * The registration after a PartitionChange: absent fields are unchanged, the partition epoch is
     * bumped, and the leader epoch is bumped when the leader field names another leader; when that change
     * deposes a live leader, the new leader epoch becomes the live handoff epoch.
     */
    public PartitionRegistration merge(PartitionChangeRecord change) {
        int newLeader = change.hasLeader() ? change.getLeader() : leader;
        boolean leaderChanged = newLeader != leader;
        int newLeaderEpoch = leaderChanged ? leaderEpoch + 1 : leaderEpoch;
        return new PartitionRegistration(
                change.hasReplicas() ? change.getReplicas().getValuesList() : replicas,
                change.hasIsr() ? change.getIsr().getValuesList() : isr,
                change.hasRemovingReplicas() ? change.getRemovingReplicas().getValuesList() : removingReplicas,
                change.hasAddingReplicas() ? change.getAddingReplicas().getValuesList() : addingReplicas,
                newLeader,
                newLeaderEpoch,
                partitionEpoch + 1,
                leaderChanged && change.getDeposesLiveLeader() ? newLeaderEpoch : liveHandoffEpoch);
    }

    public static PartitionRegistration fromRecord(PartitionRecord record) {
        return new PartitionRegistration(record.getReplicasList(), record.getIsrList(),
                record.getRemovingReplicasList(), record.getAddingReplicasList(), record.getLeader(),
                record.getLeaderEpoch(), record.getPartitionEpoch(), record.getLiveHandoffEpoch());
    }

    public PartitionRecord toRecord(UUID topicId, int partition) {
        return PartitionRecord.newBuilder()
                .setTopicId(topicId.toString())
                .setPartitionId(partition)
                .addAllReplicas(replicas)
                .addAllIsr(isr)
                .addAllRemovingReplicas(removingReplicas)
                .addAllAddingReplicas(addingReplicas)
                .setLeader(leader)
                .setLeaderEpoch(leaderEpoch)
                .setPartitionEpoch(partitionEpoch)
                .setLiveHandoffEpoch(liveHandoffEpoch)
                .build();
    }

    /** A builder-free helper for PartitionChange records: the IntList of {@code values}. */
    public static IntList intList(List<Integer> values) {
        return IntList.newBuilder().addAllValues(Objects.requireNonNull(values, "values")).build();
    }
}
