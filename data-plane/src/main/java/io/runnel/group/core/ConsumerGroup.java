package io.runnel.group.core;

import io.runnel.common.TopicPartition;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One consumer group's replicated state: epoch, members, target assignment, committed offsets, and what is
 * derived from them (which member holds each partition, members by instance id). Changed only by
 * {@link GroupShard#replay}. Not thread-safe: owned by its shard's caller.
 */
public final class ConsumerGroup {

    /** The group states of Kafka's consumer groups, as DescribeGroups and ListGroups name them. */
    public enum State {
        EMPTY("Empty"), ASSIGNING("Assigning"), RECONCILING("Reconciling"), STABLE("Stable");

        private final String text;

        State(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private final String groupId;
    private boolean hasMetadata;
    private int groupEpoch;
    private Map<String, Integer> subscribedTopicPartitions = Map.of();
    private int targetEpoch;
    private final Map<String, GroupMember> members = new LinkedHashMap<>();
    private final Map<String, Set<TopicPartition>> target = new HashMap<>();
    private final SortedMap<TopicPartition, CommittedOffset> offsets = new TreeMap<>();
    private final Map<TopicPartition, String> holders = new HashMap<>();
    private final Map<String, String> staticMembers = new HashMap<>();

    ConsumerGroup(String groupId) {
        this.groupId = groupId;
    }

    public String groupId() {
        return groupId;
    }

    public int groupEpoch() {
        return groupEpoch;
    }

    public int targetEpoch() {
        return targetEpoch;
    }

    public Map<String, Integer> subscribedTopicPartitions() {
        return subscribedTopicPartitions;
    }

    public Map<String, GroupMember> members() {
        return Collections.unmodifiableMap(members);
    }

    public GroupMember member(String memberId) {
        return members.get(memberId);
    }

    /** The member id of the member with this instance id, or null. */
    public String staticMemberId(String instanceId) {
        return staticMembers.get(instanceId);
    }

    public Set<TopicPartition> target(String memberId) {
        return target.getOrDefault(memberId, Partitions.EMPTY);
    }

    public SortedMap<TopicPartition, CommittedOffset> offsets() {
        return Collections.unmodifiableSortedMap(offsets);
    }

    /** The member holding a partition (assigned or pending revocation), or null. */
    public String holder(TopicPartition tp) {
        return holders.get(tp);
    }

    /** Topics any member subscribes to. */
    public Set<String> subscribedTopics() {
        Set<String> topics = new TreeSet<>();
        members.values().forEach(m -> topics.addAll(m.subscribedTopics()));
        return topics;
    }

    boolean hasMetadata() {
        return hasMetadata;
    }

    public State state() {
        if (members.isEmpty()) {
            return State.EMPTY;
        }
        if (groupEpoch > targetEpoch) {
            return State.ASSIGNING;
        }
        for (GroupMember member : members.values()) {
            if (!member.isReconciledTo(targetEpoch)) {
                return State.RECONCILING;
            }
        }
        return State.STABLE;
    }

    /** Nothing left to keep: no members, no group record, no offsets. */
    boolean isRemovable() {
        return members.isEmpty() && !hasMetadata && offsets.isEmpty() && target.isEmpty() && targetEpoch == 0;
    }

    // ---- replay (package-private: only GroupShard.replay changes a group) -----------------------

    void setMetadata(int epoch, Map<String, Integer> topicPartitions) {
        hasMetadata = true;
        groupEpoch = epoch;
        subscribedTopicPartitions = Map.copyOf(topicPartitions);
    }

    void clearMetadata() {
        hasMetadata = false;
        groupEpoch = 0;
        subscribedTopicPartitions = Map.of();
    }

    void setTargetEpoch(int epoch) {
        targetEpoch = epoch;
    }

    void setTarget(String memberId, Set<TopicPartition> partitions) {
        if (partitions == null) {
            target.remove(memberId);
        } else {
            target.put(memberId, Partitions.of(partitions));
        }
    }

    void putOffset(TopicPartition tp, CommittedOffset offset) {
        if (offset == null) {
            offsets.remove(tp);
        } else {
            offsets.put(tp, offset);
        }
    }

    /**
     * Adds or replaces a member, keeping the holders and instance-id indexes in step.
     *
     * @throws IllegalStateException when the member would hold a partition another member holds (a broken
     *                               invariant: the records were not written by these rules)
     */
    void putMember(GroupMember member) {
        GroupMember previous = members.get(member.memberId());
        if (previous != null) {
            release(previous);
        }
        for (TopicPartition tp : member.assigned()) {
            hold(tp, member.memberId());
        }
        for (TopicPartition tp : member.pendingRevocation()) {
            hold(tp, member.memberId());
        }
        members.put(member.memberId(), member);
        if (previous != null && previous.instanceId() != null && !previous.instanceId().equals(member.instanceId())) {
            staticMembers.remove(previous.instanceId(), member.memberId());
        }
        if (member.instanceId() != null) {
            staticMembers.put(member.instanceId(), member.memberId());
        }
    }

    void removeMember(String memberId) {
        GroupMember previous = members.remove(memberId);
        if (previous != null) {
            release(previous);
            if (previous.instanceId() != null) {
                staticMembers.remove(previous.instanceId(), memberId);
            }
        }
    }

    private void hold(TopicPartition tp, String memberId) {
        String other = holders.putIfAbsent(tp, memberId);
        if (other != null && !other.equals(memberId)) {
            throw new IllegalStateException("group '" + groupId + "': " + tp + " would be held by member " + memberId
                    + " while member " + other + " holds it");
        }
    }

    private void release(GroupMember member) {
        member.assigned().forEach(tp -> holders.remove(tp, member.memberId()));
        member.pendingRevocation().forEach(tp -> holders.remove(tp, member.memberId()));
    }
}
