package io.runnel.replication.core;

/**
 * The durations the replication core decides by.
 *
 * @param replicaLagTimeMaxMs Kafka's {@code replica.lag.time.max.ms}: a follower that has not caught up
 *                            with the leader's log end for this long leaves the ISR
 * @param leaseMs             how long one renewal keeps a leader serving; below the controller's broker
 *                            session timeout, so a leader's lease ends before the controller fences it
 * @param leaseWaitMs         how long a new leader waits after its last contact with an older leader (and
 *                            after seeing a live handoff) before it serves: the lease plus a margin for the
 *                            two brokers' clocks running at slightly different rates
 * @param isrProposalBackoffMs after the controller refused an ISR proposal, how long before another
 */
public record ReplicationSettings(long replicaLagTimeMaxMs, long leaseMs, long leaseWaitMs, long isrProposalBackoffMs) {

    /** The clock-rate margin added to the lease for the new leader's wait: 10%. */
    public static final int LEASE_WAIT_MARGIN_PERCENT = 10;
    public static final long ISR_PROPOSAL_BACKOFF_MS_DEFAULT = 500;

    public ReplicationSettings {
        if (replicaLagTimeMaxMs <= 0 || leaseMs <= 0 || leaseWaitMs < leaseMs || isrProposalBackoffMs < 0) {
            throw new IllegalArgumentException("invalid replication settings: lag " + replicaLagTimeMaxMs + " ms, lease "
                    + leaseMs + " ms, lease wait " + leaseWaitMs + " ms, proposal backoff " + isrProposalBackoffMs + " ms");
        }
    }

    /** Settings with the lease wait derived from the lease ({@value #LEASE_WAIT_MARGIN_PERCENT}% margin). */
    public static ReplicationSettings of(long replicaLagTimeMaxMs, long leaseMs) {
        return new ReplicationSettings(replicaLagTimeMaxMs, leaseMs, leaseWait(leaseMs), ISR_PROPOSAL_BACKOFF_MS_DEFAULT);
    }

    /** The same settings with another lease (the broker learns the controller's session timeout late). */
    public ReplicationSettings withLeaseMs(long newLeaseMs) {
        return new ReplicationSettings(replicaLagTimeMaxMs, newLeaseMs, leaseWait(newLeaseMs), isrProposalBackoffMs);
    }

    static long leaseWait(long leaseMs) {
        return leaseMs + leaseMs * LEASE_WAIT_MARGIN_PERCENT / 100;
    }
}
