package io.runnel.group;

import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;
import io.runnel.group.core.GroupSettings;

/**
 * The coordinator's broker settings, with Kafka's names, read from the node's {@link ServerConfig} (keys, defaults
 * and bounds are declared in {@link ServerSettings}; docs/configuration.md lists them). Immutable.
 *
 * @param offsetsTopicPartitions        offsets.topic.num.partitions: partitions __consumer_offsets is created with
 * @param offsetsTopicReplicationFactor offsets.topic.replication.factor: wanted replicas (fewer when fewer brokers run)
 * @param offsetsCommitTimeoutMs        offsets.commit.timeout.ms: how long an append waits to be replicated
 * @param offsetsLoadBufferBytes        offsets.load.buffer.size: bytes read from the log at a time when loading
 * @param settings                      the rules the pure core decides by
 */
public record GroupCoordinatorConfig(int offsetsTopicPartitions, short offsetsTopicReplicationFactor,
                                     int offsetsCommitTimeoutMs, int offsetsLoadBufferBytes, GroupSettings settings) {

    /** The coordinator's settings of a node's configuration (declared in {@link ServerSettings}). */
    public static GroupCoordinatorConfig from(ServerConfig config) {
        GroupSettings settings = new GroupSettings(config.get(ServerSettings.GROUP_MIN_SESSION_TIMEOUT_MS),
                config.get(ServerSettings.GROUP_MAX_SESSION_TIMEOUT_MS), config.get(ServerSettings.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS),
                config.get(ServerSettings.GROUP_CONSUMER_MAX_SIZE), config.get(ServerSettings.OFFSETS_RETENTION_MINUTES) * 60_000L,
                config.get(ServerSettings.OFFSETS_RETENTION_CHECK_INTERVAL_MS), config.get(ServerSettings.OFFSET_METADATA_MAX_BYTES),
                config.get(ServerSettings.GROUP_CONSUMER_ASSIGNORS));
        return new GroupCoordinatorConfig(config.get(ServerSettings.OFFSETS_TOPIC_NUM_PARTITIONS),
                config.get(ServerSettings.OFFSETS_TOPIC_REPLICATION_FACTOR).shortValue(), config.get(ServerSettings.OFFSETS_COMMIT_TIMEOUT_MS),
                config.get(ServerSettings.OFFSETS_LOAD_BUFFER_SIZE), settings);
    }

    /** The defaults (Kafka's, with sticky the default assignor). */
    public static GroupCoordinatorConfig defaults() {
        return from(ServerConfig.DEFAULTS);
    }
}
