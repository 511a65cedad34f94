package io.runnel.purgatory;

import io.runnel.common.time.Time;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link Timer} on a hierarchical {@link TimingWheel} (1 ms ticks, 20 buckets per level). Expired
 * tasks run on a single executor thread named after the timer. Thread-safe: {@code add} takes the
 * read lock, {@code advanceClock} the write lock, so adds never see a wheel mid-advance.
 */
public final class SystemTimer implements Timer {

    private static final long TICK_MS = 1;
    private static final int WHEEL_SIZE = 20;

    private final Time time;
    private final ExecutorService taskExecutor;
    private final DelayQueue<TimerTaskList> delayQueue = new DelayQueue<>();
    private final AtomicInteger taskCounter = new AtomicInteger();
    private final TimingWheel wheel;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    public SystemTimer(String executorName) {
        this(Time.SYSTEM, Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, executorName);
            thread.setDaemon(true);
            return thread;
        }));
    }

    /** For tests: a given clock and executor (e.g. a direct one, to run expired tasks inline). */
    SystemTimer(Time time, ExecutorService taskExecutor) {
        this.time = time;
        this.taskExecutor = taskExecutor;
        this.wheel = new TimingWheel(TICK_MS, WHEEL_SIZE, time.hiResClockMs(), taskCounter, delayQueue, time::hiResClockMs);
    }

    @Override
    public void add(TimerTask task) {
        lock.readLock().lock();
        try {
            addEntry(new TimerTaskEntry(task, task.delayMs() + time.hiResClockMs()));
        } finally {
            lock.readLock().unlock();
        }
    }

    private void addEntry(TimerTaskEntry entry) {
        if (!wheel.add(entry) && !entry.cancelled()) {
            taskExecutor.submit(entry.task);
        }
    }

    @Override
    public boolean advanceClock(long timeoutMs) throws InterruptedException {
        TimerTaskList bucket = delayQueue.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (bucket == null) {
            return false;
        }
        lock.writeLock().lock();
        try {
            while (bucket != null) {
                wheel.advanceClock(bucket.expirationMs());
                bucket.flush(this::addEntry);
                bucket = delayQueue.poll();
            }
        } finally {
            lock.writeLock().unlock();
        }
        return true;
    }

    @Override
    public int size() {
        return taskCounter.get();
    }

    @Override
    public void close() {
        taskExecutor.shutdown();
    }
}
