package io.runnel.purgatory;

import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One bucket of a {@link TimingWheel}: a circular doubly linked list of entries that expire in the
 * same tick, with the bucket's expiration time so that a {@link java.util.concurrent.DelayQueue}
 * can hold buckets (not tasks). Thread-safe: every mutation holds the list's monitor.
 */
final class TimerTaskList implements Delayed {

    private final TimerTaskEntry root = new TimerTaskEntry(null, -1);
    private final AtomicInteger taskCounter;
    private final AtomicLong expirationMs = new AtomicLong(-1L);
    private final LongSupplier clockMs;

    TimerTaskList(AtomicInteger taskCounter, LongSupplier clockMs) {
        this.taskCounter = taskCounter;
        this.clockMs = clockMs;
        root.next = root;
        root.prev = root;
    }

    /** Sets the bucket's expiration; true when it changed, i.e. the bucket must be (re)queued. */
    boolean setExpiration(long newExpirationMs) {
        return expirationMs.getAndSet(newExpirationMs) != newExpirationMs;
    }

    long expirationMs() {
        return expirationMs.get();
    }

    void add(TimerTaskEntry entry) {
        boolean done = false;
        while (!done) {
            // Take the entry out of any other list first (outside our lock, to keep lock order simple).
            entry.remove();
            synchronized (this) {
                synchronized (entry) {
                    if (entry.list == null) {
                        TimerTaskEntry tail = root.prev;
                        entry.next = root;
                        entry.prev = tail;
                        entry.list = this;
                        tail.next = entry;
                        root.prev = entry;
                        taskCounter.incrementAndGet();
                        done = true;
                    }
                }
            }
        }
    }

    synchronized void remove(TimerTaskEntry entry) {
        synchronized (entry) {
            if (entry.list == this) {
                entry.next.prev = entry.prev;
                entry.prev.next = entry.next;
                entry.next = null;
                entry.prev = null;
                entry.list = null;
                taskCounter.decrementAndGet();
            }
        }
    }

    /** Removes every entry and hands it to {@code sink}; resets the expiration so the bucket can be reused. */
    synchronized void flush(Consumer<TimerTaskEntry> sink) {
        TimerTaskEntry head = root.next;
        while (head != root) {
            remove(head);
            sink.accept(head);
            head = root.next;
        }
        expirationMs.set(-1L);
    }

    @Override
    public long getDelay(TimeUnit unit) {
        long delayMs = Math.max(expirationMs.get() - clockMs.getAsLong(), 0);
        return unit.convert(delayMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
        return Long.compare(expirationMs.get(), ((TimerTaskList) other).expirationMs.get());
    }
}
