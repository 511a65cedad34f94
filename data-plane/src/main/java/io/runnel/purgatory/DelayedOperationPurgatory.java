package io.runnel.purgatory;

import io.runnel.common.time.Time;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds {@link DelayedOperation}s until they complete or expire. An operation is watched under one
 * or more keys (e.g. a topic-partition); whoever changes the state a key stands for calls
 * {@link #checkAndComplete(Object)} so the waiting operations re-check their condition. Expiration
 * is driven by a {@link SystemTimer} advanced by one reaper thread per purgatory.
 *
 * <p>Thread-safe. Bounds: completed operations are purged from the watch lists once more than
 * {@code purgeIntervalRequests} operations have been added since the last purge, so a list never
 * holds dead entries without bound.
 */
public final class DelayedOperationPurgatory<T extends DelayedOperation> implements AutoCloseable {

    private static final long REAPER_TICK_MS = 200;

    private final String name;
    private final Timer timer;
    private final Time time;
    private volatile PurgatoryListener listener = PurgatoryListener.NONE;
    private final int purgeIntervalRequests;
    private final ConcurrentHashMap<Object, ConcurrentLinkedQueue<T>> watchers = new ConcurrentHashMap<>();
    private final AtomicInteger addedSincePurge = new AtomicInteger();
    private final Thread reaper;
    private volatile boolean running = true;

    public DelayedOperationPurgatory(String name, int purgeIntervalRequests) {
        this(name, new SystemTimer(name + "-timer"), purgeIntervalRequests, true);
    }

    DelayedOperationPurgatory(String name, Timer timer, int purgeIntervalRequests, boolean startReaper) {
        this(name, timer, Time.SYSTEM, purgeIntervalRequests, startReaper);
    }

    /** {@code time} measures how long operations wait, for the {@link PurgatoryListener}. */
    DelayedOperationPurgatory(String name, Timer timer, Time time, int purgeIntervalRequests, boolean startReaper) {
        this.name = name;
        this.timer = timer;
        this.time = time;
        this.purgeIntervalRequests = purgeIntervalRequests;
        this.reaper = new Thread(this::reap, name + "-reaper");
        this.reaper.setDaemon(true);
        if (startReaper) {
            reaper.start();
        }
    }

    /**
     * Completes the operation now if it can; otherwise watches it under every key and schedules its
     * expiration. Returns true when it completed during this call.
     */
    public boolean tryCompleteElseWatch(T operation, List<?> watchKeys) {
        if (watchKeys.isEmpty()) {
            throw new IllegalArgumentException("an operation in purgatory " + name + " needs a watch key");
        }
        if (operation.safeTryComplete()) {
            return true;
        }
        // From here on the operation waits: its completion, whoever causes it, is reported to the listener.
        operation.watchedFrom(new DelayedOperation.Watch(listener, time, time.nanoseconds()));
        for (Object key : watchKeys) {
            if (operation.isCompleted()) {
                return false;
            }
            // compute() is atomic per key, so a purge can never drop a list this add just joined.
            watchers.compute(key, (k, list) -> {
                ConcurrentLinkedQueue<T> target = list == null ? new ConcurrentLinkedQueue<>() : list;
                target.add(operation);
                return target;
            });
        }
        // The state may have changed between the first check and the watch; check once more so an
        // update that raced with watching is never missed.
        if (operation.safeTryComplete()) {
            return true;
        }
        if (!operation.isCompleted()) {
            timer.add(operation);
            if (operation.isCompleted()) {
                operation.cancel();
            }
        }
        if (addedSincePurge.incrementAndGet() >= purgeIntervalRequests) {
            purgeCompleted();
        }
        return false;
    }

    /** Re-checks the operations watched under {@code key}; returns how many completed. */
    public int checkAndComplete(Object key) {
        ConcurrentLinkedQueue<T> list = watchers.get(key);
        if (list == null) {
            return 0;
        }
        int completed = 0;
        Iterator<T> iterator = list.iterator();
        while (iterator.hasNext()) {
            T operation = iterator.next();
            if (operation.isCompleted()) {
                iterator.remove();
            } else if (operation.safeTryComplete()) {
                iterator.remove();
                completed++;
            }
        }
        return completed;
    }

    /** Operations watched (each counted once per key), including completed ones not yet purged. */
    public int watched() {
        int total = 0;
        for (Collection<T> list : watchers.values()) {
            total += list.size();
        }
        return total;
    }

    /** Operations waiting for their timer. */
    public int delayed() {
        return timer.size();
    }

    /** Sets the hook told of every operation that waited here (metrics); replaces the previous one. */
    public void setListener(PurgatoryListener listener) {
        this.listener = java.util.Objects.requireNonNull(listener, "listener");
    }

    /** Completes every waiting operation watched under the key at once, e.g. when a partition moves away. */
    public void completeAll(Object key) {
        ConcurrentLinkedQueue<T> list = watchers.remove(key);
        if (list != null) {
            list.forEach(DelayedOperation::forceComplete);
        }
    }

    void advanceClock(long timeoutMs) throws InterruptedException {
        timer.advanceClock(timeoutMs);
    }

    private void purgeCompleted() {
        addedSincePurge.set(0);
        for (Object key : watchers.keySet()) {
            watchers.computeIfPresent(key, (k, list) -> {
                list.removeIf(DelayedOperation::isCompleted);
                return list.isEmpty() ? null : list;
            });
        }
    }

    private void reap() {
        while (running) {
            try {
                timer.advanceClock(REAPER_TICK_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        reaper.interrupt();
        timer.close();
    }
}
