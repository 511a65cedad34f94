package io.runnel.group.core;

import io.runnel.common.TopicPartition;
import java.util.Set;

/**
 * The coordinator's answer to a member's heartbeat: its epoch (-1 or -2 after a leave), assignment, and the
 * version under which that assignment was sent (the member acknowledges it). Immutable.
 */
public record HeartbeatResult(String memberId, int memberEpoch, Set<TopicPartition> assigned, long assignmentVersion) {
}
