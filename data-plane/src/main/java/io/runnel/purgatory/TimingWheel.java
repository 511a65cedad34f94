package io.runnel.purgatory;

import java.util.concurrent.DelayQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A hierarchical timing wheel: {@code wheelSize} buckets of {@code tickMs} each cover one interval;
 * a task further out goes into an overflow wheel whose tick is this wheel's whole interval. Adding
 * and cancelling a task is O(1); only buckets (not tasks) sit in the delay queue, so a million
 * waiting requests cost a few hundred queue entries.
 *
 * <p>Not thread-safe for {@link #advanceClock}: the owning {@link SystemTimer} calls it under its
 * write lock, and {@link #add} under its read lock.
 */
final class TimingWheel {

    private final long tickMs;
    private final int wheelSize;
    private final long intervalMs;
    private final AtomicInteger taskCounter;
    private final DelayQueue<TimerTaskList> queue;
    private final TimerTaskList[] buckets;
    private final LongSupplier clockMs;
    private long currentTimeMs;
    private volatile TimingWheel overflowWheel;

    TimingWheel(long tickMs, int wheelSize, long startMs, AtomicInteger taskCounter, DelayQueue<TimerTaskList> queue,
                LongSupplier clockMs) {
        if (tickMs <= 0 || wheelSize <= 0) {
            throw new IllegalArgumentException("tickMs and wheelSize must be positive: " + tickMs + ", " + wheelSize);
        }
        this.tickMs = tickMs;
        this.wheelSize = wheelSize;
        this.intervalMs = tickMs * wheelSize;
        this.taskCounter = taskCounter;
        this.queue = queue;
        this.clockMs = clockMs;
        this.buckets = new TimerTaskList[wheelSize];
        for (int i = 0; i < wheelSize; i++) {
            buckets[i] = new TimerTaskList(taskCounter, clockMs);
        }
        this.currentTimeMs = startMs - (startMs % tickMs);
    }

    /** Adds the entry; false when it is already expired (the caller runs it) or cancelled (dropped). */
    boolean add(TimerTaskEntry entry) {
        long expirationMs = entry.expirationMs;
        if (entry.cancelled()) {
            return false;
        }
        if (expirationMs < currentTimeMs + tickMs) {
            return false;
        }
        if (expirationMs < currentTimeMs + intervalMs) {
            long virtualId = expirationMs / tickMs;
            TimerTaskList bucket = buckets[(int) (virtualId % wheelSize)];
            bucket.add(entry);
            if (bucket.setExpiration(virtualId * tickMs)) {
                queue.offer(bucket);
            }
            return true;
        }
        return overflow().add(entry);
    }

    /** Moves this wheel (and its overflow wheels) forward to {@code timeMs}, rounded down to a tick. */
    void advanceClock(long timeMs) {
        if (timeMs >= currentTimeMs + tickMs) {
            currentTimeMs = timeMs - (timeMs % tickMs);
            TimingWheel overflow = overflowWheel;
            if (overflow != null) {
                overflow.advanceClock(currentTimeMs);
            }
        }
    }

    private TimingWheel overflow() {
        if (overflowWheel == null) {
            synchronized (this) {
                if (overflowWheel == null) {
                    overflowWheel = new TimingWheel(intervalMs, wheelSize, currentTimeMs, taskCounter, queue, clockMs);
                }
            }
        }
        return overflowWheel;
    }
}
