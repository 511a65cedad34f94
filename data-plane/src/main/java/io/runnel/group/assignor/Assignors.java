package io.runnel.group.assignor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The assignors a coordinator runs, by the names members select them with: {@code range},
 * {@code roundrobin}, {@code sticky}, and Kafka's class names of the same strategies
 * ({@code org.apache.kafka.clients.consumer.RangeAssignor}, ...), so a Kafka client configuration works
 * unchanged. Immutable and thread-safe.
 */
public final class Assignors {

    private static final Map<String, PartitionAssignor> BY_NAME = new LinkedHashMap<>();

    static {
        PartitionAssignor range = new RangeAssignor();
        PartitionAssignor roundRobin = new RoundRobinAssignor();
        PartitionAssignor sticky = new StickyAssignor();
        for (PartitionAssignor assignor : List.of(range, roundRobin, sticky)) {
            BY_NAME.put(assignor.name(), assignor);
        }
        BY_NAME.put("org.apache.kafka.clients.consumer.RangeAssignor", range);
        BY_NAME.put("org.apache.kafka.clients.consumer.RoundRobinAssignor", roundRobin);
        BY_NAME.put("org.apache.kafka.clients.consumer.StickyAssignor", sticky);
        BY_NAME.put("org.apache.kafka.clients.consumer.CooperativeStickyAssignor", sticky);
        BY_NAME.put("uniform", sticky);
    }

    private Assignors() {
    }

    /** The assignor of a name (case-sensitive, as Kafka's class names are), if one has it. */
    public static Optional<PartitionAssignor> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** Every accepted name, for error messages. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The short names: range, roundrobin, sticky. */
    public static List<String> shortNames() {
        return List.of(RangeAssignor.NAME, RoundRobinAssignor.NAME, StickyAssignor.NAME);
    }
}
