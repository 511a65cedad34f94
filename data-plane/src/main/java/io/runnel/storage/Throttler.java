package io.runnel.storage;

import io.runnel.common.time.Time;

/**
 * Holds the cleaner threads together to {@code log.cleaner.io.max.bytes.per.second}: each thread reports
 * the bytes it read or wrote, and when the rate measured over the current window (at least
 * {@value #WINDOW_MS} ms) is above the limit, the reporting thread sleeps until the window's bytes fit
 * the limit. Sleeps are cut into slices of at most {@value #SLEEP_SLICE_MS} ms with an abort check
 * between them, so a cleaning being aborted or shut down never waits long.
 *
 * <p>Thread-safe: the window is guarded by this object's monitor; the sleep happens outside it.
 */
final class Throttler {

    /** Shortest window over which the rate is measured. */
    static final long WINDOW_MS = 300;
    /** Longest single sleep between two abort checks. */
    static final long SLEEP_SLICE_MS = 100;

    private final double bytesPerSecondMax;
    private final Time time;
    private long windowStartNs;
    private long windowBytes;

    Throttler(double bytesPerSecondMax, Time time) {
        this.bytesPerSecondMax = bytesPerSecondMax;
        this.time = time;
        this.windowStartNs = time.nanoseconds();
    }

    boolean isUnlimited() {
        return bytesPerSecondMax >= Double.MAX_VALUE;
    }

    /**
     * Counts {@code bytes} of cleaner I/O and sleeps while the rate is above the limit; {@code abortCheck}
     * runs between sleep slices (it throws to abort).
     */
    void maybeThrottle(long bytes, Runnable abortCheck) {
        if (isUnlimited()) {
            return;
        }
        long sleepMs;
        synchronized (this) {
            windowBytes += bytes;
            long nowNs = time.nanoseconds();
            long elapsedNs = nowNs - windowStartNs;
            if (elapsedNs < WINDOW_MS * 1_000_000L) {
                return;
            }
            double allowedNs = windowBytes / bytesPerSecondMax * 1e9;
            sleepMs = (long) ((allowedNs - elapsedNs) / 1_000_000L);
            windowStartNs = nowNs + Math.max(0, sleepMs) * 1_000_000L;
            windowBytes = 0;
        }
        while (sleepMs > 0) {
            abortCheck.run();
            long slice = Math.min(sleepMs, SLEEP_SLICE_MS);
            try {
                time.sleep(slice);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sleepMs -= slice;
        }
    }
}
