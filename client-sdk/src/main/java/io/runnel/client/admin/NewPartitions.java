package io.runnel.client.admin;

import java.util.List;

/** The new total partition count of a topic, with optional broker ids for each new partition. Immutable. */
public record NewPartitions(int totalCount, List<List<Integer>> newAssignments) {

    public NewPartitions {
        newAssignments = newAssignments == null ? List.of() : newAssignments.stream().map(List::copyOf).toList();
    }

    public static NewPartitions increaseTo(int totalCount) {
        return new NewPartitions(totalCount, List.of());
    }
}
