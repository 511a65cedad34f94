package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterPartitionReassignmentsRequest;
import io.runnel.proto.AlterPartitionReassignmentsResponse;
import io.runnel.proto.AlterPartitionResult;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ElectionType;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ListPartitionReassignmentsRequest;
import io.runnel.proto.ListPartitionReassignmentsResponse;
import io.runnel.proto.ListPartitionReassignmentsTopic;
import io.runnel.proto.OngoingPartitionReassignment;
import io.runnel.proto.ReassignablePartition;
import io.runnel.proto.ReassignablePartitionResult;
import io.runnel.proto.ReassignableTopic;
import io.runnel.proto.ReplicaAssignment;
import io.runnel.proto.ReplicaList;
import io.runnel.proto.ResourceType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reassignment state machine (docs/metadata.md, "Reassignment") through the controller's decisions:
 * AlterPartitionReassignments starts, replaces and cancels; AlterPartition (and every other change of
 * the ISR) completes; elections during a move; bad input answered with named errors.
 */
class ReassignmentTest {

    private final ControllerFixture fixture = new ControllerFixture();

    @BeforeEach
    void fourBrokers() {
        fixture.addBrokers(1, 2, 3, 4, 5);
    }

    private void createTopic(String name, List<Integer> replicas) {
        var response = fixture.createTopics(CreatableTopic.newBuilder().setName(name).setNumPartitions(-1)
                .setReplicationFactor(-1).addAssignments(ReplicaAssignment.newBuilder().setPartition(0)
                        .addAllBrokerIds(replicas)).build());
        assertThat(response.getTopics(0).getError()).as(response.getTopics(0).getErrorMessage()).isEqualTo(ErrorCode.NONE);
    }

    private static ReassignablePartition move(int partition, Integer... target) {
        return ReassignablePartition.newBuilder().setPartition(partition)
                .setReplicas(ReplicaList.newBuilder().addAllBrokerIds(List.of(target))).build();
    }

    private static ReassignablePartition cancel(int partition) {
        return ReassignablePartition.newBuilder().setPartition(partition).build();
    }

    private AlterPartitionReassignmentsResponse reassign(String topic, ReassignablePartition... partitions) {
        return fixture.apply(fixture.logic.alterPartitionReassignments(fixture.image,
                AlterPartitionReassignmentsRequest.newBuilder().addTopics(ReassignableTopic.newBuilder()
                        .setName(topic).addAllPartitions(List.of(partitions))).build(), fixture.ctx()));
    }

    private ReassignablePartitionResult reassignOne(String topic, ReassignablePartition partition) {
        AlterPartitionReassignmentsResponse response = reassign(topic, partition);
        assertThat(response.getError()).isEqualTo(ErrorCode.NONE);
        return response.getTopics(0).getPartitions(0);
    }

    private void reassignOk(String topic, ReassignablePartition partition) {
        ReassignablePartitionResult result = reassignOne(topic, partition);
        assertThat(result.getError()).as(result.getErrorMessage()).isEqualTo(ErrorCode.NONE);
    }

    /** The leader of partition 0 proposes {@code isr} with the current epochs. */
    private AlterPartitionResult leaderProposes(String topic, Integer... isr) {
        PartitionRegistration current = fixture.partition(topic, 0);
        var response = fixture.apply(fixture.logic.alterPartition(fixture.image,
                AlterPartitionTest.request(fixture, current.leader(), topic, current.leaderEpoch(),
                        current.partitionEpoch(), isr), fixture.ctx()));
        assertThat(response.getError()).isEqualTo(ErrorCode.NONE);
        return response.getTopics(0).getPartitions(0);
    }

    private PartitionRegistration orders() {
        return fixture.partition("orders", 0);
    }

    // ---------------------------------------------------------------- start and complete

    @Test
    void startingAMoveListsTargetFirstThenRemovingAndLeavesLeaderAndIsrAlone() {
        createTopic("orders", List.of(1, 2, 3));
        PartitionRegistration before = orders();

        reassignOk("orders", move(0, 2, 3, 4));

        PartitionRegistration moving = orders();
        assertThat(moving.replicas()).containsExactly(2, 3, 4, 1);
        assertThat(moving.addingReplicas()).containsExactly(4);
        assertThat(moving.removingReplicas()).containsExactly(1);
        assertThat(moving.isr()).containsExactly(1, 2, 3);
        assertThat(moving.leader()).isEqualTo(1);
        assertThat(moving.leaderEpoch()).isEqualTo(before.leaderEpoch());
        assertThat(moving.partitionEpoch()).isEqualTo(before.partitionEpoch() + 1);
    }

    @Test
    void theIsrExpansionThatAddsTheLastNewReplicaCompletesTheMoveAndMovesLeadershipOffARemovedReplica() {
        createTopic("orders", List.of(1, 2, 3));
        reassignOk("orders", move(0, 2, 3, 4));
        int leaderEpoch = orders().leaderEpoch();

        AlterPartitionResult result = leaderProposes("orders", 1, 2, 3, 4);

        PartitionRegistration done = orders();
        assertThat(done.replicas()).containsExactly(2, 3, 4);
        assertThat(done.isr()).containsExactly(2, 3, 4);
        assertThat(done.addingReplicas()).isEmpty();
        assertThat(done.removingReplicas()).isEmpty();
        assertThat(done.leader()).as("the first target replica in the ISR takes over from removed 1").isEqualTo(2);
        assertThat(done.leaderEpoch()).isEqualTo(leaderEpoch + 1);
        assertThat(result.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(result.getLeaderId()).as("the old leader learns of its successor").isEqualTo(2);
        assertThat(result.getIsrList()).containsExactly(2, 3, 4);
        // One record did the catch-up and the completion.
        assertThat(fixture.log.get(fixture.log.size() - 1).getPartitionChange().getReplicas().getValuesList())
                .containsExactly(2, 3, 4);
    }

    @Test
    void aLeaderThatStaysInTheTargetKeepsLeading() {
        createTopic("orders", List.of(1, 2, 3));
        reassignOk("orders", move(0, 1, 2, 4));
        int leaderEpoch = orders().leaderEpoch();

        leaderProposes("orders", 1, 2, 3, 4);

        assertThat(orders().replicas()).containsExactly(1, 2, 4);
        assertThat(orders().isr()).containsExactly(1, 2, 4);
        assertThat(orders().leader()).isEqualTo(1);
        assertThat(orders().leaderEpoch()).isEqualTo(leaderEpoch);
    }

    @Test
    void replicationFactorOneToThreeCompletesOnlyWhenEveryNewReplicaIsInSync() {
        createTopic("orders", List.of(1));
        reassignOk("orders", move(0, 1, 2, 3));
        assertThat(orders().replicas()).containsExactly(1, 2, 3);
        assertThat(orders().addingReplicas()).containsExactly(2, 3);
        assertThat(orders().removingReplicas()).isEmpty();

        leaderProposes("orders", 1, 2);
        assertThat(orders().isr()).containsExactly(1, 2);
        assertThat(orders().isReassigning()).as("3 has not caught up yet").isTrue();
        assertThat(orders().addingReplicas()).containsExactly(2, 3);

        leaderProposes("orders", 1, 2, 3);
        assertThat(orders().isReassigning()).isFalse();
        assertThat(orders().replicas()).containsExactly(1, 2, 3);
        assertThat(orders().isr()).containsExactly(1, 2, 3);
        assertThat(orders().leader()).isEqualTo(1);
    }

    @Test
    void replicationFactorThreeToTwoCompletesAtOnceWhenTheTargetIsInSync() {
        createTopic("orders", List.of(1, 2, 3));

        reassignOk("orders", move(0, 2, 3));

        assertThat(orders().isReassigning()).isFalse();
        assertThat(orders().replicas()).containsExactly(2, 3);
        assertThat(orders().isr()).containsExactly(2, 3);
        assertThat(orders().leader()).isEqualTo(2);
        assertThat(fixture.logic.listPartitionReassignments(fixture.image,
                ListPartitionReassignmentsRequest.getDefaultInstance()).getTopicsList()).isEmpty();
    }

    @Test
    void aShrinkWaitsForATargetReplicaThatIsOutOfSync() {
        createTopic("orders", List.of(1, 2, 3));
        leaderProposes("orders", 1, 2);

        reassignOk("orders", move(0, 2, 3));
        assertThat(orders().replicas()).containsExactly(2, 3, 1);
        assertThat(orders().removingReplicas()).containsExactly(1);
        assertThat(orders().addingReplicas()).isEmpty();
        assertThat(orders().leader()).as("1 keeps leading until 3 is back in sync").isEqualTo(1);

        leaderProposes("orders", 1, 2, 3);
        assertThat(orders().replicas()).containsExactly(2, 3);
        assertThat(orders().isr()).containsExactly(2, 3);
        assertThat(orders().leader()).isEqualTo(2);
    }

    @Test
    void aReorderChangesThePreferredLeaderAndNothingElse() {
        createTopic("orders", List.of(1, 2, 3));

        reassignOk("orders", move(0, 3, 2, 1));

        assertThat(orders().replicas()).containsExactly(3, 2, 1);
        assertThat(orders().isReassigning()).isFalse();
        assertThat(orders().leader()).isEqualTo(1);
        assertThat(orders().preferredLeader()).isEqualTo(3);
    }

    @Test
    void theSameTargetAgainWritesNothing() {
        createTopic("orders", List.of(1, 2, 3));
        int records = fixture.log.size();

        reassignOk("orders", move(0, 1, 2, 3));

        assertThat(fixture.log).hasSize(records);
    }

    @Test
    void aLeaderStoppingMidMoveHandsOverWithinTheReplicasAndTheMoveGoesOn() {
        // 1 leads and is being removed; 4 caught up, 3 has not; then 1 shuts down.
        createTopic("orders", List.of(1, 2, 3));
        reassignOk("orders", move(0, 2, 3, 4));
        // 4 joins while 3 is out of sync: the move waits for 3.
        leaderProposes("orders", 1, 2, 4);
        assertThat(orders().isReassigning()).isTrue();

        fixture.heartbeat(1, fixture.image.offset(), true);

        assertThat(orders().leader()).isEqualTo(2);
        assertThat(orders().isReassigning()).as("3 is still out of sync").isTrue();
        leaderProposes("orders", 2, 4, 3);
        assertThat(orders().isReassigning()).isFalse();
        assertThat(orders().replicas()).containsExactly(2, 3, 4);
        assertThat(orders().isr()).containsExactly(2, 4, 3);
    }

    // ---------------------------------------------------------------- replace and cancel

    @Test
    void aNewTargetReplacesTheMoveInProgress() {
        createTopic("orders", List.of(1, 2, 3));
        reassignOk("orders", move(0, 2, 3, 4));

        reassignOk("orders", move(0, 2, 3, 5));

        assertThat(orders().replicas()).containsExactly(2, 3, 5, 4, 1);
        assertThat(orders().addingReplicas()).containsExactly(5);
        assertThat(orders().removingReplicas()).as("4 was only being added").containsExactly(4, 1);
    }

    @Test
    void aReplacementThatKeepsAReplicaBeingAddedStillCountsItAsAdding() {
        createTopic("orders", List.of(1, 2, 3));
        reassignOk("orders", move(0, 2, 3, 4));

        reassignOk("orders", move(0, 2, 3, 4, 5));

        assertThat(orders().replicas()).containsExactly(2, 3, 4, 5, 1);
        assertThat(orders().addingReplicas()).as("4 has not caught up either").containsExactly(4, 5);
        assertThat(orders().removingReplicas()).containsExactly(1);
        reassignOk("orders", cancel(0));
        assertThat(orders().replicas()).as("the cancel removes both").containsExactly(2, 3, 1);
    }

    @Test
    void cancellingRevertsToTheOriginalReplicasAndDropsTheNewOnesFromTheIsr() {
        createTopic("orders", List.of(1, 2, 3));
        reassignOk("orders", move(0, 4, 5, 2));
        leaderProposes("orders", 1, 2, 3, 4);
        assertThat(orders().isReassigning()).isTrue();

        reassignOk("orders", cancel(0));

        assertThat(orders().isReassigning()).isFalse();
        assertThat(orders().replicas()).as("current order, without the added ones").containsExactly(2, 1, 3);
        assertThat(orders().isr()).containsExactly(1, 2, 3);
        assertThat(orders().leader()).isEqualTo(1);
    }

    @Test
    void cancellingWhenOnlyNewReplicasAreInSyncNeedsUncleanElection() {
        createTopic("orders", List.of(1, 2));
        reassignOk("orders", move(0, 3, 4));
        leaderProposes("orders", 1, 2, 3);
        // 1 and 2 stop: 3, being added, is the only in-sync replica left and leads.
        fixture.heartbeat(1, fixture.image.offset(), true);
        fixture.heartbeat(2, fixture.image.offset(), true);
        assertThat(orders().leader()).isEqualTo(3);
        assertThat(orders().isr()).containsExactly(3);
        int records = fixture.log.size();

        ReassignablePartitionResult refused = reassignOne("orders", cancel(0));
        assertThat(refused.getError()).isEqualTo(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        assertThat(refused.getErrorMessage()).contains("orders-0", "unclean.leader.election.enable");
        assertThat(fixture.log).hasSize(records);

        // With unclean election allowed, and an original replica back, the cancel elects it alone.
        fixture.apply(fixture.logic.incrementalAlterConfigs(fixture.image, AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder().setType(ResourceType.TOPIC).setName("orders")
                        .addConfigs(AlterableConfig.newBuilder().setName("unclean.leader.election.enable")
                                .setOp(AlterConfigOp.SET).setValue("true"))).build(), fixture.ctx()));
        ReassignablePartitionResult noneEligible = reassignOne("orders", cancel(0));
        assertThat(noneEligible.getError()).isEqualTo(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);

        fixture.apply(fixture.logic.registerBroker(fixture.image, fixture.registration(2, null),
                ControllerFixture.CLUSTER_ID, fixture.nextOffset(), null, fixture.ctx()));
        fixture.brokerEpochs.put(2, fixture.image.cluster().broker(2).epoch());
        fixture.heartbeat(2, fixture.image.offset(), false);
        reassignOk("orders", cancel(0));
        assertThat(orders().replicas()).containsExactly(1, 2);
        assertThat(orders().isr()).containsExactly(2);
        assertThat(orders().leader()).isEqualTo(2);
    }

    @Test
    void cancellingWhatIsNotMovingIsNoReassignmentInProgress() {
        createTopic("orders", List.of(1, 2, 3));

        ReassignablePartitionResult result = reassignOne("orders", cancel(0));

        assertThat(result.getError()).isEqualTo(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
        assertThat(result.getErrorMessage()).contains("orders-0");
    }

    // ---------------------------------------------------------------- elections during a move

    @Test
    void anUncleanElectionPrefersOriginalReplicasOverOnesBeingAdded() {
        createTopic("orders", List.of(1, 2));
        reassignOk("orders", move(0, 3, 1));
        assertThat(orders().replicas()).containsExactly(3, 1, 2);
        leaderProposes("orders", 1);
        fixture.heartbeat(1, fixture.image.offset(), true);
        assertThat(orders().leader()).as("no clean candidate").isEqualTo(-1);

        var response = fixture.apply(fixture.logic.electLeaders(fixture.image, ElectLeadersRequest.newBuilder()
                .setElectionType(ElectionType.UNCLEAN).build(), fixture.ctx()));

        assertThat(response.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(orders().leader()).as("2 has the data; 3 is still being added").isEqualTo(2);
        assertThat(orders().isr()).containsExactly(2);
    }

    @Test
    void theAutomaticRebalanceLeavesPartitionsUnderReassignmentAlone() {
        createTopic("orders", List.of(1, 2, 3));
        reassignOk("orders", move(0, 2, 3, 4));
        int records = fixture.log.size();

        fixture.apply(fixture.logic.rebalanceLeaders(fixture.image, fixture.ctx()));

        assertThat(fixture.log).hasSize(records);
        assertThat(orders().leader()).isEqualTo(1);
    }

    @Test
    void newPartitionsGetTheTargetReplicationFactorWhilePartitionZeroMoves() {
        createTopic("orders", List.of(1, 2, 3));
        reassignOk("orders", move(0, 2, 3, 4, 5));
        assertThat(orders().replicas()).hasSize(5);

        var response = fixture.apply(fixture.logic.createPartitions(fixture.image, CreatePartitionsRequest.newBuilder()
                .addTopics(CreatePartitionsTopic.newBuilder().setName("orders").setCount(2)).build(), fixture.ctx()));

        assertThat(response.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fixture.partition("orders", 1).replicas()).hasSize(4);
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void badTargetsAreRefusedWithNamedErrorsAndWriteNothing() {
        createTopic("orders", List.of(1, 2, 3));
        int records = fixture.log.size();

        AlterPartitionReassignmentsResponse response = fixture.apply(fixture.logic.alterPartitionReassignments(
                fixture.image, AlterPartitionReassignmentsRequest.newBuilder()
                        .addTopics(ReassignableTopic.newBuilder().setName("orders")
                                .addPartitions(ReassignablePartition.newBuilder().setPartition(0)
                                        .setReplicas(ReplicaList.getDefaultInstance()))
                                .addPartitions(move(7, 1, 2)))
                        .addTopics(ReassignableTopic.newBuilder().setName("missing").addPartitions(move(0, 1)))
                        .build(), fixture.ctx()));

        assertThat(response.getTopics(0).getPartitions(0).getError()).isEqualTo(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        assertThat(response.getTopics(0).getPartitions(0).getErrorMessage()).contains("orders-0", "empty");
        assertThat(response.getTopics(0).getPartitions(1).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(response.getTopics(0).getPartitions(1).getErrorMessage()).contains("orders-7", "1 partitions");
        assertThat(response.getTopics(1).getPartitions(0).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(response.getTopics(1).getPartitions(0).getErrorMessage()).contains("'missing'");

        ReassignablePartitionResult twice = reassignOne("orders", move(0, 2, 3, 2));
        assertThat(twice.getError()).isEqualTo(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        assertThat(twice.getErrorMessage()).contains("broker 2 twice");
        ReassignablePartitionResult unregistered = reassignOne("orders", move(0, 2, 3, 9));
        assertThat(unregistered.getError()).isEqualTo(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        assertThat(unregistered.getErrorMessage()).contains("broker 9", "not registered");
        ReassignablePartitionResult negative = reassignOne("orders", move(0, -1));
        assertThat(negative.getError()).isEqualTo(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        assertThat(fixture.log).hasSize(records);
        assertThat(orders().replicas()).containsExactly(1, 2, 3);
    }

    @Test
    void conflictingEntriesForOnePartitionFailEveryOccurrence() {
        createTopic("orders", List.of(1, 2, 3));
        int records = fixture.log.size();

        AlterPartitionReassignmentsResponse response = reassign("orders", move(0, 2, 3, 4), move(0, 3, 4, 5));

        assertThat(response.getTopics(0).getPartitionsList()).extracting(ReassignablePartitionResult::getError)
                .containsExactly(ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST);
        assertThat(response.getTopics(0).getPartitions(0).getErrorMessage()).contains("orders-0", "more than once");
        assertThat(fixture.log).hasSize(records);
    }

    @Test
    void tooManyPartitionsInOneRequestFailTheWholeRequest() {
        createTopic("orders", List.of(1, 2, 3));
        List<ReassignablePartition> partitions = new ArrayList<>();
        for (int i = 0; i <= ControllerLimits.REASSIGNMENTS_PER_REQUEST_MAX; i++) {
            partitions.add(move(i, 1));
        }

        AlterPartitionReassignmentsResponse response = reassign("orders", partitions.toArray(new ReassignablePartition[0]));

        assertThat(response.getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(response.getErrorMessage()).contains("10001", "10000");
        assertThat(response.getTopicsList()).isEmpty();
    }

    // ---------------------------------------------------------------- list

    @Test
    void listShowsEveryMovingPartitionOrTheAskedOnes() {
        createTopic("orders", List.of(1, 2, 3));
        createTopic("payments", List.of(1, 2, 3));
        createTopic("still", List.of(1, 2, 3));
        reassignOk("orders", move(0, 2, 3, 4));
        reassignOk("payments", move(0, 1, 2, 3, 5));

        ListPartitionReassignmentsResponse all = fixture.logic.listPartitionReassignments(fixture.image,
                ListPartitionReassignmentsRequest.getDefaultInstance());
        assertThat(all.getTopicsList()).extracting(t -> t.getName()).containsExactly("orders", "payments");
        OngoingPartitionReassignment orders = all.getTopics(0).getPartitions(0);
        assertThat(orders.getReplicasList()).containsExactly(2, 3, 4, 1);
        assertThat(orders.getAddingReplicasList()).containsExactly(4);
        assertThat(orders.getRemovingReplicasList()).containsExactly(1);

        ListPartitionReassignmentsResponse asked = fixture.logic.listPartitionReassignments(fixture.image,
                ListPartitionReassignmentsRequest.newBuilder()
                        .addTopics(ListPartitionReassignmentsTopic.newBuilder().setName("payments").addPartitions(0))
                        .addTopics(ListPartitionReassignmentsTopic.newBuilder().setName("still")).build());
        assertThat(asked.getTopicsList()).extracting(t -> t.getName()).containsExactly("payments");

        ListPartitionReassignmentsResponse unknown = fixture.logic.listPartitionReassignments(fixture.image,
                ListPartitionReassignmentsRequest.newBuilder()
                        .addTopics(ListPartitionReassignmentsTopic.newBuilder().setName("orders").addPartitions(3)).build());
        assertThat(unknown.getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(unknown.getErrorMessage()).contains("orders-3");
    }
}
