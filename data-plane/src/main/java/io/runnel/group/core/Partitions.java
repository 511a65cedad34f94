package io.runnel.group.core;

import io.runnel.common.TopicPartition;
import io.runnel.proto.TopicPartitions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/** Sets of partitions: sorted and unmodifiable, and their protobuf form (grouped by topic). Stateless. */
public final class Partitions {

    public static final SortedSet<TopicPartition> EMPTY = Collections.unmodifiableSortedSet(new TreeSet<>());

    private Partitions() {
    }

    public static SortedSet<TopicPartition> of(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return EMPTY;
        }
        return Collections.unmodifiableSortedSet(new TreeSet<>(partitions));
    }

    /** Grouped by topic, topics and partitions in order. */
    public static List<TopicPartitions> toProto(Collection<TopicPartition> partitions) {
        Map<String, TopicPartitions.Builder> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : new TreeSet<>(partitions)) {
            byTopic.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t)).addPartitions(tp.partition());
        }
        List<TopicPartitions> list = new ArrayList<>(byTopic.size());
        byTopic.values().forEach(builder -> list.add(builder.build()));
        return list;
    }

    /**
     * The partitions a protobuf list names. A negative partition number is a broken request, answered with
     * the given exception's message by the caller; here it throws IllegalArgumentException naming it.
     */
    public static SortedSet<TopicPartition> fromProto(List<TopicPartitions> topics) {
        TreeSet<TopicPartition> set = new TreeSet<>();
        for (TopicPartitions topic : topics) {
            for (int partition : topic.getPartitionsList()) {
                if (partition < 0) {
                    throw new IllegalArgumentException("partition " + partition + " of topic '" + topic.getTopic()
                            + "' is negative");
                }
                set.add(new TopicPartition(topic.getTopic(), partition));
            }
        }
        return set.isEmpty() ? EMPTY : Collections.unmodifiableSortedSet(set);
    }

    /** Number of partitions a protobuf list names (duplicates counted), without building the set. */
    public static long count(List<TopicPartitions> topics) {
        long count = 0;
        for (TopicPartitions topic : topics) {
            count += topic.getPartitionsCount();
        }
        return count;
    }
}
