package io.runnel.common;

import java.util.Objects;

/**
 * A partition of a topic: the unit of ordering, replication and storage. Its directory name is
 * {@code <topic>-<partition>}, as in Kafka. Immutable value; shared by the broker and the clients.
 */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {

    public TopicPartition {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must not be negative: " + partition);
        }
    }

    /** Parses a directory name such as {@code orders-3} (the topic may itself contain '-'). */
    public static TopicPartition fromDirectoryName(String name) {
        int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1) {
            throw new IllegalArgumentException("not a partition directory name: " + name);
        }
        try {
            return new TopicPartition(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a partition directory name: " + name, e);
        }
    }

    public String directoryName() {
        return topic + "-" + partition;
    }

    @Override
    public int compareTo(TopicPartition other) {
        int byTopic = topic.compareTo(other.topic);
        return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
