package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.AllocateProducerIdsRequest;
import io.runnel.proto.AllocateProducerIdsResponse;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ElectLeadersResponse;
import io.runnel.proto.ElectionResult;
import io.runnel.proto.ElectionType;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReplicaAssignment;
import io.runnel.proto.TopicPartition;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElectLeadersAndProducerIdsTest {

    private final ControllerFixture fixture = new ControllerFixture();

    private void createPlaced(String name, Integer... replicas) {
        fixture.createTopics(CreatableTopic.newBuilder().setName(name).setNumPartitions(-1).setReplicationFactor(-1)
                .addAssignments(ReplicaAssignment.newBuilder().setPartition(0).addAllBrokerIds(List.of(replicas)))
                .build());
    }

    private ElectLeadersResponse elect(ElectionType type, String... topics) {
        ElectLeadersRequest.Builder request = ElectLeadersRequest.newBuilder().setElectionType(type);
        for (String topic : topics) {
            request.addPartitions(TopicPartition.newBuilder().setTopic(topic).setPartition(0));
        }
        return fixture.apply(fixture.logic.electLeaders(fixture.image, request.build(), fixture.ctx()));
    }

    /** Broker 1 shuts down and returns: then broker 2 leads partition 0 of "orders" [1, 2], with ISR [2, 1]. */
    private void moveLeadershipToTwo() {
        fixture.heartbeat(1, fixture.image.offset(), true);
        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(2);
        // A new incarnation of broker 1 registers and catches up; the leader lets it back into the ISR.
        fixture.apply(fixture.logic.registerBroker(fixture.image, fixture.registration(1, null), ControllerFixture.CLUSTER_ID,
                fixture.nextOffset(), fixture.tracker, fixture.ctx()));
        fixture.brokerEpochs.put(1, fixture.image.offset());
        fixture.heartbeat(1, fixture.image.offset(), false);
        fixture.apply(fixture.logic.alterPartition(fixture.image, AlterPartitionTest.shrink(fixture, "orders", 2, 2, 1),
                fixture.ctx()));
    }

    @Test
    void preferredElectionMovesLeadershipBackToTheFirstReplica() {
        fixture.addBrokers(1, 2);
        createPlaced("orders", 1, 2);
        moveLeadershipToTwo();
        PartitionRegistration before = fixture.partition("orders", 0);

        ElectLeadersResponse response = elect(ElectionType.PREFERRED, "orders");

        assertThat(response.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        PartitionRegistration after = fixture.partition("orders", 0);
        assertThat(after.leader()).isEqualTo(1);
        assertThat(after.leaderEpoch()).isEqualTo(before.leaderEpoch() + 1);
        assertThat(elect(ElectionType.PREFERRED, "orders").getResults(0).getError()).isEqualTo(ErrorCode.ELECTION_NOT_NEEDED);
    }

    @Test
    void preferredLeaderOutsideTheIsrIsNotAvailable() {
        fixture.addBrokers(1, 2);
        createPlaced("orders", 1, 2);
        fixture.heartbeat(1, fixture.image.offset(), true);

        ElectionResult result = elect(ElectionType.PREFERRED, "orders").getResults(0);

        assertThat(result.getError()).isEqualTo(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
        assertThat(result.getErrorMessage()).contains("preferred leader 1").contains("[2]");
    }

    @Test
    void uncleanElectionPicksALiveReplicaOutsideTheIsr() {
        fixture.addBrokers(1, 2);
        createPlaced("orders", 1, 2);
        fixture.apply(fixture.logic.alterPartition(fixture.image, AlterPartitionTest.shrink(fixture, "orders", 1, 1),
                fixture.ctx()));
        fixture.heartbeat(1, fixture.image.offset(), true);
        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(PartitionRegistration.NO_LEADER);

        assertThat(elect(ElectionType.UNCLEAN, "orders").getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(2);
        assertThat(fixture.partition("orders", 0).isr()).containsExactly(2);
        assertThat(elect(ElectionType.UNCLEAN, "orders").getResults(0).getError()).isEqualTo(ErrorCode.ELECTION_NOT_NEEDED);

        fixture.heartbeat(2, fixture.image.offset(), true);
        assertThat(elect(ElectionType.UNCLEAN, "orders").getResults(0).getError())
                .isEqualTo(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
    }

    @Test
    void unknownPartitionsAndElectionOfEveryPartition() {
        fixture.addBrokers(1);
        fixture.createTopic("orders", 2, 1);

        assertThat(elect(ElectionType.PREFERRED, "ghost").getResults(0).getError())
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        ElectLeadersResponse all = elect(ElectionType.PREFERRED);
        assertThat(all.getResultsList()).hasSize(2)
                .allSatisfy(r -> assertThat(r.getError()).isEqualTo(ErrorCode.ELECTION_NOT_NEEDED));
    }

    @Test
    void producerIdsComeInDisjointBlocks() {
        fixture.addBrokers(1, 2);
        AllocateProducerIdsRequest one = AllocateProducerIdsRequest.newBuilder().setBrokerId(1)
                .setBrokerEpoch(fixture.brokerEpochs.get(1)).build();
        AllocateProducerIdsRequest two = AllocateProducerIdsRequest.newBuilder().setBrokerId(2)
                .setBrokerEpoch(fixture.brokerEpochs.get(2)).build();

        AllocateProducerIdsResponse first = fixture.apply(fixture.logic.allocateProducerIds(fixture.image, one, fixture.ctx()));
        AllocateProducerIdsResponse second = fixture.apply(fixture.logic.allocateProducerIds(fixture.image, two, fixture.ctx()));

        assertThat(first.getProducerIdStart()).isZero();
        assertThat(first.getProducerIdLen()).isEqualTo(1000);
        assertThat(second.getProducerIdStart()).isEqualTo(1000);
        assertThat(fixture.image.producerIds().nextProducerId()).isEqualTo(2000);

        assertThat(fixture.logic.allocateProducerIds(fixture.image, one.toBuilder().setBrokerEpoch(5).build(), fixture.ctx())
                .response().getError()).isEqualTo(ErrorCode.STALE_BROKER_EPOCH);
        assertThat(fixture.logic.allocateProducerIds(fixture.image, one.toBuilder().setBrokerId(9).build(), fixture.ctx())
                .response().getError()).isEqualTo(ErrorCode.BROKER_ID_NOT_REGISTERED);
    }
}
