package io.runnel.client.admin;

import java.util.List;

/**
 * An ongoing reassignment of one partition, as Kafka's {@code PartitionReassignment}: the replica set
 * (target replicas first, then those being removed), the replicas being added and those being removed.
 * Immutable.
 */
public record PartitionReassignment(List<Integer> replicas, List<Integer> addingReplicas,
                                    List<Integer> removingReplicas) {

    public PartitionReassignment {
        replicas = List.copyOf(replicas);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
    }

    /** The replica set the partition moves to: the replicas without those being removed. */
    public List<Integer> targetReplicas() {
        return replicas.stream().filter(r -> !removingReplicas.contains(r)).toList();
    }
}
