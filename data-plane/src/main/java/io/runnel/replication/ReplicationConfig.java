package io.runnel.replication;

/**
 * The broker's replication settings, with Kafka's names (see NodeConfig for their definitions):
 *
 * @param replicaLagTimeMaxMs     {@code replica.lag.time.max.ms}: a follower not caught up for this long leaves the ISR
 * @param fetchMaxBytes           {@code replica.fetch.max.bytes}: bytes per partition in one follower fetch
 * @param fetchResponseMaxBytes   {@code replica.fetch.response.max.bytes}: bytes in one follower fetch answer
 * @param fetchWaitMaxMs          {@code replica.fetch.wait.max.ms}: how long the leader holds a fetch without data
 * @param fetchMinBytes           {@code replica.fetch.min.bytes}: bytes that answer a waiting fetch at once
 * @param fetchBackoffMs          {@code replica.fetch.backoff.ms}: pause after a failed fetch
 * @param numFetchers             {@code num.replica.fetchers}: fetch streams per leader broker
 * @param socketTimeoutMs         {@code replica.socket.timeout.ms}: a fetch unanswered this long past its wait fails
 * @param sessionTimeoutMs        this node's {@code broker.session.timeout.ms}: the lease is half of it until the
 *                                controller says what its own setting is
 */
public record ReplicationConfig(long replicaLagTimeMaxMs, int fetchMaxBytes, int fetchResponseMaxBytes, int fetchWaitMaxMs,
                                int fetchMinBytes, long fetchBackoffMs, int numFetchers, long socketTimeoutMs,
                                long sessionTimeoutMs) {

    /** Kafka's defaults. */
    public static ReplicationConfig defaults() {
        return new ReplicationConfig(30_000, 1_048_576, 10_485_760, 500, 1, 1_000, 1, 30_000, 9_000);
    }

    /** The lease a leader holds after one renewal: half the controller's broker session (docs/replication.md). */
    public static long leaseMsFor(long sessionTimeoutMs) {
        return Math.max(1, sessionTimeoutMs / 2);
    }
}
