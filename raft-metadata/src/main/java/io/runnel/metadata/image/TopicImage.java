package io.runnel.metadata.image;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/** One topic: its name, its id (chosen by the controller at creation) and its partitions by number. Immutable and thread-safe. */
public final class TopicImage {

    private final String name;
    private final UUID id;
    private final Map<Integer, PartitionRegistration> partitions;

    public TopicImage(String name, UUID id, Map<Integer, PartitionRegistration> partitions) {
        this.name = Objects.requireNonNull(name, "name");
        this.id = Objects.requireNonNull(id, "id");
        this.partitions = Collections.unmodifiableMap(new TreeMap<>(partitions));
    }

    public String name() {
        return name;
    }

    public UUID id() {
        return id;
    }

    /** Partitions sorted by number; numbers are 0..n-1 because partitions are only ever added at the end. */
    public Map<Integer, PartitionRegistration> partitions() {
        return partitions;
    }

    /** The partition's registration, or null if the topic has no such partition. */
    public PartitionRegistration partition(int partition) {
        return partitions.get(partition);
    }

    public int partitionCount() {
        return partitions.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicImage other && name.equals(other.name) && id.equals(other.id)
                && partitions.equals(other.partitions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, id, partitions);
    }

    @Override
    public String toString() {
        return "TopicImage(" + name + ", " + id + ", " + partitions + ")";
    }
}
