package io.runnel.node.fuzz;

import io.runnel.common.TopicPartition;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.TopicImage;
import io.runnel.node.RunnelNode;
import io.runnel.replication.Partition;
import io.runnel.replication.ReplicaManager;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a fuzz request may change about one topic, read from the node in this JVM (the broker's applied
 * metadata image and its partition logs): whether it exists, its id, partitions and topic-level
 * configs, and each partition's log start and log end offsets. Immutable; compared with equals.
 */
record TopicState(boolean exists, String topicId, int partitionCount, Map<String, String> configs,
                  List<Offsets> partitions) {

    /** A partition's log start and end offsets; -1 and -1 when this broker has no replica. */
    record Offsets(long logStartOffset, long logEndOffset) {
    }

    static final TopicState ABSENT = new TopicState(false, "", 0, Map.of(), List.of());

    /** The states of {@code topics} on {@code node}, in the order given. */
    static Map<String, TopicState> of(RunnelNode node, Collection<String> topics) {
        MetadataImage image = node.brokerImage().orElseThrow();
        ReplicaManager replicas = node.replicaManager().orElseThrow();
        Map<String, TopicState> states = new LinkedHashMap<>();
        for (String name : topics) {
            TopicImage topic = image.topics().getTopic(name);
            if (topic == null) {
                states.put(name, ABSENT);
                continue;
            }
            List<Offsets> offsets = new ArrayList<>();
            for (int p = 0; p < topic.partitionCount(); p++) {
                Optional<Partition> partition = replicas.partition(new TopicPartition(name, p));
                offsets.add(partition.map(r -> new Offsets(r.log().logStartOffset(), r.log().logEndOffset()))
                        .orElse(new Offsets(-1, -1)));
            }
            states.put(name, new TopicState(true, topic.id().toString(), topic.partitionCount(),
                    Map.copyOf(image.configs().topicConfigs(name)), List.copyOf(offsets)));
        }
        return states;
    }

    long logEndOffset(int partition) {
        return partition < partitions.size() ? partitions.get(partition).logEndOffset() : -1;
    }

    long logStartOffset(int partition) {
        return partition < partitions.size() ? partitions.get(partition).logStartOffset() : -1;
    }

    /** This state with partition {@code partition}'s log end offset moved by {@code delta}. */
    TopicState withAppended(int partition, long delta) {
        List<Offsets> moved = new ArrayList<>(partitions);
        Offsets old = moved.get(partition);
        moved.set(partition, new Offsets(old.logStartOffset(), old.logEndOffset() + delta));
        return new TopicState(exists, topicId, partitionCount, configs, List.copyOf(moved));
    }

    /** This state with partition {@code partition}'s log start offset set to {@code offset}. */
    TopicState withLogStart(int partition, long offset) {
        List<Offsets> moved = new ArrayList<>(partitions);
        Offsets old = moved.get(partition);
        moved.set(partition, new Offsets(offset, old.logEndOffset()));
        return new TopicState(exists, topicId, partitionCount, configs, List.copyOf(moved));
    }

    TopicState withConfigs(Map<String, String> newConfigs) {
        return new TopicState(exists, topicId, partitionCount, Map.copyOf(newConfigs), partitions);
    }
}
