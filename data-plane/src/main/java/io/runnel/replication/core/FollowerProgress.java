package io.runnel.replication.core;

/**
 * The leader's record of one follower of a partition, from the follower's fetches at the leader's
 * current epoch (Kafka's ReplicaState). Reset when this broker becomes leader.
 *
 * <p>Caught up (Kafka's rule): a fetch at or past the leader's log end offset proves the follower caught up
 * at that fetch; a fetch at or past the log end offset the leader had at the follower's previous fetch
 * proves it caught up at that previous fetch. A follower not caught up for {@code replica.lag.time.max.ms}
 * leaves the ISR.
 *
 * <p>Not thread-safe: owned by its {@link PartitionState}.
 */
public final class FollowerProgress {

    /** No lease token echoed yet. */
    public static final long NO_TOKEN = Long.MIN_VALUE;

    private final int brokerId;
    private long logEndOffset = -1;
    private long logStartOffset = -1;
    private long lastCaughtUpTimeMs;
    private long lastFetchLeaderLogEndOffset = -1;
    private long lastFetchTimeMs = -1;
    private long leaseToken = NO_TOKEN;

    FollowerProgress(int brokerId, long lastCaughtUpTimeMs) {
        this.brokerId = brokerId;
        this.lastCaughtUpTimeMs = lastCaughtUpTimeMs;
    }

    void onFetch(long fetchOffset, long followerLogStartOffset, long leaderLogEndOffset, long nowMs) {
        if (fetchOffset >= leaderLogEndOffset) {
            lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, nowMs);
        } else if (lastFetchTimeMs >= 0 && fetchOffset >= lastFetchLeaderLogEndOffset) {
            lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, lastFetchTimeMs);
        }
        logEndOffset = fetchOffset;
        logStartOffset = followerLogStartOffset;
        lastFetchLeaderLogEndOffset = leaderLogEndOffset;
        lastFetchTimeMs = nowMs;
    }

    /** A token echoed by the follower: the leader's time when it sent a response the follower received. */
    void onToken(long token) {
        leaseToken = Math.max(leaseToken, token);
    }

    public int brokerId() {
        return brokerId;
    }

    /** The follower's log end offset as its last fetch told, -1 before its first fetch in this epoch. */
    public long logEndOffset() {
        return logEndOffset;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long lastCaughtUpTimeMs() {
        return lastCaughtUpTimeMs;
    }

    public long lastFetchTimeMs() {
        return lastFetchTimeMs;
    }

    long leaseToken() {
        return leaseToken;
    }

    boolean isCaughtUp(long nowMs, long lagMaxMs) {
        return nowMs - lastCaughtUpTimeMs <= lagMaxMs;
    }

    @Override
    public String toString() {
        return "Follower(" + brokerId + ", leo=" + logEndOffset + ", caughtUp=" + lastCaughtUpTimeMs + ")";
    }
}
