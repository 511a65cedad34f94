package io.runnel.purgatory;

/**
 * A task that a {@link Timer} runs once its delay has passed, unless it is cancelled first.
 * Thread-safe: it may be cancelled from any thread while the timer holds it.
 */
public abstract class TimerTask implements Runnable {

    private final long delayMs;
    private TimerTaskEntry entry;

    protected TimerTask(long delayMs) {
        if (delayMs < 0) {
            throw new IllegalArgumentException("delayMs must not be negative: " + delayMs);
        }
        this.delayMs = delayMs;
    }

    public final long delayMs() {
        return delayMs;
    }

    /** Removes the task from its timer; it will not run. Idempotent. */
    public void cancel() {
        synchronized (this) {
            if (entry != null) {
                entry.remove();
            }
            entry = null;
        }
    }

    final synchronized void setEntry(TimerTaskEntry newEntry) {
        // A task moves between wheel buckets as the clock advances; the old entry must let go of it
        // so that a stale bucket never runs it a second time.
        if (entry != null && entry != newEntry) {
            entry.remove();
        }
        entry = newEntry;
    }

    final synchronized TimerTaskEntry entry() {
        return entry;
    }
}
