package io.runnel.group.core;

import io.runnel.common.TopicNames;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.group.assignor.AssignmentMember;
import io.runnel.group.assignor.Assignors;
import io.runnel.group.assignor.PartitionAssignor;
import io.runnel.proto.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.CurrentMemberAssignmentValue;
import io.runnel.proto.DescribedGroup;
import io.runnel.proto.DescribedMember;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.GroupMetadataValue;
import io.runnel.proto.ListedGroup;
import io.runnel.proto.MemberMetadataKey;
import io.runnel.proto.MemberMetadataValue;
import io.runnel.proto.OffsetCommitKey;
import io.runnel.proto.OffsetCommitPartition;
import io.runnel.proto.OffsetCommitRequest;
import io.runnel.proto.OffsetCommitTopic;
import io.runnel.proto.OffsetCommitValue;
import io.runnel.proto.TargetAssignmentMemberKey;
import io.runnel.proto.TargetAssignmentMemberValue;
import io.runnel.proto.TargetAssignmentMetadataValue;
import io.runnel.proto.CurrentMemberAssignmentKey;
import io.runnel.proto.Assignment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The consumer groups of one {@code __consumer_offsets} partition, and every decision about them: members
 * joining, staying, leaving and timing out, target assignments, each member's reconciliation, offset commits,
 * offset retention, group deletion. See the package documentation for the rules (records in, replay only).
 *
 * <p>Members' epochs (Kafka's KIP-848): the group epoch rises whenever membership, a subscription, the
 * chosen assignor or a subscribed topic's partition count changes; the coordinator then computes a target
 * assignment at that epoch, and moves each member towards its part of it with {@link Reconciler}: a member
 * first revokes what it must give up (keeping its epoch), then moves to the target epoch, receiving partitions
 * as their previous owners release them. A heartbeat or commit carrying an epoch other than the member's is
 * refused, which fences members that fell out of the group.
 *
 * <p>Not thread-safe: one thread (the coordinator's event thread) owns a shard. Memory is bounded by the
 * groups and offsets the partition holds; each request is bounded by {@link GroupLimits}.
 */
public final class GroupShard {

    private enum TimerKind { SESSION, REVOCATION, RETENTION }

    private record Timer(TimerKind kind, String groupId, String memberId) {
    }

    /**
     * What the coordinator knows of a member beyond its records: not replicated, rebuilt after a load.
     *
     * <p>{@code owned} is an upper bound of what the member may own: what it reported in a heartbeat that
     * acknowledged the newest assignment version sent to it, plus every partition sent to it since. A report
     * that acknowledges an older version may predate an assignment still in flight, so it does not lower the
     * bound. Null: nothing known (after a load, before the member's first acknowledging heartbeat), which
     * {@link Reconciler} reads as "owns everything it holds".
     */
    private static final class Runtime {
        Set<TopicPartition> owned;
        /** The newest assignment sent to the member (null: none yet) and its version (0: none). */
        Set<TopicPartition> sentAssigned;
        long sentVersion;
        /** Whether the member has an open stream to this coordinator. */
        boolean connected;

        /** The member is told {@code assigned}: a new version when it differs from what it was last told. */
        void send(Set<TopicPartition> assigned) {
            if (assigned.equals(sentAssigned)) {
                return;
            }
            sentVersion++;
            sentAssigned = assigned;
            if (owned != null) {
                // Until it acknowledges this version, the member may own anything it was sent.
                Set<TopicPartition> bound = new TreeSet<>(owned);
                bound.addAll(assigned);
                owned = bound;
            }
        }
    }

    private static final Timer RETENTION_TIMER = new Timer(TimerKind.RETENTION, "", "");

    private final int partition;
    private final GroupSettings settings;
    private TopicView topics;
    private final Map<String, ConsumerGroup> groups = new TreeMap<>();
    private final Map<String, Map<String, Runtime>> runtime = new HashMap<>();
    private final Deadlines<Timer> deadlines = new Deadlines<>();

    public GroupShard(int partition, GroupSettings settings, TopicView topics) {
        this.partition = partition;
        this.settings = settings;
        this.topics = topics;
    }

    public int partition() {
        return partition;
    }

    public ConsumerGroup group(String groupId) {
        return groups.get(groupId);
    }

    public Collection<ConsumerGroup> groups() {
        return java.util.Collections.unmodifiableCollection(groups.values());
    }

    // ==== replay ===================================================================================

    /**
     * Applies one record: how a loading coordinator rebuilds the groups from the partition, and how every
     * operation below changes state. Deterministic, no clock.
     *
     * @throws IllegalStateException when the record would make two members hold one partition
     */
    public void replay(CoordinatorRecord record) {
        String groupId = GroupRecords.groupId(record);
        ConsumerGroup group = groups.computeIfAbsent(groupId, ConsumerGroup::new);
        switch (record.type()) {
            case GroupRecords.OFFSET_COMMIT -> {
                OffsetCommitKey key = (OffsetCommitKey) record.key();
                OffsetCommitValue value = (OffsetCommitValue) record.value();
                if (key.getPartition() >= 0) {
                    group.putOffset(new TopicPartition(key.getTopic(), key.getPartition()), value == null ? null
                            : new CommittedOffset(value.getOffset(), value.getLeaderEpoch(), value.getMetadata(),
                            value.getCommitTimestampMs()));
                }
            }
            case GroupRecords.GROUP_METADATA -> {
                GroupMetadataValue value = (GroupMetadataValue) record.value();
                if (value == null) {
                    group.clearMetadata();
                } else {
                    group.setMetadata(value.getEpoch(), value.getSubscribedTopicPartitionsMap());
                }
            }
            case GroupRecords.MEMBER_METADATA -> replayMember(group, (MemberMetadataKey) record.key(),
                    (MemberMetadataValue) record.value());
            case GroupRecords.TARGET_ASSIGNMENT_METADATA -> {
                TargetAssignmentMetadataValue value = (TargetAssignmentMetadataValue) record.value();
                group.setTargetEpoch(value == null ? 0 : value.getAssignmentEpoch());
            }
            case GroupRecords.TARGET_ASSIGNMENT_MEMBER -> {
                TargetAssignmentMemberValue value = (TargetAssignmentMemberValue) record.value();
                group.setTarget(((TargetAssignmentMemberKey) record.key()).getMemberId(),
                        value == null ? null : Partitions.fromProto(value.getPartitionsList()));
            }
            case GroupRecords.CURRENT_MEMBER_ASSIGNMENT -> replayAssignment(group, (CurrentMemberAssignmentKey) record.key(),
                    (CurrentMemberAssignmentValue) record.value());
            default -> throw new IllegalArgumentException("unknown record type " + record.type());
        }
        if (group.isRemovable()) {
            groups.remove(groupId);
            runtime.remove(groupId);
        }
    }

    private void replayMember(ConsumerGroup group, MemberMetadataKey key, MemberMetadataValue value) {
        if (value == null) {
            group.removeMember(key.getMemberId());
            forgetMember(group.groupId(), key.getMemberId());
            return;
        }
        GroupMember member = group.member(key.getMemberId());
        if (member == null) {
            member = GroupMember.joining(key.getMemberId());
        }
        group.putMember(member.withMetadata(emptyToNull(value.getInstanceId()), value.getRackId(), value.getClientId(),
                value.getClientHost(), value.getSubscribedTopicNamesList(), value.getRebalanceTimeoutMs(),
                value.getSessionTimeoutMs(), emptyToNull(value.getServerAssignor())));
    }

    private void replayAssignment(ConsumerGroup group, CurrentMemberAssignmentKey key, CurrentMemberAssignmentValue value) {
        GroupMember member = group.member(key.getMemberId());
        if (value == null) {
            if (member != null) {
                group.putMember(member.withAssignment(0, 0, MemberState.STABLE, Partitions.EMPTY, Partitions.EMPTY));
            }
            return;
        }
        if (member == null) {
            member = GroupMember.joining(key.getMemberId());
        }
        group.putMember(member.withAssignment(value.getMemberEpoch(), value.getPreviousMemberEpoch(),
                MemberState.fromRecord(value.getState()), Partitions.fromProto(value.getAssignedPartitionsList()),
                Partitions.fromProto(value.getPartitionsPendingRevocationList())));
    }

    private void forgetMember(String groupId, String memberId) {
        Map<String, Runtime> members = runtime.get(groupId);
        if (members != null) {
            members.remove(memberId);
        }
        deadlines.cancel(new Timer(TimerKind.SESSION, groupId, memberId));
        deadlines.cancel(new Timer(TimerKind.REVOCATION, groupId, memberId));
    }

    private static String emptyToNull(String text) {
        return text.isEmpty() ? null : text;
    }

    /**
     * After a load: every member gets a full session from now (none has a stream to this coordinator yet),
     * members that still owe a revocation get a full rebalance timeout, and the retention check is armed.
     */
    public void onLoaded(long nowMs) {
        for (ConsumerGroup group : groups.values()) {
            for (GroupMember member : group.members().values()) {
                deadlines.schedule(new Timer(TimerKind.SESSION, group.groupId(), member.memberId()),
                        nowMs + member.sessionTimeoutMs());
                if (member.state() == MemberState.UNREVOKED_PARTITIONS) {
                    deadlines.schedule(new Timer(TimerKind.REVOCATION, group.groupId(), member.memberId()),
                            nowMs + member.rebalanceTimeoutMs());
                }
            }
        }
        deadlines.schedule(RETENTION_TIMER, nowMs + settings.offsetsRetentionCheckIntervalMs());
    }

    // ==== writing ==================================================================================

    /** Collects an operation's records, replaying each as it is written, and the pushes it causes. */
    private final class Writer {
        final List<CoordinatorRecord> records = new ArrayList<>();
        final Map<String, MemberUpdate> updates = new LinkedHashMap<>();

        void write(CoordinatorRecord record) {
            replay(record);
            records.add(record);
        }

        void push(MemberUpdate update) {
            updates.put(update.groupId() + "\u0000" + update.memberId(), update);
        }

        <T> ShardResult<T> result(T response) {
            return new ShardResult<>(records, response, List.copyOf(updates.values()));
        }
    }

    private Runtime runtime(String groupId, String memberId) {
        return runtime.computeIfAbsent(groupId, g -> new HashMap<>()).computeIfAbsent(memberId, m -> new Runtime());
    }

    // ==== heartbeat ================================================================================

    /**
     * A member's heartbeat: join (epoch 0), stay (its current epoch), or leave (-1, or -2 for a static member
     * leaving for now). Validates, records the member's metadata, bumps the group epoch when membership or
     * subscriptions changed, recomputes the target assignment when the group epoch moved past it, and
     * reconciles every member.
     *
     * @throws ApiException INVALID_GROUP_ID, INVALID_REQUEST, INVALID_SESSION_TIMEOUT, UNSUPPORTED_ASSIGNOR,
     *                      GROUP_MAX_SIZE_REACHED, UNRELEASED_INSTANCE_ID, FENCED_INSTANCE_ID,
     *                      UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH; nothing is written then
     */
    public ShardResult<HeartbeatResult> heartbeat(ConsumerGroupHeartbeatRequest request, String clientHost, long nowMs) {
        GroupLimits.validateGroupId(request.getGroupId());
        GroupLimits.validateId("member_id", request.getMemberId(), GroupLimits.MEMBER_ID_CHARS_MAX);
        int epoch = request.getMemberEpoch();
        if (epoch < GroupMember.LEAVE_STATIC_EPOCH) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "member_epoch " + epoch
                    + " is not valid: 0 joins, -1 leaves, -2 leaves for now (static members), otherwise the current epoch");
        }
        if (epoch == GroupMember.LEAVE_EPOCH || epoch == GroupMember.LEAVE_STATIC_EPOCH) {
            return leave(request, nowMs);
        }
        Joining joining = validateJoining(request);
        Writer writer = new Writer();
        ConsumerGroup group = groups.get(request.getGroupId());
        GroupMember member = group == null ? null : group.member(request.getMemberId());
        boolean isNew = false;
        if (epoch == 0) {
            if (group == null) {
                group = new ConsumerGroup(request.getGroupId());
                groups.put(group.groupId(), group);
            }
            if (member == null && joining.instanceId != null) {
                member = takeOverStaticMember(group, joining.instanceId, request.getMemberId(), writer);
            }
            if (member == null) {
                if (group.members().size() >= settings.groupSizeMax()) {
                    dropIfUnused(group);
                    throw new ApiException(ErrorCode.GROUP_MAX_SIZE_REACHED, "group " + ErrorText.quote(group.groupId())
                            + " already has " + group.members().size() + " members (group.consumer.max.size)");
                }
                member = GroupMember.joining(request.getMemberId());
                isNew = true;
            } else if (member.memberEpoch() == GroupMember.LEAVE_STATIC_EPOCH) {
                // The static member that left for now is back under the same member id: it resumes its epoch.
                writer.write(GroupRecords.currentAssignment(group.groupId(), member.withAssignment(member.previousMemberEpoch(),
                        member.previousMemberEpoch(), member.state(), member.assigned(), member.pendingRevocation())));
                member = group.member(member.memberId());
            }
            // A known member sending epoch 0 (it was fenced and gave its partitions up, or it sent its join
            // twice before the first answer came) stays what it is: its partitions move, if they must, by
            // revocation like anyone's, so an assignment still in flight to it cannot be handed to another.
        }
        if (epoch != 0) {
            member = checkStayingMember(group, member, request, joining.owned);
        }
        GroupMember updated = member.withMetadata(joining.instanceId, request.getRackId(), request.getClientId(), clientHost,
                request.getSubscribedTopicNamesList(), request.getRebalanceTimeoutMs(), request.getSessionTimeoutMs(),
                emptyToNull(request.getServerAssignor()));
        GroupMember recorded = group.member(updated.memberId());
        if (recorded == null || updated.metadataDiffers(recorded)) {
            writer.write(GroupRecords.memberMetadata(group.groupId(), updated));
        }
        boolean bump = isNew || recorded == null
                || !recorded.subscribedTopics().equals(updated.subscribedTopics())
                || !Objects.equals(recorded.serverAssignor(), updated.serverAssignor());
        Runtime state = runtime(group.groupId(), updated.memberId());
        if (request.getAcknowledgedAssignmentVersion() == state.sentVersion) {
            state.owned = joining.owned;
        }
        state.connected = true;
        deadlines.schedule(new Timer(TimerKind.SESSION, group.groupId(), updated.memberId()), nowMs + updated.sessionTimeoutMs());
        rebalance(group, bump, writer, nowMs, updated.memberId());
        GroupMember current = group.member(updated.memberId());
        state.send(current.assigned());
        return writer.result(new HeartbeatResult(current.memberId(), current.memberEpoch(), current.assigned(), state.sentVersion));
    }

    /** The fields a joining or staying member must send, validated. */
    private record Joining(String instanceId, Set<TopicPartition> owned) {
    }

    private Joining validateJoining(ConsumerGroupHeartbeatRequest request) {
        int session = request.getSessionTimeoutMs();
        if (session < settings.sessionTimeoutMinMs() || session > settings.sessionTimeoutMaxMs()) {
            throw new ApiException(ErrorCode.INVALID_SESSION_TIMEOUT, "session.timeout.ms " + session
                    + " is outside the range the broker allows: group.min.session.timeout.ms "
                    + settings.sessionTimeoutMinMs() + " to group.max.session.timeout.ms " + settings.sessionTimeoutMaxMs());
        }
        if (request.getRebalanceTimeoutMs() <= 0) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "rebalance_timeout_ms (max.poll.interval.ms) must be positive, not "
                    + request.getRebalanceTimeoutMs());
        }
        String assignor = request.getServerAssignor();
        if (!assignor.isEmpty() && (!settings.assignors().contains(canonicalAssignor(assignor)))) {
            throw new ApiException(ErrorCode.UNSUPPORTED_ASSIGNOR, "assignor " + ErrorText.quote(assignor)
                    + " is not one this coordinator runs; group.consumer.assignors offers " + settings.assignors());
        }
        GroupLimits.validateOptional("instance_id (group.instance.id)", request.getInstanceId(), GroupLimits.ID_CHARS_MAX);
        GroupLimits.validateOptional("rack_id (client.rack)", request.getRackId(), GroupLimits.ID_CHARS_MAX);
        GroupLimits.validateOptional("client_id", request.getClientId(), GroupLimits.ID_CHARS_MAX);
        if (request.getSubscribedTopicNamesCount() > GroupLimits.SUBSCRIBED_TOPICS_MAX) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "a member may subscribe to at most "
                    + GroupLimits.SUBSCRIBED_TOPICS_MAX + " topics, not " + request.getSubscribedTopicNamesCount());
        }
        for (String topic : request.getSubscribedTopicNamesList()) {
            if (!TopicNames.isValid(topic)) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "subscribed topic name " + ErrorText.quote(topic)
                        + " is not a valid topic name");
            }
        }
        if (Partitions.count(request.getOwnedPartitionsList()) > GroupLimits.PARTITIONS_PER_REQUEST_MAX) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "owned_partitions names more than "
                    + GroupLimits.PARTITIONS_PER_REQUEST_MAX + " partitions");
        }
        Set<TopicPartition> owned;
        try {
            owned = Partitions.fromProto(request.getOwnedPartitionsList());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "owned_partitions: " + e.getMessage());
        }
        return new Joining(emptyToNull(request.getInstanceId()), owned);
    }

    /** The assignor a name selects, by its short name (Kafka's class names map to range, roundrobin, sticky). */
    private static String canonicalAssignor(String name) {
        return Assignors.byName(name).map(PartitionAssignor::name).orElse(name);
    }

    /**
     * A static member joining under the instance id of an existing member: the newcomer takes over the old
     * member's epoch and partitions when the old one left for now (epoch -2) or has no stream to this
     * coordinator; otherwise UNRELEASED_INSTANCE_ID. Returns the member to continue with, or null when the
     * instance id is new.
     */
    private GroupMember takeOverStaticMember(ConsumerGroup group, String instanceId, String memberId, Writer writer) {
        String previousId = group.staticMemberId(instanceId);
        if (previousId == null || previousId.equals(memberId)) {
            return null;
        }
        GroupMember previous = group.member(previousId);
        Runtime previousState = runtime(group.groupId(), previousId);
        if (previous.memberEpoch() != GroupMember.LEAVE_STATIC_EPOCH && previousState.connected) {
            throw new ApiException(ErrorCode.UNRELEASED_INSTANCE_ID, "group.instance.id " + ErrorText.quote(instanceId)
                    + " is in use by member " + previousId + " of group " + ErrorText.quote(group.groupId())
                    + ", which is still connected");
        }
        Set<TopicPartition> previousTarget = group.target(previousId);
        int epoch = previous.memberEpoch() == GroupMember.LEAVE_STATIC_EPOCH ? previous.previousMemberEpoch() : previous.memberEpoch();
        GroupMember successor = previous.withMemberId(memberId).withAssignment(epoch, previous.previousMemberEpoch(),
                previous.state(), previous.assigned(), previous.pendingRevocation());
        writer.write(GroupRecords.currentAssignmentTombstone(group.groupId(), previousId));
        writer.write(GroupRecords.targetMemberTombstone(group.groupId(), previousId));
        writer.write(GroupRecords.memberMetadataTombstone(group.groupId(), previousId));
        writer.push(MemberUpdate.removed(group.groupId(), previousId, ErrorCode.FENCED_INSTANCE_ID,
                "group.instance.id " + ErrorText.quote(instanceId) + " was taken over by member " + memberId));
        writer.write(GroupRecords.memberMetadata(group.groupId(), successor));
        writer.write(GroupRecords.targetMember(group.groupId(), memberId, previousTarget));
        writer.write(GroupRecords.currentAssignment(group.groupId(), successor));
        return group.member(memberId);
    }

    private GroupMember checkStayingMember(ConsumerGroup group, GroupMember member, ConsumerGroupHeartbeatRequest request,
                                           Set<TopicPartition> owned) {
        String groupId = request.getGroupId();
        if (member == null) {
            throw new ApiException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + request.getMemberId() + " is not a member of group "
                    + ErrorText.quote(groupId) + " (it left, or its session expired); join again with epoch 0");
        }
        if (!Objects.equals(member.instanceId(), emptyToNull(request.getInstanceId()))) {
            throw new ApiException(ErrorCode.FENCED_INSTANCE_ID, "member " + member.memberId() + " of group "
                    + ErrorText.quote(groupId) + " has group.instance.id " + ErrorText.quote(member.instanceId())
                    + ", not " + ErrorText.quote(request.getInstanceId()));
        }
        int epoch = request.getMemberEpoch();
        boolean lostAnswer = epoch == member.previousMemberEpoch() && member.assigned().containsAll(owned);
        if (member.memberEpoch() < 0 || epoch > member.memberEpoch() || (epoch < member.memberEpoch() && !lostAnswer)) {
            throw new ApiException(ErrorCode.FENCED_MEMBER_EPOCH, "member " + member.memberId() + " of group "
                    + ErrorText.quote(groupId) + " sent epoch " + epoch + " but its epoch is " + member.memberEpoch()
                    + "; it must give up its partitions and join again");
        }
        return member;
    }

    private ShardResult<HeartbeatResult> leave(ConsumerGroupHeartbeatRequest request, long nowMs) {
        ConsumerGroup group = groups.get(request.getGroupId());
        GroupMember member = group == null ? null : group.member(request.getMemberId());
        int epoch = request.getMemberEpoch();
        Writer writer = new Writer();
        if (member == null) {
            return writer.result(new HeartbeatResult(request.getMemberId(), epoch, Partitions.EMPTY, 0));
        }
        if (epoch == GroupMember.LEAVE_STATIC_EPOCH && member.instanceId() != null) {
            // Away for now: its partitions wait for the restarted instance until its session expires.
            if (member.memberEpoch() != GroupMember.LEAVE_STATIC_EPOCH) {
                writer.write(GroupRecords.currentAssignment(group.groupId(), member.withAssignment(GroupMember.LEAVE_STATIC_EPOCH,
                        member.memberEpoch(), member.state(), member.assigned(), member.pendingRevocation())));
            }
            runtime(group.groupId(), member.memberId()).connected = false;
            deadlines.cancel(new Timer(TimerKind.REVOCATION, group.groupId(), member.memberId()));
            return writer.result(new HeartbeatResult(member.memberId(), GroupMember.LEAVE_STATIC_EPOCH, Partitions.EMPTY, 0));
        }
        removeMember(group, member.memberId(), writer, nowMs);
        return writer.result(new HeartbeatResult(member.memberId(), GroupMember.LEAVE_EPOCH, Partitions.EMPTY, 0));
    }

    /** The member's stream to this coordinator ended without a leave: its session keeps running. */
    public void memberDisconnected(String groupId, String memberId) {
        Map<String, Runtime> members = runtime.get(groupId);
        Runtime state = members == null ? null : members.get(memberId);
        if (state != null) {
            state.connected = false;
        }
    }

    private void removeMember(ConsumerGroup group, String memberId, Writer writer, long nowMs) {
        String groupId = group.groupId();
        writer.write(GroupRecords.currentAssignmentTombstone(groupId, memberId));
        if (!group.target(memberId).isEmpty() || group.targetEpoch() > 0) {
            writer.write(GroupRecords.targetMemberTombstone(groupId, memberId));
        }
        writer.write(GroupRecords.memberMetadataTombstone(groupId, memberId));
        rebalance(group, true, writer, nowMs, null);
    }

    /**
     * Bumps the group epoch when asked or when a subscribed topic's partition count changed, computes a new
     * target when the group epoch is past the target's, and reconciles every member; members other than
     * {@code caller} whose assignment changed are pushed.
     */
    private void rebalance(ConsumerGroup group, boolean bump, Writer writer, long nowMs, String caller) {
        Map<String, Integer> counts = subscribedPartitionCounts(group);
        if (bump || !counts.equals(group.subscribedTopicPartitions())) {
            writer.write(GroupRecords.groupMetadata(group.groupId(), group.groupEpoch() + 1, counts));
        }
        if (group.groupEpoch() > group.targetEpoch()) {
            computeTarget(group, writer);
        }
        reconcileAll(group, writer, nowMs, caller);
    }

    private Map<String, Integer> subscribedPartitionCounts(ConsumerGroup group) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String topic : group.subscribedTopics()) {
            int count = topics.partitionCount(topic);
            if (count > 0) {
                counts.put(topic, count);
            }
        }
        return counts;
    }

    /** The assignor most members asked for (ties: the first in group.consumer.assignors), else the default. */
    private String chooseAssignor(ConsumerGroup group) {
        Map<String, Integer> votes = new HashMap<>();
        for (GroupMember member : group.members().values()) {
            if (member.serverAssignor() != null) {
                votes.merge(canonicalAssignor(member.serverAssignor()), 1, Integer::sum);
            }
        }
        String chosen = settings.defaultAssignor();
        int best = 0;
        for (String name : settings.assignors()) {
            int count = votes.getOrDefault(name, 0);
            if (count > best) {
                best = count;
                chosen = name;
            }
        }
        return chosen;
    }

    private void computeTarget(ConsumerGroup group, Writer writer) {
        PartitionAssignor assignor = Assignors.byName(chooseAssignor(group)).orElseThrow();
        List<AssignmentMember> members = new ArrayList<>();
        for (GroupMember member : group.members().values()) {
            members.add(new AssignmentMember(member.memberId(), member.instanceId(), Set.copyOf(member.subscribedTopics()),
                    group.target(member.memberId())));
        }
        Map<String, Set<TopicPartition>> target = assignor.assign(members, topics::partitionCount);
        for (GroupMember member : List.copyOf(group.members().values())) {
            Set<TopicPartition> next = target.getOrDefault(member.memberId(), Partitions.EMPTY);
            if (!next.equals(group.target(member.memberId()))) {
                writer.write(GroupRecords.targetMember(group.groupId(), member.memberId(), next));
            }
        }
        writer.write(GroupRecords.targetEpoch(group.groupId(), group.groupEpoch()));
    }

    /**
     * Reconciles every member until none changes (a member revoking lets another take the partition in the
     * same pass). Bounded: each pass that changes something moves a member forward, and there are at most
     * members + 1 useful passes.
     */
    private void reconcileAll(ConsumerGroup group, Writer writer, long nowMs, String caller) {
        int passesMax = group.members().size() + 2;
        for (int pass = 0; pass < passesMax; pass++) {
            boolean changed = false;
            for (String memberId : List.copyOf(group.members().keySet())) {
                GroupMember member = group.member(memberId);
                Runtime state = runtime(group.groupId(), memberId);
                GroupMember next = Reconciler.next(member, group.targetEpoch(), group.target(memberId), state.owned,
                        tp -> {
                            String holder = group.holder(tp);
                            return holder != null && !holder.equals(memberId);
                        });
                if (next != member) {
                    writer.write(GroupRecords.currentAssignment(group.groupId(), next));
                    changed = true;
                    trackRevocation(group.groupId(), member, next, nowMs);
                    if (!memberId.equals(caller)
                            && (next.memberEpoch() != member.memberEpoch() || !next.assigned().equals(member.assigned()))) {
                        state.send(next.assigned());
                        writer.push(MemberUpdate.assignment(group.groupId(), next, state.sentVersion));
                    }
                }
            }
            if (!changed) {
                return;
            }
        }
    }

    private void trackRevocation(String groupId, GroupMember before, GroupMember after, long nowMs) {
        Timer timer = new Timer(TimerKind.REVOCATION, groupId, after.memberId());
        if (after.state() == MemberState.UNREVOKED_PARTITIONS && before.state() != MemberState.UNREVOKED_PARTITIONS) {
            deadlines.schedule(timer, nowMs + after.rebalanceTimeoutMs());
        } else if (after.state() != MemberState.UNREVOKED_PARTITIONS) {
            deadlines.cancel(timer);
        }
    }

    private void dropIfUnused(ConsumerGroup group) {
        if (group.isRemovable()) {
            groups.remove(group.groupId());
        }
    }

    // ==== timers and metadata ======================================================================

    /** The earliest deadline of this shard (Long.MAX_VALUE: none). */
    public long nextDeadlineMs() {
        return deadlines.next();
    }

    /**
     * Acts on every deadline the clock has reached: a member whose session expired leaves; a member that did
     * not revoke within its rebalance timeout is fenced; the retention check expires offsets no member
     * subscribes to that are older than offsets.retention.minutes, and deletes groups left with nothing.
     */
    public ShardResult<Void> tick(long nowMs) {
        Writer writer = new Writer();
        for (Timer timer : deadlines.expired(nowMs)) {
            switch (timer.kind()) {
                case SESSION -> expire(timer, writer, nowMs, ErrorCode.UNKNOWN_MEMBER_ID,
                        "its session timed out (no heartbeat within session.timeout.ms)");
                case REVOCATION -> {
                    ConsumerGroup group = groups.get(timer.groupId());
                    GroupMember member = group == null ? null : group.member(timer.memberId());
                    if (member != null && member.state() == MemberState.UNREVOKED_PARTITIONS) {
                        expire(timer, writer, nowMs, ErrorCode.FENCED_MEMBER_EPOCH,
                                "it did not revoke " + member.pendingRevocation() + " within its rebalance timeout (max.poll.interval.ms)");
                    }
                }
                case RETENTION -> {
                    expireOffsets(writer, nowMs);
                    deadlines.schedule(RETENTION_TIMER, nowMs + settings.offsetsRetentionCheckIntervalMs());
                }
            }
        }
        return writer.result(null);
    }

    private void expire(Timer timer, Writer writer, long nowMs, ErrorCode error, String why) {
        ConsumerGroup group = groups.get(timer.groupId());
        if (group == null || group.member(timer.memberId()) == null) {
            return;
        }
        removeMember(group, timer.memberId(), writer, nowMs);
        writer.push(MemberUpdate.removed(timer.groupId(), timer.memberId(), error, "member " + timer.memberId()
                + " was removed from group " + ErrorText.quote(timer.groupId()) + ": " + why));
    }

    private void expireOffsets(Writer writer, long nowMs) {
        for (ConsumerGroup group : List.copyOf(groups.values())) {
            Set<String> subscribed = group.subscribedTopics();
            for (Map.Entry<TopicPartition, CommittedOffset> entry : List.copyOf(group.offsets().entrySet())) {
                if (!subscribed.contains(entry.getKey().topic())
                        && nowMs - entry.getValue().commitTimestampMs() >= settings.offsetsRetentionMs()) {
                    writer.write(GroupRecords.offsetTombstone(group.groupId(), entry.getKey()));
                }
            }
            if (group.members().isEmpty() && group.offsets().isEmpty() && groups.containsKey(group.groupId())) {
                writeGroupTombstones(group, writer);
            }
        }
    }

    private void writeGroupTombstones(ConsumerGroup group, Writer writer) {
        if (group.targetEpoch() > 0) {
            writer.write(GroupRecords.targetEpochTombstone(group.groupId()));
        }
        if (group.hasMetadata()) {
            writer.write(GroupRecords.groupMetadataTombstone(group.groupId()));
        }
    }

    /**
     * The cluster's topics changed: offsets of partitions that no longer exist are deleted (as Kafka does for
     * deleted topics), and groups whose subscribed topics changed partition count rebalance.
     */
    public ShardResult<Void> onTopicsChanged(TopicView newTopics, long nowMs) {
        this.topics = newTopics;
        Writer writer = new Writer();
        for (ConsumerGroup group : List.copyOf(groups.values())) {
            for (TopicPartition tp : List.copyOf(group.offsets().keySet())) {
                if (tp.partition() >= newTopics.partitionCount(tp.topic())) {
                    writer.write(GroupRecords.offsetTombstone(group.groupId(), tp));
                }
            }
            if (!group.members().isEmpty() && !subscribedPartitionCounts(group).equals(group.subscribedTopicPartitions())) {
                rebalance(group, false, writer, nowMs, null);
            }
        }
        return writer.result(null);
    }

    // ==== offsets ==================================================================================

    /** Per-partition outcome of a commit; {@code error} NONE when the offset was written. */
    public record PartitionOutcome(String topic, int partition, ErrorCode error, String message) {
    }

    /**
     * Commits offsets. A member's commit must carry its current epoch; a commit from outside the group (empty
     * member id, epoch -1) is accepted only while the group has no members.
     *
     * @throws ApiException for the whole request: INVALID_GROUP_ID, INVALID_REQUEST, UNKNOWN_MEMBER_ID,
     *                      STALE_MEMBER_EPOCH; nothing is written then
     */
    public ShardResult<List<PartitionOutcome>> commitOffsets(OffsetCommitRequest request, long nowMs) {
        String groupId = request.getGroupId();
        GroupLimits.validateGroupId(groupId);
        long count = request.getTopicsList().stream().mapToLong(OffsetCommitTopic::getPartitionsCount).sum();
        if (count > GroupLimits.PARTITIONS_PER_REQUEST_MAX) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "one commit may name at most "
                    + GroupLimits.PARTITIONS_PER_REQUEST_MAX + " partitions, not " + count);
        }
        ConsumerGroup group = groups.get(groupId);
        checkCommitter(group, request);
        Writer writer = new Writer();
        List<PartitionOutcome> outcomes = new ArrayList<>();
        for (OffsetCommitTopic topic : request.getTopicsList()) {
            int partitions = topics.partitionCount(topic.getName());
            for (OffsetCommitPartition p : topic.getPartitionsList()) {
                PartitionOutcome refused = commitProblem(topic.getName(), partitions, p);
                if (refused != null) {
                    outcomes.add(refused);
                    continue;
                }
                writer.write(GroupRecords.offsetCommit(groupId, new TopicPartition(topic.getName(), p.getPartition()),
                        new CommittedOffset(p.getCommittedOffset(), p.getCommittedLeaderEpoch(), p.getCommittedMetadata(), nowMs)));
                outcomes.add(new PartitionOutcome(topic.getName(), p.getPartition(), ErrorCode.NONE, ""));
            }
        }
        return writer.result(outcomes);
    }

    private void checkCommitter(ConsumerGroup group, OffsetCommitRequest request) {
        String groupId = request.getGroupId();
        if (request.getMemberEpoch() < 0 && request.getMemberId().isEmpty()) {
            if (group != null && !group.members().isEmpty()) {
                throw new ApiException(ErrorCode.UNKNOWN_MEMBER_ID, "group " + ErrorText.quote(groupId) + " has "
                        + group.members().size() + " active member(s); while it has members only they commit its offsets");
            }
            return;
        }
        GroupMember member = group == null ? null : group.member(request.getMemberId());
        if (member == null) {
            throw new ApiException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + ErrorText.quote(request.getMemberId())
                    + " is not a member of group " + ErrorText.quote(groupId) + " (it left or was removed); its commit is refused");
        }
        if (member.memberEpoch() != request.getMemberEpoch()) {
            throw new ApiException(ErrorCode.STALE_MEMBER_EPOCH, "member " + member.memberId() + " of group "
                    + ErrorText.quote(groupId) + " committed with epoch " + request.getMemberEpoch()
                    + " but its epoch is " + member.memberEpoch());
        }
    }

    /** Why one partition of a commit is refused, or null when it is fine. */
    private PartitionOutcome commitProblem(String topic, int partitions, OffsetCommitPartition p) {
        int partition = p.getPartition();
        if (p.getCommittedOffset() < 0) {
            return new PartitionOutcome(topic, partition, ErrorCode.INVALID_REQUEST, "committed offset "
                    + p.getCommittedOffset() + " of partition " + partition + " of " + ErrorText.quote(topic) + " is negative");
        }
        if (partitions < 0 || partition < 0 || partition >= partitions) {
            return new PartitionOutcome(topic, partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partitions < 0
                    ? "topic " + ErrorText.quote(topic) + " does not exist"
                    : "topic " + ErrorText.quote(topic) + " has no partition " + partition + " (it has " + partitions + ")");
        }
        int metadataBytes = p.getCommittedMetadata().getBytes(StandardCharsets.UTF_8).length;
        if (metadataBytes > settings.offsetMetadataMaxBytes()) {
            return new PartitionOutcome(topic, partition, ErrorCode.OFFSET_METADATA_TOO_LARGE, "metadata of " + metadataBytes
                    + " bytes exceeds offset.metadata.max.bytes (" + settings.offsetMetadataMaxBytes() + ")");
        }
        return null;
    }

    /** Committed offsets of the group: the asked partitions (-1 where none), or every one it has. */
    public Map<TopicPartition, CommittedOffset> fetchOffsets(String groupId, Collection<TopicPartition> asked) {
        GroupLimits.validateGroupId(groupId);
        ConsumerGroup group = groups.get(groupId);
        Map<TopicPartition, CommittedOffset> result = new LinkedHashMap<>();
        if (asked.isEmpty()) {
            if (group != null) {
                result.putAll(group.offsets());
            }
            return result;
        }
        for (TopicPartition tp : asked) {
            CommittedOffset offset = group == null ? null : group.offsets().get(tp);
            result.put(tp, offset != null ? offset : new CommittedOffset(-1, -1, "", -1));
        }
        return result;
    }

    /**
     * Deletes committed offsets of topics no member subscribes to.
     *
     * @throws ApiException GROUP_ID_NOT_FOUND, INVALID_GROUP_ID for the whole request
     */
    public ShardResult<List<PartitionOutcome>> deleteOffsets(String groupId, Collection<TopicPartition> partitions) {
        GroupLimits.validateGroupId(groupId);
        ConsumerGroup group = requireGroup(groupId);
        Set<String> subscribed = group.subscribedTopics();
        Writer writer = new Writer();
        List<PartitionOutcome> outcomes = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (subscribed.contains(tp.topic())) {
                outcomes.add(new PartitionOutcome(tp.topic(), tp.partition(), ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC,
                        "a member of group " + ErrorText.quote(groupId) + " subscribes to " + ErrorText.quote(tp.topic())));
                continue;
            }
            if (group.offsets().containsKey(tp)) {
                writer.write(GroupRecords.offsetTombstone(groupId, tp));
            }
            outcomes.add(new PartitionOutcome(tp.topic(), tp.partition(), ErrorCode.NONE, ""));
        }
        ConsumerGroup after = groups.get(groupId);
        if (after != null && after.members().isEmpty() && after.offsets().isEmpty()) {
            writeGroupTombstones(after, writer);
        }
        return writer.result(outcomes);
    }

    // ==== groups ===================================================================================

    private ConsumerGroup requireGroup(String groupId) {
        ConsumerGroup group = groups.get(groupId);
        if (group == null) {
            throw new ApiException(ErrorCode.GROUP_ID_NOT_FOUND, "group " + ErrorText.quote(groupId) + " does not exist");
        }
        return group;
    }

    /** The groups whose state (lower case) is in {@code states}, or all when it is empty. */
    public List<ListedGroup> listGroups(Set<String> states) {
        List<ListedGroup> listed = new ArrayList<>();
        for (ConsumerGroup group : groups.values()) {
            String state = group.state().toString();
            if (states.isEmpty() || states.contains(state.toLowerCase(java.util.Locale.ROOT))) {
                listed.add(ListedGroup.newBuilder().setGroupId(group.groupId()).setState(state).build());
            }
        }
        return listed;
    }

    /**
     * One group as DescribeGroups shows it.
     *
     * @throws ApiException GROUP_ID_NOT_FOUND, INVALID_GROUP_ID
     */
    public DescribedGroup describe(String groupId) {
        GroupLimits.validateGroupId(groupId);
        ConsumerGroup group = requireGroup(groupId);
        DescribedGroup.Builder described = DescribedGroup.newBuilder()
                .setGroupId(groupId)
                .setState(group.state().toString())
                .setGroupEpoch(group.groupEpoch())
                .setAssignmentEpoch(group.targetEpoch())
                .setAssignorName(chooseAssignor(group));
        for (GroupMember member : group.members().values()) {
            described.addMembers(DescribedMember.newBuilder()
                    .setMemberId(member.memberId())
                    .setInstanceId(member.instanceId() == null ? "" : member.instanceId())
                    .setRackId(member.rackId())
                    .setClientId(member.clientId())
                    .setClientHost(member.clientHost())
                    .setMemberEpoch(member.memberEpoch())
                    .addAllSubscribedTopicNames(member.subscribedTopics())
                    .setAssignment(Assignment.newBuilder().addAllTopics(Partitions.toProto(member.assigned())))
                    .setTargetAssignment(Assignment.newBuilder().addAllTopics(Partitions.toProto(group.target(member.memberId()))))
                    .setMemberState(member.state().describe()));
        }
        return described.build();
    }

    /**
     * Deletes an empty group with its offsets.
     *
     * @throws ApiException GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, INVALID_GROUP_ID; nothing is written then
     */
    public ShardResult<Void> deleteGroup(String groupId) {
        GroupLimits.validateGroupId(groupId);
        ConsumerGroup group = requireGroup(groupId);
        if (!group.members().isEmpty()) {
            throw new ApiException(ErrorCode.NON_EMPTY_GROUP, "group " + ErrorText.quote(groupId) + " has "
                    + group.members().size() + " member(s); only an empty group can be deleted");
        }
        Writer writer = new Writer();
        for (TopicPartition tp : List.copyOf(group.offsets().keySet())) {
            writer.write(GroupRecords.offsetTombstone(groupId, tp));
        }
        writeGroupTombstones(group, writer);
        return writer.result(null);
    }

    /** Members of every group of this shard (for bounds and metrics). */
    public int memberCount() {
        int count = 0;
        for (ConsumerGroup group : groups.values()) {
            count += group.members().size();
        }
        return count;
    }

    /** Test and simulation view of the partitions a member last reported owning (null: unknown). */
    Set<TopicPartition> reportedOwned(String groupId, String memberId) {
        Map<String, Runtime> members = runtime.get(groupId);
        Runtime state = members == null ? null : members.get(memberId);
        return state == null ? null : state.owned;
    }

    /** The committed offsets of every group, for tests comparing a reloaded shard with the original. */
    public Map<String, SortedSet<TopicPartition>> assignmentsForTest(String groupId) {
        Map<String, SortedSet<TopicPartition>> result = new TreeMap<>();
        ConsumerGroup group = groups.get(groupId);
        if (group != null) {
            group.members().forEach((id, member) -> result.put(id, new TreeSet<>(member.assigned())));
        }
        return result;
    }
}
