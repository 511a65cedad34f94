package io.runnel.metadata.image;

import io.runnel.common.TopicPartition;
import java.util.Objects;

/** A partition named by its topic's id and name: the id survives a rename-by-recreate, the name is for logs and files. Immutable. */
public record TopicIdPartition(java.util.UUID topicId, String topicName, int partition) {

    public TopicIdPartition {
        Objects.requireNonNull(topicId, "topicId");
        Objects.requireNonNull(topicName, "topicName");
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topicName, partition);
    }
}
