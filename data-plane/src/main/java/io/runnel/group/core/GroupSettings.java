package io.runnel.group.core;

import java.util.List;

/**
 * The broker settings the coordinator decides with, under Kafka's names (docs/groups.md). Immutable.
 *
 * @param sessionTimeoutMinMs            group.min.session.timeout.ms: shortest session.timeout.ms a member may ask for
 * @param sessionTimeoutMaxMs            group.max.session.timeout.ms: longest
 * @param heartbeatIntervalMs            group.consumer.heartbeat.interval.ms: how often members send a heartbeat
 * @param groupSizeMax                   group.consumer.max.size: members of one group at most
 * @param offsetsRetentionMs             offsets.retention.minutes in ms: how long an offset no member subscribes to is kept
 * @param offsetsRetentionCheckIntervalMs offsets.retention.check.interval.ms
 * @param offsetMetadataMaxBytes         offset.metadata.max.bytes: bound on a commit's metadata string (UTF-8)
 * @param assignors                      group.consumer.assignors: the assignors members may name; the first is the default
 */
public record GroupSettings(int sessionTimeoutMinMs, int sessionTimeoutMaxMs, int heartbeatIntervalMs, int groupSizeMax,
                            long offsetsRetentionMs, long offsetsRetentionCheckIntervalMs, int offsetMetadataMaxBytes,
                            List<String> assignors) {

    public GroupSettings {
        assignors = List.copyOf(assignors);
        if (assignors.isEmpty()) {
            throw new IllegalArgumentException("at least one assignor is needed");
        }
        if (sessionTimeoutMinMs > sessionTimeoutMaxMs) {
            throw new IllegalArgumentException("group.min.session.timeout.ms " + sessionTimeoutMinMs
                    + " exceeds group.max.session.timeout.ms " + sessionTimeoutMaxMs);
        }
    }

    public String defaultAssignor() {
        return assignors.get(0);
    }
}
