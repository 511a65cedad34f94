package io.runnel.group.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Timers as data: each key has at most one deadline (ms); {@link #expired} hands out those the clock has
 * reached, earliest first. Ties keep scheduling order. Bounded by the number of keys (members of the
 * shard's groups, plus one retention timer). Not thread-safe.
 */
final class Deadlines<K> {

    private record Entry(long deadlineMs, long sequence) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry other) {
            int byTime = Long.compare(deadlineMs, other.deadlineMs);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }

    private final TreeMap<Entry, K> byTime = new TreeMap<>();
    private final Map<K, Entry> byKey = new HashMap<>();
    private long sequence;

    void schedule(K key, long deadlineMs) {
        cancel(key);
        Entry entry = new Entry(deadlineMs, sequence++);
        byTime.put(entry, key);
        byKey.put(key, entry);
    }

    void cancel(K key) {
        Entry entry = byKey.remove(key);
        if (entry != null) {
            byTime.remove(entry);
        }
    }

    boolean contains(K key) {
        return byKey.containsKey(key);
    }

    /** The earliest deadline, or Long.MAX_VALUE when none is set. */
    long next() {
        return byTime.isEmpty() ? Long.MAX_VALUE : byTime.firstKey().deadlineMs();
    }

    /** Removes and returns the keys whose deadline is at or before {@code nowMs}, earliest first. */
    List<K> expired(long nowMs) {
        List<K> keys = new ArrayList<>();
        while (!byTime.isEmpty() && byTime.firstKey().deadlineMs() <= nowMs) {
            Map.Entry<Entry, K> first = byTime.pollFirstEntry();
            byKey.remove(first.getValue());
            keys.add(first.getValue());
        }
        return keys;
    }

    int size() {
        return byKey.size();
    }
}
