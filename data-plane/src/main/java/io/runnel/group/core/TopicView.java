package io.runnel.group.core;

/**
 * What the coordinator needs to know of the cluster's topics: how many partitions each has. The shell
 * answers from the broker's metadata image. Implementations are immutable snapshots.
 */
@FunctionalInterface
public interface TopicView {

    TopicView EMPTY = topic -> -1;

    /** Partitions of the topic, or -1 when it does not exist. */
    int partitionCount(String topic);
}
