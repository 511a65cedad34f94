package io.runnel.common.config;

import static io.runnel.common.config.ConfigDef.Importance.MEDIUM;
import static io.runnel.common.config.ConfigDef.Type.LONG;

import io.runnel.common.config.ConfigDef.Range;

/**
 * Broker settings that exist only as dynamic configuration (set with AlterConfigs on a BROKER
 * resource: a broker id, or {@code ""} for the cluster-wide default), with Kafka's names and defaults.
 * They are not accepted in a node's configuration file. A broker's value is its own override, else the
 * cluster-wide default, else the default here. Immutable and thread-safe.
 */
public final class BrokerDynamicConfig {

    /** Bytes per second a leader sends to throttled followers (see leader.replication.throttled.replicas). */
    public static final String LEADER_REPLICATION_THROTTLED_RATE = "leader.replication.throttled.rate";
    /** Bytes per second a follower fetches for its throttled replicas (see follower.replication.throttled.replicas). */
    public static final String FOLLOWER_REPLICATION_THROTTLED_RATE = "follower.replication.throttled.rate";
    /** The default rate: no limit. */
    public static final long RATE_UNLIMITED = Long.MAX_VALUE;

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(LEADER_REPLICATION_THROTTLED_RATE, LONG, RATE_UNLIMITED, Range.atLeast(0), MEDIUM,
                    "bytes/s a leader sends for replicas in leader.replication.throttled.replicas to followers "
                            + "out of the ISR; keep it above 1 MB/s")
            .define(FOLLOWER_REPLICATION_THROTTLED_RATE, LONG, RATE_UNLIMITED, Range.atLeast(0), MEDIUM,
                    "bytes/s a follower fetches for its replicas in follower.replication.throttled.replicas "
                            + "while out of the ISR; keep it above 1 MB/s");

    private BrokerDynamicConfig() {
    }

    /** True if {@code key} is one of these settings. */
    public static boolean isDynamicOnly(String key) {
        return DEFINITION.key(key).isPresent();
    }
}
