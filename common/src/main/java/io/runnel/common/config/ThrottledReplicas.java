package io.runnel.common.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The value of the topic configs {@value TopicConfig#LEADER_REPLICATION_THROTTLED_REPLICAS} and
 * {@value TopicConfig#FOLLOWER_REPLICATION_THROTTLED_REPLICAS}, in Kafka's format: either the wildcard
 * {@code *} (every replica of the topic) or a comma-separated list of {@code partitionId:brokerId}
 * entries; the empty list throttles nothing. An entry {@code p:b} says that broker {@code b}'s
 * replication traffic for partition {@code p} is throttled: as leader, what it sends to followers that
 * are out of sync; as follower, what it fetches while out of sync. Immutable and thread-safe.
 */
public final class ThrottledReplicas {

    public static final String WILDCARD = "*";
    public static final ThrottledReplicas NONE = new ThrottledReplicas(false, Map.of());
    public static final ThrottledReplicas ALL = new ThrottledReplicas(true, Map.of());

    private final boolean all;
    /** Partition id -> broker ids throttled for it. */
    private final Map<Integer, Set<Integer>> brokersByPartition;

    private ThrottledReplicas(boolean all, Map<Integer, Set<Integer>> brokersByPartition) {
        this.all = all;
        this.brokersByPartition = brokersByPartition;
    }

    /**
     * Parses a list value (already split on commas, as {@link ConfigDef} does for LIST keys); throws a
     * ConfigException naming {@code key} and the bad entry.
     */
    public static ThrottledReplicas parse(String key, List<String> entries) {
        if (entries.isEmpty()) {
            return NONE;
        }
        if (entries.size() == 1 && entries.get(0).trim().equals(WILDCARD)) {
            return ALL;
        }
        Map<Integer, Set<Integer>> byPartition = new LinkedHashMap<>();
        for (String raw : entries) {
            String entry = raw.trim();
            int colon = entry.indexOf(':');
            if (colon <= 0 || colon == entry.length() - 1 || !digits(entry, 0, colon)
                    || !digits(entry, colon + 1, entry.length())) {
                throw new ConfigException(key, String.join(",", entries), "entry '" + entry + "' is not of the form "
                        + "partitionId:brokerId; the value must be '*' or a list such as 0:101,0:102,1:103");
            }
            int partition = parseId(key, entries, entry, entry.substring(0, colon));
            int broker = parseId(key, entries, entry, entry.substring(colon + 1));
            byPartition.computeIfAbsent(partition, p -> new LinkedHashSet<>()).add(broker);
        }
        Map<Integer, Set<Integer>> frozen = new LinkedHashMap<>();
        byPartition.forEach((partition, brokers) -> frozen.put(partition, Collections.unmodifiableSet(brokers)));
        return new ThrottledReplicas(false, Collections.unmodifiableMap(frozen));
    }

    /** Parses a comma-separated value, as stored in a ConfigRecord; blank is the empty list. */
    public static ThrottledReplicas parse(String key, String value) {
        if (value.isBlank()) {
            return NONE;
        }
        List<String> entries = new ArrayList<>();
        for (String entry : value.split(",", -1)) {
            entries.add(entry.trim());
        }
        return parse(key, entries);
    }

    private static boolean digits(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return false;
            }
        }
        return to > from;
    }

    private static int parseId(String key, List<String> entries, String entry, String number) {
        try {
            return Integer.parseInt(number);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, String.join(",", entries), "entry '" + entry + "' has an id above "
                    + Integer.MAX_VALUE);
        }
    }

    /** True if broker {@code brokerId}'s replica of {@code partition} is throttled. */
    public boolean contains(int partition, int brokerId) {
        if (all) {
            return true;
        }
        Set<Integer> brokers = brokersByPartition.get(partition);
        return brokers != null && brokers.contains(brokerId);
    }

    public boolean isWildcard() {
        return all;
    }

    public boolean isEmpty() {
        return !all && brokersByPartition.isEmpty();
    }

    /** A validator for LIST keys holding this format. */
    public static ConfigDef.Validator validator() {
        return (name, value) -> {
            @SuppressWarnings("unchecked")
            List<String> entries = (List<String>) value;
            parse(name, entries);
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ThrottledReplicas other && all == other.all
                && brokersByPartition.equals(other.brokersByPartition);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(all) * 31 + brokersByPartition.hashCode();
    }

    @Override
    public String toString() {
        if (all) {
            return WILDCARD;
        }
        List<String> entries = new ArrayList<>();
        brokersByPartition.forEach((partition, brokers) -> brokers.forEach(b -> entries.add(partition + ":" + b)));
        return String.join(",", entries);
    }
}
