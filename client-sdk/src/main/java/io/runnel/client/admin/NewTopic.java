package io.runnel.client.admin;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A topic to create: a name and either a partition count and replication factor (-1 each: the cluster's
 * num.partitions / default.replication.factor) or an explicit replica assignment (partition id → broker
 * ids), plus topic configs. Immutable.
 */
public record NewTopic(String name, int numPartitions, short replicationFactor,
                       Map<Integer, List<Integer>> replicaAssignments, Map<String, String> configs) {

    public NewTopic {
        Objects.requireNonNull(name, "name");
        replicaAssignments = replicaAssignments == null ? Map.of() : Map.copyOf(replicaAssignments);
        configs = configs == null ? Map.of() : Map.copyOf(configs);
    }

    public NewTopic(String name, int numPartitions, short replicationFactor) {
        this(name, numPartitions, replicationFactor, Map.of(), Map.of());
    }

    public NewTopic(String name, int numPartitions, short replicationFactor, Map<String, String> configs) {
        this(name, numPartitions, replicationFactor, Map.of(), configs);
    }

    /** A copy with these topic configs. */
    public NewTopic configs(Map<String, String> topicConfigs) {
        return new NewTopic(name, numPartitions, replicationFactor, replicaAssignments, topicConfigs);
    }
}
