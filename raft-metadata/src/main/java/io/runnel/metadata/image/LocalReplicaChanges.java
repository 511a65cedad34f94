package io.runnel.metadata.image;

import java.util.Map;
import java.util.Set;

/**
 * What one broker must do after a delta: partitions it leads whose registration changed (became leader,
 * or still leader with a new ISR or epochs), partitions it follows whose registration changed, and
 * replicas it must delete (the topic was deleted, or the broker left the replica set). Immutable.
 */
public record LocalReplicaChanges(Map<TopicIdPartition, PartitionRegistration> leaders,
                                  Map<TopicIdPartition, PartitionRegistration> followers,
                                  Set<TopicIdPartition> deletes) {

    public LocalReplicaChanges {
        leaders = Map.copyOf(leaders);
        followers = Map.copyOf(followers);
        deletes = Set.copyOf(deletes);
    }

    public boolean isEmpty() {
        return leaders.isEmpty() && followers.isEmpty() && deletes.isEmpty();
    }
}
