package io.runnel.group.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.testing.Gen;
import io.runnel.common.testing.PropertyCheck;
import io.runnel.proto.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A seeded simulation of one group: members join, heartbeat, revoke after a random delay, leave, crash,
 * restart under their static instance id, change subscriptions; topics grow; the coordinator fails over
 * (a fresh shard replays the log) and every member reconnects. One seed drives the clock, the network
 * delays (per-member streams stay in order) and the faults. After every step:
 *
 * <ul>
 *   <li>{@code OwnedIsHeld}: every partition a member that the coordinator counts as a member believes it
 *       owns is held by it on the coordinator's books (so no two such members own a partition at once);</li>
 *   <li>{@code EpochsRise}: a member's epoch on the coordinator never goes down while it stays a member;</li>
 * </ul>
 * and at the end, once faults stop and messages drain: {@code Converges} (the group is Stable, every
 * subscribed partition has exactly one owner, each member owns exactly its assignment) and
 * {@code ReplayAgrees} (a shard rebuilt from the records equals the live one).
 */
class GroupSimulationTest {

    private static final String GROUP = "sim";
    private static final int HEARTBEAT_MS = 1_000;
    private static final int SESSION_MS = 10_000;
    private static final int REBALANCE_MS = 8_000;
    /** -Dsim.trace=true prints every event of a replayed seed. */
    private static final boolean TRACE = Boolean.getBoolean("sim.trace");

    private static void trace(long nowMs, String format, Object... args) {
        if (TRACE) {
            System.out.println(nowMs + " " + String.format(format, args));
        }
    }

    @Test
    void rebalancesKeepOneOwnerPerPartitionAndConverge() {
        PropertyCheck.forAll(200, gen -> new Simulation(gen).run(gen.intBetween(100, 400)));
    }

    /** A member as the client SDK behaves (docs/groups.md, "Client"). */
    private static final class SimMember {
        final String name;
        final String instanceId;
        String memberId;
        int epoch;
        List<String> topics;
        final Set<TopicPartition> owned = new TreeSet<>();
        Set<TopicPartition> pendingAssignment;
        long pendingVersion;
        /** The version of the last assignment the member acted on, on its current stream. */
        long reconciledVersion;
        long revokeAtMs = -1;
        long nextHeartbeatMs;
        boolean crashed;
        boolean joined;
        int incarnation;

        SimMember(String name, String instanceId, List<String> topics) {
            this.name = name;
            this.instanceId = instanceId;
            this.topics = topics;
            this.memberId = name + "-0";
        }
    }

    private record Delivery(long atMs, long sequence, SimMember to, int incarnation, int coordinatorGeneration,
                            int epoch, Set<TopicPartition> assigned, long version, ErrorCode error) {
    }

    private static final class Simulation {
        final Gen gen;
        final Map<String, Integer> counts = new HashMap<>();
        final List<CoordinatorRecord> log = new ArrayList<>();
        final GroupSettings settings = new GroupSettings(100, 60_000, HEARTBEAT_MS, 1_000, 3_600_000, 60_000, 64,
                List.of("sticky", "range", "roundrobin"));
        final List<SimMember> members = new ArrayList<>();
        final PriorityQueue<Delivery> network = new PriorityQueue<>((a, b) -> a.atMs != b.atMs
                ? Long.compare(a.atMs, b.atMs) : Long.compare(a.sequence, b.sequence));
        final Map<String, Long> lastDeliveryMs = new HashMap<>();
        final Map<String, Integer> lastEpoch = new HashMap<>();
        GroupShard shard;
        int coordinatorGeneration;
        long nowMs;
        long sequence;
        boolean faults = true;

        Simulation(Gen gen) {
            this.gen = gen;
            counts.put("a", gen.intBetween(1, 8));
            counts.put("b", gen.intBetween(1, 8));
            shard = new GroupShard(0, settings, this::count);
            shard.onLoaded(nowMs);
            int size = gen.intBetween(1, 5);
            for (int i = 0; i < size; i++) {
                addMember();
            }
        }

        int count(String topic) {
            return counts.getOrDefault(topic, -1);
        }

        void addMember() {
            int index = members.size();
            String instance = gen.chance(0.4) ? "instance-" + index : null;
            List<String> topics = gen.chance(0.7) ? List.of("a", "b") : List.of(gen.oneOf("a", "b"));
            SimMember member = new SimMember("m" + index, instance, topics);
            member.nextHeartbeatMs = nowMs + gen.intBetween(0, 500);
            members.add(member);
        }

        void run(int steps) {
            for (int step = 0; step < steps; step++) {
                nowMs += gen.intBetween(1, 400);
                if (gen.chance(0.04)) {
                    fault();
                }
                deliver();
                act();
                apply(shard.tick(nowMs));
                checkInvariants();
            }
            faults = false;
            for (SimMember member : members) {
                if (member.crashed && gen.chance(0.5)) {
                    restart(member);
                }
            }
            for (int step = 0; step < 400; step++) {
                nowMs += 100;
                deliver();
                act();
                apply(shard.tick(nowMs));
                checkInvariants();
            }
            checkConverged();
            checkReplay();
        }

        void fault() {
            int kind = gen.intBetween(0, 6);
            trace(nowMs, "fault %d", kind);
            switch (kind) {
                case 0 -> addMember();
                case 1 -> {
                    SimMember victim = gen.pick(members);
                    victim.crashed = true;  // stops sending; its stream breaks
                    shard.memberDisconnected(GROUP, victim.memberId);
                }
                case 2 -> {
                    SimMember crashed = members.stream().filter(m -> m.crashed).findFirst().orElse(null);
                    if (crashed != null) {
                        restart(crashed);
                    }
                }
                case 3 -> {
                    SimMember leaver = gen.pick(members);
                    if (!leaver.crashed && leaver.joined) {
                        send(leaver, leaver.instanceId != null && gen.bool() ? -2 : -1);
                        leaver.owned.clear();
                        leaver.joined = false;
                        leaver.crashed = true;  // it is gone until restarted
                    }
                }
                case 4 -> counts.compute(gen.oneOf("a", "b"), (t, c) -> c + gen.intBetween(1, 3));
                case 5 -> {
                    SimMember changer = gen.pick(members);
                    changer.topics = gen.chance(0.5) ? List.of("a", "b") : List.of(gen.oneOf("a", "b"));
                    changer.nextHeartbeatMs = nowMs;
                }
                default -> failover();
            }
            if (gen.chance(0.2)) {
                apply(shard.onTopicsChanged(this::count, nowMs));
            }
        }

        /** The process restarts: static members keep their instance id under a new member id. */
        void restart(SimMember member) {
            member.crashed = false;
            member.joined = false;
            member.incarnation++;
            member.memberId = member.name + "-" + member.incarnation;
            member.epoch = 0;
            member.owned.clear();
            member.pendingAssignment = null;
            member.reconciledVersion = 0;
            member.revokeAtMs = -1;
            member.nextHeartbeatMs = nowMs;
        }

        /** The coordinator moves: a new shard loads the log; every stream breaks and members reconnect. */
        void failover() {
            shard = new GroupShard(0, settings, this::count);
            log.forEach(shard::replay);
            shard.onLoaded(nowMs);
            coordinatorGeneration++;
            network.clear();
            for (SimMember member : members) {
                // A new stream: what the old coordinator sent and the member has not acted on is dropped.
                member.pendingAssignment = null;
                member.revokeAtMs = -1;
                member.reconciledVersion = 0;
                member.nextHeartbeatMs = nowMs + gen.intBetween(0, 2_000);
            }
        }

        void deliver() {
            while (!network.isEmpty() && network.peek().atMs <= nowMs) {
                Delivery d = network.poll();
                SimMember member = d.to;
                trace(nowMs, "deliver to %s (inc %d, gen %d): epoch %d v%d %s %s", member.memberId, d.incarnation,
                        d.coordinatorGeneration, d.epoch, d.version, d.assigned, d.error);
                if (member.crashed || d.incarnation != member.incarnation || d.coordinatorGeneration != coordinatorGeneration) {
                    continue;
                }
                if (d.error != ErrorCode.NONE) {
                    // Fenced or removed: the partitions are lost; join again with epoch 0 (on a new stream).
                    member.joined = false;
                    member.owned.clear();
                    member.epoch = 0;
                    member.pendingAssignment = null;
                    member.reconciledVersion = 0;
                    member.revokeAtMs = -1;
                    member.nextHeartbeatMs = nowMs + gen.intBetween(0, 300);
                    continue;
                }
                member.epoch = d.epoch;
                if (d.assigned != null) {
                    boolean mustRevoke = member.owned.stream().anyMatch(tp -> !d.assigned.contains(tp));
                    member.pendingAssignment = d.assigned;
                    member.pendingVersion = d.version;
                    if (!mustRevoke) {
                        reconcile(member);
                    } else if (member.revokeAtMs < 0) {
                        // Slow members (a long poll loop) sometimes exceed the rebalance timeout.
                        member.revokeAtMs = nowMs + (gen.chance(0.03) ? REBALANCE_MS + 1_000 : gen.intBetween(0, 2_000));
                    }
                }
            }
        }

        /** The member acts on its newest assignment: gives up what is not in it, takes the rest. */
        void reconcile(SimMember member) {
            trace(nowMs, "%s reconciles v%d: %s -> %s", member.memberId, member.pendingVersion, member.owned, member.pendingAssignment);
            member.owned.retainAll(member.pendingAssignment);
            member.owned.addAll(member.pendingAssignment);
            member.reconciledVersion = member.pendingVersion;
            member.pendingAssignment = null;
            member.revokeAtMs = -1;
        }

    void act() {
            for (SimMember member : members) {
                if (member.crashed) {
                    continue;
                }
                if (member.revokeAtMs >= 0 && nowMs >= member.revokeAtMs && member.pendingAssignment != null) {
                    reconcile(member);
                    member.nextHeartbeatMs = nowMs;  // acknowledge at once
                }
                if (nowMs >= member.nextHeartbeatMs) {
                    send(member, member.joined ? member.epoch : 0);
                    member.nextHeartbeatMs = nowMs + HEARTBEAT_MS;
                }
            }
        }

        void send(SimMember member, int epoch) {
            ConsumerGroupHeartbeatRequest.Builder request = ConsumerGroupHeartbeatRequest.newBuilder()
                    .setGroupId(GROUP).setMemberId(member.memberId).setMemberEpoch(epoch)
                    .setRebalanceTimeoutMs(REBALANCE_MS).setSessionTimeoutMs(SESSION_MS)
                    .addAllSubscribedTopicNames(member.topics)
                    .addAllOwnedPartitions(Partitions.toProto(member.owned))
                    .setAcknowledgedAssignmentVersion(member.reconciledVersion);
            if (member.instanceId != null) {
                request.setInstanceId(member.instanceId);
            }
            trace(nowMs, "%s sends epoch %d owned %s ack v%d", member.memberId, epoch, member.owned, member.reconciledVersion);
            try {
                ShardResult<HeartbeatResult> result = shard.heartbeat(request.build(), "sim", nowMs);
                if (epoch >= 0) {
                    member.joined = true;
                }
                apply(result);
                HeartbeatResult answer = result.response();
                if (epoch >= 0) {
                    enqueue(member, answer.memberEpoch(), answer.assigned(), answer.assignmentVersion(), ErrorCode.NONE);
                }
            } catch (ApiException e) {
                if (e.code() == ErrorCode.UNRELEASED_INSTANCE_ID) {
                    return;  // the old instance's session is still running: try again later
                }
                assertThat(e.code()).as("heartbeat of %s: %s", member.memberId, e.getMessage())
                        .isIn(ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID);
                enqueue(member, -1, null, 0, e.code());
            }
        }

        void apply(ShardResult<?> result) {
            log.addAll(result.records());
            for (MemberUpdate update : result.updates()) {
                for (SimMember member : members) {
                    if (member.memberId.equals(update.memberId())) {
                        enqueue(member, update.memberEpoch(), update.error() == ErrorCode.NONE ? update.assigned() : null,
                                update.assignmentVersion(), update.error());
                    }
                }
            }
        }

        void enqueue(SimMember member, int epoch, Set<TopicPartition> assigned, long version, ErrorCode error) {
            long at = Math.max(lastDeliveryMs.getOrDefault(member.memberId, 0L), nowMs + gen.intBetween(0, 300));
            lastDeliveryMs.put(member.memberId, at);
            network.add(new Delivery(at, sequence++, member, member.incarnation, coordinatorGeneration, epoch,
                    assigned == null ? null : Set.copyOf(assigned), version, error));
        }

        void checkInvariants() {
            ConsumerGroup group = shard.group(GROUP);
            Map<TopicPartition, String> owners = new HashMap<>();
            for (SimMember member : members) {
                GroupMember known = group == null ? null : group.member(member.memberId);
                if (member.crashed || known == null) {
                    continue;
                }
                for (TopicPartition tp : member.owned) {
                    assertThat(known.holds(tp)).as("OwnedIsHeld: %s owns %s that the coordinator does not give it (%s)",
                            member.memberId, tp, known).isTrue();
                    assertThat(owners.put(tp, member.memberId)).as("one owner of %s", tp).isNull();
                }
                Integer previous = lastEpoch.put(member.memberId, known.memberEpoch());
                if (previous != null && known.memberEpoch() >= 0) {
                    assertThat(known.memberEpoch()).as("EpochsRise for %s", member.memberId).isGreaterThanOrEqualTo(previous);
                }
            }
        }

        void checkConverged() {
            ConsumerGroup group = shard.group(GROUP);
            List<SimMember> live = members.stream().filter(m -> !m.crashed).toList();
            if (live.isEmpty()) {
                return;
            }
            assertThat(group).isNotNull();
            // Crashed members' sessions have expired by now (the last phase runs 40 s > session timeout).
            assertThat(group.members().keySet()).containsExactlyInAnyOrderElementsOf(
                    live.stream().map(m -> m.memberId).toList());
            assertThat(group.state()).as("Converges").isEqualTo(ConsumerGroup.State.STABLE);
            Set<TopicPartition> expected = new TreeSet<>();
            Set<TopicPartition> owned = new HashSet<>();
            for (SimMember member : live) {
                member.topics.forEach(t -> {
                    for (int p = 0; p < count(t); p++) {
                        expected.add(new TopicPartition(t, p));
                    }
                });
                assertThat(member.owned).as("%s owns its assignment", member.memberId)
                        .isEqualTo(group.member(member.memberId).assigned());
                for (TopicPartition tp : member.owned) {
                    assertThat(owned.add(tp)).isTrue();
                }
            }
            assertThat(owned).as("every subscribed partition has an owner").isEqualTo(expected);
        }

        void checkReplay() {
            GroupShard replayed = new GroupShard(0, settings, this::count);
            log.forEach(replayed::replay);
            ConsumerGroup live = shard.group(GROUP);
            ConsumerGroup copy = replayed.group(GROUP);
            if (live == null) {
                assertThat(copy).isNull();
                return;
            }
            assertThat(copy.members()).as("ReplayAgrees").isEqualTo(live.members());
            assertThat(copy.groupEpoch()).isEqualTo(live.groupEpoch());
            assertThat(copy.targetEpoch()).isEqualTo(live.targetEpoch());
            for (String id : live.members().keySet()) {
                assertThat(copy.target(id)).isEqualTo(live.target(id));
            }
        }
    }
}
