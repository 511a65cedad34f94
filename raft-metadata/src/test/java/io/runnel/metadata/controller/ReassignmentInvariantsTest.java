package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.AlterPartitionData;
import io.runnel.proto.AlterPartitionReassignmentsRequest;
import io.runnel.proto.AlterPartitionRequest;
import io.runnel.proto.AlterPartitionTopic;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ElectionType;
import io.runnel.proto.ReassignablePartition;
import io.runnel.proto.ReassignableTopic;
import io.runnel.proto.ReplicaList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/**
 * Seeded random walks of reassignments (start, replace, cancel) interleaved with what moves a partition
 * underneath them (the leader growing and shrinking the ISR, brokers shutting down and returning,
 * elections, rebalances), with unclean election off. After every step:
 * <ul>
 *   <li>the partition invariants hold (replay checks them too) and a leader is eligible;
 *   <li>{@code NoAckedReplicaDropped}: every change keeps at least one member of the previous ISR (or, for
 *       the leader's AlterPartition, of the ISR it proposed: a completion may keep only replicas the
 *       leader has just declared in sync), so the replicas holding every acknowledged record never all
 *       leave at once;
 *   <li>{@code NoFinishedMoveLeftOpen}: no partition is still reassigning once its ISR holds the whole
 *       target and the move could complete;
 *   <li>adding replicas are in the target, removing ones are not.
 * </ul>
 * At the end of each walk the image rebuilt from its snapshot records equals it (moves in progress included).
 * A failure names its seed; {@code -Dreassignment.seed=N} replays that one walk.
 */
class ReassignmentInvariantsTest {

    private static final int BROKERS = 5;
    private static final int PARTITIONS = 3;
    private static final int WALKS = 300;
    private static final int STEPS = 80;
    private static final boolean TRACE = System.getProperty("reassignment.seed") != null;

    @Test
    void randomWalksKeepTheReassignmentInvariants() {
        String replay = System.getProperty("reassignment.seed");
        if (replay != null) {
            walk(Long.parseLong(replay));
            return;
        }
        long base = new Random().nextLong();
        for (int i = 0; i < WALKS; i++) {
            walk(base + i);
        }
    }

    private static void walk(long seed) {
        try {
            Random random = new Random(seed);
            ControllerFixture fixture = new ControllerFixture(seed);
            for (int id = 1; id <= BROKERS; id++) {
                fixture.addBroker(id, null);
            }
            fixture.createTopics(CreatableTopic.newBuilder().setName("t").setNumPartitions(PARTITIONS)
                    .setReplicationFactor(1 + random.nextInt(3)).build());
            for (int step = 0; step < STEPS; step++) {
                MetadataImage before = fixture.image;
                int logged = fixture.log.size();
                Proposal proposal = step(fixture, random);
                if (TRACE) {
                    System.out.println("step " + step + ": " + fixture.log.subList(logged, fixture.log.size())
                            + " -> " + fixture.image.topics().getTopic("t").partitions());
                }
                check(before, fixture.image, proposal);
            }
            // A snapshot carries the moves in progress: rebuilding from it gives the same image.
            MetadataDelta rebuilt = new MetadataDelta(MetadataImage.EMPTY);
            rebuilt.replayAll(fixture.image.toRecords());
            assertThat(rebuilt.apply(fixture.image.offset())).isEqualTo(fixture.image);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("walk with seed " + seed + " failed (replay: -Dreassignment.seed=" + seed + ")", e);
        }
    }

    /** The ISR a leader proposed for a partition with AlterPartition in one step. */
    private record Proposal(int partition, List<Integer> isr) {
    }

    /** Runs one random operation; returns the leader's ISR proposal if it was one. */
    private static Proposal step(ControllerFixture f, Random random) {
        TopicImage topic = f.image.topics().getTopic("t");
        int partition = random.nextInt(PARTITIONS);
        PartitionRegistration current = topic.partition(partition);
        int broker = 1 + random.nextInt(BROKERS);
        switch (random.nextInt(8)) {
            case 0, 1 -> reassign(f, partition, randomTarget(random));
            case 2 -> reassign(f, partition, null);
            case 3, 4 -> {
                return alterIsr(f, random, partition, current, true);
            }
            case 5 -> {
                return alterIsr(f, random, partition, current, false);
            }
            case 6 -> {
                BrokerRegistration registration = f.image.cluster().broker(broker);
                if (registration.fenced()) {
                    var registered = f.apply(f.logic.registerBroker(f.image, f.registration(broker, null),
                            ControllerFixture.CLUSTER_ID, f.nextOffset(), f.tracker, f.ctx()));
                    f.brokerEpochs.put(broker, registered.getBrokerEpoch());
                    f.heartbeat(broker, f.image.offset(), false);
                } else {
                    f.heartbeat(broker, f.image.offset(), true);
                }
            }
            default -> {
                if (random.nextBoolean()) {
                    f.apply(f.logic.electLeaders(f.image, ElectLeadersRequest.newBuilder()
                            .setElectionType(ElectionType.PREFERRED).build(), f.ctx()));
                } else {
                    f.apply(f.logic.rebalanceLeaders(f.image, f.ctx()));
                }
            }
        }
        return null;
    }

    private static List<Integer> randomTarget(Random random) {
        List<Integer> brokers = new ArrayList<>();
        for (int id = 1; id <= BROKERS; id++) {
            brokers.add(id);
        }
        Collections.shuffle(brokers, random);
        return brokers.subList(0, 1 + random.nextInt(4));
    }

    private static void reassign(ControllerFixture f, int partition, List<Integer> target) {
        ReassignablePartition.Builder request = ReassignablePartition.newBuilder().setPartition(partition);
        if (target != null) {
            request.setReplicas(ReplicaList.newBuilder().addAllBrokerIds(target));
        }
        f.apply(f.logic.alterPartitionReassignments(f.image, AlterPartitionReassignmentsRequest.newBuilder()
                .addTopics(ReassignableTopic.newBuilder().setName("t").addPartitions(request)).build(), f.ctx()));
    }

    /** The leader adds one eligible replica that is out of the ISR, or drops one member other than itself. */
    private static Proposal alterIsr(ControllerFixture f, Random random, int partition,
                                     PartitionRegistration current, boolean grow) {
        if (!current.hasLeader()) {
            return null;
        }
        IntPredicate eligible = PartitionElection.eligible(f.image.cluster());
        List<Integer> isr = new ArrayList<>(current.isr());
        List<Integer> candidates = grow
                ? current.replicas().stream().filter(r -> !isr.contains(r) && eligible.test(r)).toList()
                : isr.stream().filter(r -> r != current.leader()).toList();
        if (candidates.isEmpty()) {
            return null;
        }
        int chosen = candidates.get(random.nextInt(candidates.size()));
        if (grow) {
            isr.add(chosen);
        } else {
            isr.remove(Integer.valueOf(chosen));
        }
        f.apply(f.logic.alterPartition(f.image, AlterPartitionRequest.newBuilder().setBrokerId(current.leader())
                .setBrokerEpoch(f.brokerEpochs.get(current.leader())).addTopics(AlterPartitionTopic.newBuilder()
                        .setTopic("t").addPartitions(AlterPartitionData.newBuilder().setPartition(partition)
                                .setLeaderEpoch(current.leaderEpoch()).setPartitionEpoch(current.partitionEpoch())
                                .addAllNewIsr(isr))).build(), f.ctx()));
        return new Proposal(partition, isr);
    }

    private static void check(MetadataImage before, MetadataImage after, Proposal proposal) {
        IntPredicate eligible = PartitionElection.eligible(after.cluster());
        TopicImage topic = after.topics().getTopic("t");
        topic.partitions().forEach((partition, p) -> {
            String name = "t-" + partition + " " + p;
            assertThat(p.invariantViolation()).as(name).isEmpty();
            assertThat(p.isr()).as(name).isNotEmpty();
            if (p.hasLeader()) {
                assertThat(eligible.test(p.leader())).as(name + ": leader eligible").isTrue();
            }
            List<Integer> target = p.targetReplicas();
            assertThat(target).as(name + ": adding replicas are in the target").containsAll(p.addingReplicas());
            assertThat(p.removingReplicas()).as(name + ": removing replicas are not").doesNotContainAnyElementsOf(target);
            boolean canComplete = p.leader() == -1 || target.contains(p.leader())
                    || target.stream().anyMatch(b -> p.isr().contains(b) && eligible.test(b));
            assertThat(p.isReassigning() && p.isr().containsAll(target) && canComplete)
                    .as(name + ": NoFinishedMoveLeftOpen").isFalse();
            PartitionRegistration previous = before.topics().getTopic("t").partition(partition);
            Set<Integer> kept = new HashSet<>(previous.isr());
            if (proposal != null && proposal.partition() == partition) {
                kept.addAll(proposal.isr());
            }
            kept.retainAll(p.isr());
            assertThat(kept).as(name + ": NoAckedReplicaDropped, previous ISR " + previous.isr()).isNotEmpty();
        });
    }
}
