package io.runnel.purgatory;

/** Runs {@link TimerTask}s after their delay. Implementations are thread-safe. */
public interface Timer extends AutoCloseable {

    /** Schedules the task to run {@link TimerTask#delayMs()} from now (at once if the delay is 0). */
    void add(TimerTask task);

    /**
     * Moves the clock forward, running every task that has expired; waits up to {@code timeoutMs}
     * for the first bucket to expire. Returns whether any bucket was processed.
     */
    boolean advanceClock(long timeoutMs) throws InterruptedException;

    /** Tasks scheduled and neither run nor cancelled. */
    int size();

    @Override
    void close();
}
