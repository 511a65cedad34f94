package io.runnel.group;

import io.runnel.group.core.GroupSettings;

/**
 * The coordinator's broker settings (Kafka's names; docs/groups.md has the table). Immutable.
 *
 * @param offsetsTopicPartitions        offsets.topic.num.partitions: partitions __consumer_offsets is created with
 * @param offsetsTopicReplicationFactor offsets.topic.replication.factor: wanted replicas (fewer when fewer brokers run)
 * @param offsetsCommitTimeoutMs        offsets.commit.timeout.ms: how long an append waits to be replicated
 * @param offsetsLoadBufferBytes        offsets.load.buffer.size: bytes read from the log at a time when loading
 * @param settings                      the rules the pure core decides by
 */
public record GroupCoordinatorConfig(int offsetsTopicPartitions, short offsetsTopicReplicationFactor,
                                     int offsetsCommitTimeoutMs, int offsetsLoadBufferBytes, GroupSettings settings) {

    public static GroupCoordinatorConfig defaults() {
        return new GroupCoordinatorConfig(50, (short) 3, 5_000, 5 * 1024 * 1024, GroupSettings.defaults());
    }
}
