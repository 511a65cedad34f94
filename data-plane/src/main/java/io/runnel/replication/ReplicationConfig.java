package io.runnel.replication;

import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;

/**
 * The broker's replication settings, with Kafka's names, read from the node's {@link ServerConfig} (keys,
 * defaults and bounds are declared in {@link ServerSettings}):
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

    /** The replication settings of a node's configuration. */
    public static ReplicationConfig from(ServerConfig settings) {
        return new ReplicationConfig(settings.get(ServerSettings.REPLICA_LAG_TIME_MAX_MS),
                settings.get(ServerSettings.REPLICA_FETCH_MAX_BYTES), settings.get(ServerSettings.REPLICA_FETCH_RESPONSE_MAX_BYTES),
                settings.get(ServerSettings.REPLICA_FETCH_WAIT_MAX_MS), settings.get(ServerSettings.REPLICA_FETCH_MIN_BYTES),
                settings.get(ServerSettings.REPLICA_FETCH_BACKOFF_MS), settings.get(ServerSettings.NUM_REPLICA_FETCHERS),
                settings.get(ServerSettings.REPLICA_SOCKET_TIMEOUT_MS), settings.get(ServerSettings.BROKER_SESSION_TIMEOUT_MS));
    }

    /** The defaults (Kafka's). */
    public static ReplicationConfig defaults() {
        return from(ServerConfig.DEFAULTS);
    }

    /** The lease a leader holds after one renewal: half the controller's broker session (docs/replication.md). */
    public static long leaseMsFor(long sessionTimeoutMs) {
        return Math.max(1, sessionTimeoutMs / 2);
    }
}
