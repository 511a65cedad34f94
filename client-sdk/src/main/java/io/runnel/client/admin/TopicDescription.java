package io.runnel.client.admin;

import io.runnel.client.PartitionInfo;
import java.util.List;

/** A topic as the metadata describes it: id, whether internal, partitions with leader, replicas and ISR. Immutable. */
public record TopicDescription(String name, String topicId, boolean internal, List<PartitionInfo> partitions) {

    public TopicDescription {
        partitions = List.copyOf(partitions);
    }

    /** Kafka's name for {@link #internal()}. */
    public boolean isInternal() {
        return internal;
    }
}
