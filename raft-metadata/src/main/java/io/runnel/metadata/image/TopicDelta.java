package io.runnel.metadata.image;

import io.runnel.proto.metadata.PartitionChangeRecord;
import io.runnel.proto.metadata.PartitionRecord;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Partition changes of one topic replayed on top of its {@link TopicImage} (an image with no partitions
 * for a topic created in this delta). Every replayed registration is checked against the invariants of
 * {@link PartitionRegistration}. Not thread-safe.
 */
public final class TopicDelta {

    private final TopicImage image;
    private final boolean created;
    private final Map<Integer, PartitionRegistration> partitionChanges = new TreeMap<>();
    /** Partitions added by this delta, counted so that replaying n partitions stays O(n log n). */
    private int newPartitionCount;

    TopicDelta(TopicImage image, boolean created) {
        this.image = image;
        this.created = created;
    }

    /** The topic before this delta (no partitions if it was created by this delta). */
    public TopicImage image() {
        return image;
    }

    public UUID id() {
        return image.id();
    }

    public String name() {
        return image.name();
    }

    /** True if this delta created the topic. */
    public boolean isCreated() {
        return created;
    }

    /** Partition -> its registration after this delta, for every partition created or changed. */
    public Map<Integer, PartitionRegistration> partitionChanges() {
        return Collections.unmodifiableMap(partitionChanges);
    }

    /** Partitions that did not exist before this delta. */
    public Set<Integer> newPartitions() {
        Set<Integer> result = new TreeSet<>();
        for (Integer partition : partitionChanges.keySet()) {
            if (image.partition(partition) == null) {
                result.add(partition);
            }
        }
        return result;
    }

    /** The partition as of this delta, or null. */
    public PartitionRegistration partition(int partition) {
        PartitionRegistration changed = partitionChanges.get(partition);
        return changed != null ? changed : image.partition(partition);
    }

    /** The number of partitions as of this delta. */
    public int partitionCount() {
        return image.partitionCount() + newPartitionCount;
    }

    void replay(PartitionRecord record) {
        int partition = record.getPartitionId();
        if (partition(partition) != null) {
            throw new IllegalStateException("partition " + partition + " of topic '" + name() + "' already exists");
        }
        if (partition != partitionCount()) {
            throw new IllegalStateException("topic '" + name() + "' has " + partitionCount()
                    + " partitions, so the next one is " + partitionCount() + ", not " + partition);
        }
        put(partition, PartitionRegistration.fromRecord(record));
        newPartitionCount++;
    }

    void replay(PartitionChangeRecord record) {
        int partition = record.getPartitionId();
        PartitionRegistration current = partition(partition);
        if (current == null) {
            throw new IllegalStateException("topic '" + name() + "' has no partition " + partition);
        }
        put(partition, current.merge(record));
    }

    private void put(int partition, PartitionRegistration registration) {
        registration.invariantViolation().ifPresent(violation -> {
            throw new IllegalStateException("partition " + name() + "-" + partition + " would have " + violation);
        });
        partitionChanges.put(partition, registration);
    }

    public TopicImage apply() {
        if (partitionChanges.isEmpty()) {
            return image;
        }
        Map<Integer, PartitionRegistration> partitions = new HashMap<>(image.partitions());
        partitions.putAll(partitionChanges);
        return new TopicImage(image.name(), image.id(), partitions);
    }
}
