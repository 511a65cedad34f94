package io.runnel.replication;

/**
 * A byte rate for throttled replication traffic (Kafka's {@code leader.replication.throttled.rate} and
 * {@code follower.replication.throttled.rate}): a token bucket holding at most one second of the rate.
 * Throttled bytes draw from it; while it is empty, throttled partitions get (leader) or ask for (follower)
 * nothing. Times are milliseconds of the monotonic clock. Thread-safe.
 */
final class ReplicationQuota {

    private long rateBytesPerSecond = Long.MAX_VALUE;
    private double tokens;
    private long lastRefillMs = Long.MIN_VALUE;

    /** True when {@code rateBytesPerSecond} (Long.MAX_VALUE: unlimited) has no bytes left now. */
    synchronized boolean isExceeded(long rateBytesPerSecond, long nowMs) {
        refill(rateBytesPerSecond, nowMs);
        return rateBytesPerSecond != Long.MAX_VALUE && tokens <= 0;
    }

    /** Throttled bytes just sent or received. */
    synchronized void record(long bytes, long rateBytesPerSecond, long nowMs) {
        refill(rateBytesPerSecond, nowMs);
        if (rateBytesPerSecond != Long.MAX_VALUE) {
            tokens -= bytes;
        }
    }

    private void refill(long rate, long nowMs) {
        if (rate != rateBytesPerSecond) {
            rateBytesPerSecond = rate;
            tokens = Math.min(tokens, rate);
        }
        if (lastRefillMs != Long.MIN_VALUE && nowMs > lastRefillMs && rate != Long.MAX_VALUE) {
            tokens = Math.min(rate, tokens + (nowMs - lastRefillMs) * (rate / 1000.0));
        }
        lastRefillMs = Math.max(lastRefillMs, nowMs);
    }
}
