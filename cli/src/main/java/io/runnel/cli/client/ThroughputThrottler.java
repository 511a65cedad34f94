package io.runnel.cli.client;

/**
 * Holds a sender to a target rate, as Kafka's {@code ThroughputThrottler}: after each send the caller
 * asks {@link #shouldThrottle}; if the average rate since the start is above the target it
 * {@link #throttle}s, sleeping until the rate is back on target. A target of -1 (or any negative
 * number) means unlimited; 0 is rejected (it would never finish). Not thread-safe: the sending thread owns it.
 */
public final class ThroughputThrottler {

    private static final long NS_PER_MS = 1_000_000L;
    private static final long NS_PER_SEC = 1_000 * NS_PER_MS;
    /** Below this a sleep is not worth its wake-up cost; the deficit is carried to the next throttle. */
    private static final long MIN_SLEEP_NS = 2 * NS_PER_MS;

    private final long startMs;
    private final long sleepTimeNs;
    private final long targetThroughput;
    private long sleepDeficitNs;

    public ThroughputThrottler(long targetThroughput, long startMs) {
        if (targetThroughput == 0) {
            throw new IllegalArgumentException("--throughput must be positive, or -1 for unlimited; got 0");
        }
        this.startMs = startMs;
        this.targetThroughput = targetThroughput;
        this.sleepTimeNs = targetThroughput > 0 ? NS_PER_SEC / targetThroughput : Long.MAX_VALUE;
    }

    /** True when {@code amountSoFar} sends by {@code sendStartMs} exceed the target rate. */
    public boolean shouldThrottle(long amountSoFar, long sendStartMs) {
        if (targetThroughput < 0) {
            return false;
        }
        float elapsedSec = (sendStartMs - startMs) / 1000.f;
        return elapsedSec > 0 && (amountSoFar / elapsedSec) > targetThroughput;
    }

    /** Sleeps long enough to bring the rate back to the target. */
    public void throttle() throws InterruptedException {
        sleepDeficitNs += sleepTimeNs;
        if (sleepDeficitNs >= MIN_SLEEP_NS) {
            long sleepStartNs = System.nanoTime();
            Thread.sleep(sleepDeficitNs / NS_PER_MS, (int) (sleepDeficitNs % NS_PER_MS));
            sleepDeficitNs -= System.nanoTime() - sleepStartNs;
            if (sleepDeficitNs < 0) {
                sleepDeficitNs = 0;
            }
        }
    }
}
