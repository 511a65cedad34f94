package io.runnel.replication;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The part of every leader's lease that this broker's controller heartbeats renew (docs/replication.md):
 * a heartbeat the controller answered, with this broker unfenced, renews the lease from the time it was
 * sent, but only once this broker has applied the metadata the controller answered from, so that it never
 * renews a lease on a leadership it has already lost without knowing. Times are milliseconds of the
 * monotonic clock the replication core runs on.
 *
 * <p>Thread-safe: heartbeats are acknowledged on the lifecycle thread, metadata is applied on the loader
 * thread, and the lease is read on request threads.
 */
public final class BrokerLease {

    /** No heartbeat has renewed the lease. */
    public static final long NEVER = Long.MIN_VALUE;
    /** Grants waiting for the metadata they depend on; more are pointless (the newest dominates). */
    private static final int PENDING_MAX = 64;

    private record Grant(long sentAtMs, long metadataOffset) {
    }

    private final Deque<Grant> pending = new ArrayDeque<>();
    private volatile long startMs = NEVER;
    private volatile long sessionTimeoutMs;
    private long appliedOffset = -1;

    public BrokerLease(long initialSessionTimeoutMs) {
        this.sessionTimeoutMs = initialSessionTimeoutMs;
    }

    /** The controller answered a heartbeat sent at {@code sentAtMs} from its image at {@code metadataOffset}. */
    public synchronized void onHeartbeatAcknowledged(long sentAtMs, long metadataOffset, long controllerSessionTimeoutMs) {
        if (controllerSessionTimeoutMs > 0) {
            sessionTimeoutMs = controllerSessionTimeoutMs;
        }
        if (metadataOffset <= appliedOffset) {
            renew(sentAtMs);
            return;
        }
        if (pending.size() == PENDING_MAX) {
            pending.removeFirst();
        }
        pending.addLast(new Grant(sentAtMs, metadataOffset));
    }

    /** This broker has applied the metadata log up to {@code offset}: grants that waited for it take effect. */
    public synchronized void onMetadataApplied(long offset) {
        appliedOffset = Math.max(appliedOffset, offset);
        while (!pending.isEmpty() && pending.peekFirst().metadataOffset() <= appliedOffset) {
            renew(pending.removeFirst().sentAtMs());
        }
    }

    /** The new incarnation of this broker starts without a lease. */
    public synchronized void reset() {
        pending.clear();
        startMs = NEVER;
    }

    private void renew(long sentAtMs) {
        startMs = Math.max(startMs, sentAtMs);
    }

    /** When the current renewal started ({@link #NEVER} if none): the lease lasts {@link #leaseMs()} from it. */
    public long startMs() {
        return startMs;
    }

    /** The lease one renewal gives, from the controller's session timeout as it last said. */
    public long leaseMs() {
        return ReplicationConfig.leaseMsFor(sessionTimeoutMs);
    }
}
