package io.runnel.purgatory;

import io.runnel.common.time.MockTime;

/**
 * Purgatories for tests in other packages whose time moves only when the test says: no reaper thread,
 * a timer on a {@link MockTime}, and expired operations completed inline by {@link #expireDue}, on the
 * test's thread. Stateless helper; each purgatory it makes is as thread-safe as any.
 */
public final class ManualPurgatory {

    private ManualPurgatory() {
    }

    /** A purgatory whose operations expire only in {@link #expireDue}, by {@code time}. */
    public static <T extends DelayedOperation> DelayedOperationPurgatory<T> create(String name, MockTime time) {
        return new DelayedOperationPurgatory<>(name, new SystemTimer(time, new SystemTimerTest.DirectExecutor()), 1_000, false);
    }

    /** Expires (completes, on this thread) every operation of the purgatory whose delay has passed on its clock. */
    public static void expireDue(DelayedOperationPurgatory<?> purgatory) {
        try {
            purgatory.advanceClock(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while expiring operations", e);
        }
    }
}
