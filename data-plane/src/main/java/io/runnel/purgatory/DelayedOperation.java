package io.runnel.purgatory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An operation that waits, in a {@link DelayedOperationPurgatory}, until a condition holds or its
 * delay passes: a produce with acks=all waiting for replication, a fetch waiting for bytes.
 *
 * <p>Exactly one of {@link #onComplete()} runs once: either {@link #tryComplete()} finds the
 * condition met and calls {@link #forceComplete()}, or the timer expires the operation and
 * {@link #onComplete()} then {@link #onExpiration()} (for metrics) run. {@link #onComplete()} tells the two
 * apart with {@link #isExpired()}: only an operation whose delay really passed is expired, so an answer
 * like REQUEST_TIMED_OUT can be given exactly when the deadline passed. Thread-safe: {@code tryComplete}
 * runs under the operation's lock, so two threads never check it at once; completion is one atomic step.
 */
public abstract class DelayedOperation extends TimerTask {

    private static final int WAITING = 0;
    private static final int COMPLETED = 1;
    private static final int EXPIRED = 2;

    /** WAITING until one compare-and-set moves it to COMPLETED or EXPIRED; it never changes again. */
    private final AtomicInteger state = new AtomicInteger(WAITING);
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Set once by the purgatory that starts watching the operation, before any thread can complete it from
     * there; read by the completing thread (volatile: completion may come from any thread).
     */
    private volatile Watch watch;

    /** The purgatory's hook and clock while the operation waits there (for its metrics). */
    record Watch(PurgatoryListener listener, io.runnel.common.time.Time time, long sinceNs) {
    }

    protected DelayedOperation(long delayMs) {
        super(delayMs);
    }

    /** Completes the operation if no one else has; true for the caller that completed it. */
    public final boolean forceComplete() {
        return complete(COMPLETED);
    }

    private boolean complete(int outcome) {
        if (state.compareAndSet(WAITING, outcome)) {
            cancel();
            onComplete();
            Watch watched = watch;
            if (watched != null) {
                watched.listener().onCompleted(watched.time().nanoseconds() - watched.sinceNs(), outcome == EXPIRED);
            }
            return true;
        }
        return false;
    }

    /** Called by the purgatory when the operation starts waiting there. */
    final void watchedFrom(Watch watched) {
        this.watch = watched;
    }

    public final boolean isCompleted() {
        return state.get() != WAITING;
    }

    /**
     * True when the operation completed because its delay passed (its timer ran before anything else
     * completed it). Meant for {@link #onComplete()}, which runs after the state is decided.
     */
    public final boolean isExpired() {
        return state.get() == EXPIRED;
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
        if (complete(EXPIRED)) {
            onExpiration();
        }
    }
}
