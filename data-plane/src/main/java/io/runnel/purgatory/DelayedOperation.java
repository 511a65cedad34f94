package io.runnel.purgatory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An operation that waits, in a {@link DelayedOperationPurgatory}, until a condition holds or its
 * delay passes: a produce with acks=all waiting for replication, a fetch waiting for bytes.
 *
 * <p>Exactly one of {@link #onComplete()} runs once: either {@link #tryComplete()} finds the
 * condition met and calls {@link #forceComplete()}, or the timer expires the operation and
 * {@link #onComplete()} then {@link #onExpiration()} (for metrics) run. Thread-safe: {@code tryComplete} runs under
 * the operation's lock, so two threads never check it at once.
 */
public abstract class DelayedOperation extends TimerTask {

    private final AtomicBoolean completed = new AtomicBoolean();
    private final ReentrantLock lock = new ReentrantLock();

    protected DelayedOperation(long delayMs) {
        super(delayMs);
    }

    /** Completes the operation if no one else has; true for the caller that completed it. */
    public final boolean forceComplete() {
        if (completed.compareAndSet(false, true)) {
            cancel();
            onComplete();
            return true;
        }
        return false;
    }

    public final boolean isCompleted() {
        return completed.get();
    }

    /** Checks the condition; calls {@link #forceComplete()} and returns its result when it holds. */
    public abstract boolean tryComplete();

    /** Called once when the operation completes, by a completion or an expiration. */
    protected abstract void onComplete();

    /** Called once, after {@link #onComplete()}, when the delay passed before the condition held. */
    protected void onExpiration() {
    }

    final boolean safeTryComplete() {
        lock.lock();
        try {
            return !isCompleted() && tryComplete();
        } finally {
            lock.unlock();
        }
    }

    /** Timer callback: expires the operation if it is still waiting. */
    @Override
    public final void run() {
        if (forceComplete()) {
            onExpiration();
        }
    }
}
