package io.runnel.client;

import java.util.List;

/**
 * One partition as the metadata last seen describes it: its leader (null when none is known), leader
 * epoch, replicas in assignment order, in-sync replicas and offline replicas. Immutable.
 */
public record PartitionInfo(String topic, int partition, Node leader, int leaderEpoch, List<Node> replicas,
                            List<Node> inSyncReplicas, List<Node> offlineReplicas) {

    public PartitionInfo {
        replicas = List.copyOf(replicas);
        inSyncReplicas = List.copyOf(inSyncReplicas);
        offlineReplicas = List.copyOf(offlineReplicas);
    }
}
