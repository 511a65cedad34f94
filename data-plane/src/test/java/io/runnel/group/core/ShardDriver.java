package io.runnel.group.core;

import io.runnel.common.TopicPartition;
import io.runnel.proto.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.OffsetCommitPartition;
import io.runnel.proto.OffsetCommitRequest;
import io.runnel.proto.OffsetCommitTopic;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drives a {@link GroupShard} in tests: builds heartbeats and commits, keeps every record written (the
 * partition's log, for replaying into a fresh shard) and the clock. Not thread-safe.
 */
final class ShardDriver {

    final Map<String, Integer> partitionCounts = new HashMap<>();
    final List<CoordinatorRecord> log = new ArrayList<>();
    /** The newest assignment version each member was sent: the driver's members act on every one at once. */
    final Map<String, Long> versions = new HashMap<>();
    final GroupSettings settings;
    GroupShard shard;
    long nowMs = 1_000_000;

    ShardDriver(GroupSettings settings) {
        this.settings = settings;
        this.shard = new GroupShard(0, settings, this::count);
    }

    ShardDriver() {
        this(new GroupSettings(10, 60_000, 1_000, 100, 60_000, 10_000, 64, List.of("sticky", "range", "roundrobin")));
    }

    int count(String topic) {
        return partitionCounts.getOrDefault(topic, -1);
    }

    <T> ShardResult<T> keep(ShardResult<T> result) {
        log.addAll(result.records());
        result.updates().forEach(u -> versions.put(u.memberId(), u.assignmentVersion()));
        if (result.response() instanceof HeartbeatResult answer) {
            versions.put(answer.memberId(), answer.assignmentVersion());
        }
        return result;
    }

    static ConsumerGroupHeartbeatRequest.Builder heartbeat(String group, String member, int epoch, Collection<String> topics) {
        return ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(group).setMemberId(member).setMemberEpoch(epoch)
                .setRebalanceTimeoutMs(5_000).setSessionTimeoutMs(10_000).addAllSubscribedTopicNames(topics)
                .setClientId("client-" + member);
    }

    ShardResult<HeartbeatResult> beat(ConsumerGroupHeartbeatRequest.Builder request, Set<TopicPartition> owned) {
        request.clearOwnedPartitions().addAllOwnedPartitions(Partitions.toProto(owned))
                .setAcknowledgedAssignmentVersion(versions.getOrDefault(request.getMemberId(), 0L));
        return keep(shard.heartbeat(request.build(), "/127.0.0.1", nowMs));
    }

    ShardResult<HeartbeatResult> join(String group, String member, String... topics) {
        return beat(heartbeat(group, member, 0, List.of(topics)), Set.of());
    }

    ShardResult<List<GroupShard.PartitionOutcome>> commit(String group, String member, int epoch, TopicPartition tp, long offset) {
        return keep(shard.commitOffsets(OffsetCommitRequest.newBuilder().setGroupId(group).setMemberId(member)
                .setMemberEpoch(epoch).addTopics(OffsetCommitTopic.newBuilder().setName(tp.topic())
                        .addPartitions(OffsetCommitPartition.newBuilder().setPartition(tp.partition()).setCommittedOffset(offset)
                                .setCommittedLeaderEpoch(-1))).build(), nowMs));
    }

    ShardResult<Void> advance(long ms) {
        nowMs += ms;
        return keep(shard.tick(nowMs));
    }

    /** A fresh shard rebuilt from the log, as a new coordinator loads the partition. */
    GroupShard reloaded() {
        GroupShard fresh = new GroupShard(0, settings, this::count);
        log.forEach(fresh::replay);
        fresh.onLoaded(nowMs);
        return fresh;
    }

    static Set<TopicPartition> partitions(String topic, int... numbers) {
        Set<TopicPartition> set = new java.util.TreeSet<>();
        for (int n : numbers) {
            set.add(new TopicPartition(topic, n));
        }
        return set;
    }
}
