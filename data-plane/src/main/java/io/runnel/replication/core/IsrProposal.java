package io.runnel.replication.core;

import java.util.List;

/**
 * An ISR change the leader asks the controller to commit (AlterPartition): compare-and-set on the leader
 * epoch and partition epoch it was made at (DESIGN §3). Immutable.
 */
public record IsrProposal(int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {

    public IsrProposal {
        newIsr = List.copyOf(newIsr);
    }
}
