package io.runnel.common.time;

/**
 * The clock, as an input. Code that decides by time takes a Time so tests can drive it with
 * {@code MockTime} (in this module's test-jar) instead of sleeping. Implementations are thread-safe.
 */
public interface Time {

    Time SYSTEM = new SystemTime();

    /** Wall-clock milliseconds since the epoch (for timestamps that are stored or compared across nodes). */
    long milliseconds();

    /** Monotonic nanoseconds, for measuring intervals within this process. */
    long nanoseconds();

    /** Monotonic milliseconds derived from {@link #nanoseconds()}. */
    default long hiResClockMs() {
        return nanoseconds() / 1_000_000L;
    }

    void sleep(long ms) throws InterruptedException;

    final class SystemTime implements Time {
        private SystemTime() {
        }

        @Override
        public long milliseconds() {
            return System.currentTimeMillis();
        }

        @Override
        public long nanoseconds() {
            return System.nanoTime();
        }

        @Override
        public void sleep(long ms) throws InterruptedException {
            Thread.sleep(ms);
        }
    }
}
