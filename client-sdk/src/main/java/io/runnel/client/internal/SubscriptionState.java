package io.runnel.client.internal;

import io.runnel.common.TopicPartition;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The consumer's assigned partitions and, for each, its position (the next offset to return; null while it
 * must be reset), a pending reset strategy, whether it is paused, and the last high watermark seen.
 * Owned by the consumer's thread; not thread-safe.
 */
public final class SubscriptionState {

    /** Where a partition without a valid position starts ({@code auto.offset.reset}). */
    public enum ResetStrategy {
        EARLIEST, LATEST, NONE;

        public static ResetStrategy forConfig(String value) {
            return valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }

    static final class PartitionState {
        Long position;
        /** A new partition of a consumer with a group: its position comes from the committed offset, if any. */
        boolean awaitingCommitted;
        ResetStrategy pendingReset;
        boolean paused;
        long highWatermark = -1;
        int leaderEpoch = -1;
    }

    private final Map<TopicPartition, PartitionState> assigned = new LinkedHashMap<>();
    private final ResetStrategy defaultReset;

    public SubscriptionState(ResetStrategy defaultReset) {
        this.defaultReset = defaultReset;
    }

    /** Replaces the assignment; kept partitions keep their state. Returns the partitions removed. */
    public Set<TopicPartition> assign(Collection<TopicPartition> partitions) {
        return assign(partitions, false);
    }

    /**
     * Replaces the assignment; kept partitions keep their state; with {@code fromCommitted}, new ones take their
     * position from the group's committed offset when it has one. Returns the partitions removed.
     */
    public Set<TopicPartition> assign(Collection<TopicPartition> partitions, boolean fromCommitted) {
        Set<TopicPartition> removed = new LinkedHashSet<>(assigned.keySet());
        removed.removeAll(partitions);
        assigned.keySet().removeAll(removed);
        for (TopicPartition tp : partitions) {
            assigned.computeIfAbsent(tp, k -> {
                PartitionState state = new PartitionState();
                state.awaitingCommitted = fromCommitted;
                return state;
            });
        }
        return removed;
    }

    /** Positionless partitions whose committed offset has not been looked up yet. */
    public Set<TopicPartition> awaitingCommitted() {
        Set<TopicPartition> set = new LinkedHashSet<>();
        assigned.forEach((tp, state) -> {
            if (state.position == null && state.awaitingCommitted) {
                set.add(tp);
            }
        });
        return set;
    }

    /** The committed offset was looked up and there is none: the reset strategy decides. */
    public void noCommittedOffset(TopicPartition tp) {
        PartitionState state = assigned.get(tp);
        if (state != null) {
            state.awaitingCommitted = false;
        }
    }

    public Set<TopicPartition> assignment() {
        return Set.copyOf(assigned.keySet());
    }

    public boolean isAssigned(TopicPartition tp) {
        return assigned.containsKey(tp);
    }

    private PartitionState state(TopicPartition tp) {
        PartitionState state = assigned.get(tp);
        if (state == null) {
            throw new IllegalStateException("partition " + tp + " is not assigned to this consumer");
        }
        return state;
    }

    public void seek(TopicPartition tp, long offset) {
        PartitionState state = state(tp);
        state.position = offset;
        state.pendingReset = null;
        state.awaitingCommitted = false;
    }

    public void requestReset(TopicPartition tp, ResetStrategy strategy) {
        PartitionState state = state(tp);
        state.position = null;
        state.pendingReset = strategy;
        state.awaitingCommitted = false;
    }

    /** The position, or null while the partition awaits a reset. */
    public Long position(TopicPartition tp) {
        return state(tp).position;
    }

    /** The strategy a partition without position is reset with: its pending one, else auto.offset.reset. */
    public ResetStrategy resetStrategy(TopicPartition tp) {
        PartitionState state = state(tp);
        return state.pendingReset != null ? state.pendingReset : defaultReset;
    }

    public ResetStrategy defaultResetStrategy() {
        return defaultReset;
    }

    /** Assigned partitions that have no position. */
    public Set<TopicPartition> partitionsNeedingReset() {
        Set<TopicPartition> set = new LinkedHashSet<>();
        assigned.forEach((tp, state) -> {
            if (state.position == null) {
                set.add(tp);
            }
        });
        return set;
    }

    /** Assigned, positioned, unpaused partitions with their positions. */
    public Map<TopicPartition, Long> fetchablePositions() {
        Map<TopicPartition, Long> map = new LinkedHashMap<>();
        assigned.forEach((tp, state) -> {
            if (state.position != null && !state.paused) {
                map.put(tp, state.position);
            }
        });
        return map;
    }

    public void pause(TopicPartition tp) {
        state(tp).paused = true;
    }

    public void resume(TopicPartition tp) {
        state(tp).paused = false;
    }

    public boolean isPaused(TopicPartition tp) {
        PartitionState state = assigned.get(tp);
        return state != null && state.paused;
    }

    public Set<TopicPartition> paused() {
        Set<TopicPartition> set = new LinkedHashSet<>();
        assigned.forEach((tp, state) -> {
            if (state.paused) {
                set.add(tp);
            }
        });
        return set;
    }

    public void updateHighWatermark(TopicPartition tp, long highWatermark) {
        PartitionState state = assigned.get(tp);
        if (state != null) {
            state.highWatermark = highWatermark;
        }
    }

    public long highWatermark(TopicPartition tp) {
        return state(tp).highWatermark;
    }
}
