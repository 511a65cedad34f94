package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.AlterPartitionData;
import io.runnel.proto.AlterPartitionRequest;
import io.runnel.proto.AlterPartitionResponse;
import io.runnel.proto.AlterPartitionResult;
import io.runnel.proto.AlterPartitionTopic;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReplicaAssignment;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AlterPartitionTest {

    private final ControllerFixture fixture = new ControllerFixture();

    /** A request from the current leader of partition 0 of {@code topic}, with its current epochs, setting this ISR. */
    static AlterPartitionRequest shrink(ControllerFixture fixture, String topic, int leader, Integer... isr) {
        PartitionRegistration current = fixture.partition(topic, 0);
        return request(fixture, leader, topic, current.leaderEpoch(), current.partitionEpoch(), isr);
    }

    static AlterPartitionRequest request(ControllerFixture fixture, int broker, String topic, int leaderEpoch,
                                         int partitionEpoch, Integer... isr) {
        return AlterPartitionRequest.newBuilder().setBrokerId(broker).setBrokerEpoch(fixture.brokerEpochs.get(broker))
                .addTopics(AlterPartitionTopic.newBuilder().setTopic(topic).addPartitions(AlterPartitionData.newBuilder()
                        .setPartition(0).setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch)
                        .addAllNewIsr(List.of(isr)))).build();
    }

    private AlterPartitionResult alter(AlterPartitionRequest request) {
        AlterPartitionResponse response = fixture.apply(fixture.logic.alterPartition(fixture.image, request, fixture.ctx()));
        assertThat(response.getError()).isEqualTo(ErrorCode.NONE);
        return response.getTopics(0).getPartitions(0);
    }

    @BeforeEach
    void threeReplicas() {
        fixture.addBrokers(1, 2, 3, 4);
        fixture.createTopics(CreatableTopic.newBuilder().setName("orders").setNumPartitions(-1).setReplicationFactor(-1)
                .addAssignments(ReplicaAssignment.newBuilder().setPartition(0).addAllBrokerIds(List.of(1, 2, 3))).build());
    }

    @Test
    void theLeaderShrinksAndExpandsTheIsrWithCurrentEpochs() {
        AlterPartitionResult shrunk = alter(request(fixture, 1, "orders", 0, 0, 1, 2));
        assertThat(shrunk.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(shrunk.getIsrList()).containsExactly(1, 2);
        assertThat(shrunk.getPartitionEpoch()).isEqualTo(1);
        assertThat(shrunk.getLeaderEpoch()).isZero();
        assertThat(shrunk.getLeaderId()).isEqualTo(1);
        assertThat(fixture.partition("orders", 0).isr()).containsExactly(1, 2);

        AlterPartitionResult expanded = alter(request(fixture, 1, "orders", 0, 1, 1, 2, 3));
        assertThat(expanded.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(expanded.getPartitionEpoch()).isEqualTo(2);
        assertThat(fixture.partition("orders", 0).isr()).containsExactly(1, 2, 3);
    }

    @Test
    void staleEpochsAreRejected() {
        alter(request(fixture, 1, "orders", 0, 0, 1, 2));

        assertThat(alter(request(fixture, 1, "orders", 0, 0, 1)).getError()).isEqualTo(ErrorCode.INVALID_UPDATE_VERSION);
        AlterPartitionResult fenced = alter(request(fixture, 1, "orders", 7, 1, 1));
        assertThat(fenced.getError()).isEqualTo(ErrorCode.FENCED_LEADER_EPOCH);
        assertThat(fenced.getLeaderEpoch()).isZero();
        assertThat(fenced.getIsrList()).containsExactly(1, 2);
        assertThat(fixture.partition("orders", 0).partitionEpoch()).isEqualTo(1);
    }

    @Test
    void onlyTheLeaderMayAlter() {
        assertThat(alter(request(fixture, 2, "orders", 0, 0, 2)).getError()).isEqualTo(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void ineligibleReplicasCannotJoin() {
        assertThat(alter(request(fixture, 1, "orders", 0, 0, 1, 4)).getError()).isEqualTo(ErrorCode.INELIGIBLE_REPLICA);

        alter(request(fixture, 1, "orders", 0, 0, 1, 2));
        fixture.heartbeat(3, fixture.image.offset(), true);
        assertThat(fixture.image.cluster().broker(3).fenced()).isTrue();
        assertThat(alter(request(fixture, 1, "orders", 0, 1, 1, 2, 3)).getError()).isEqualTo(ErrorCode.INELIGIBLE_REPLICA);
    }

    @Test
    void aFencedBrokerIsRejectedFromTheIsr() {
        // Broker 2 asks to be fenced; the fencing itself takes it out of the ISR at a new partition epoch.
        fixture.apply(fixture.logic.brokerHeartbeat(fixture.image, io.runnel.proto.BrokerHeartbeatRequest.newBuilder()
                .setBrokerId(2).setBrokerEpoch(fixture.brokerEpochs.get(2)).setCurrentMetadataOffset(fixture.image.offset())
                .setWantFence(true).build(), fixture.tracker, fixture.ctx()));
        PartitionRegistration current = fixture.partition("orders", 0);
        assertThat(current.isr()).containsExactly(1, 3);

        AlterPartitionResult result = alter(request(fixture, 1, "orders", current.leaderEpoch(), current.partitionEpoch(), 1, 2));
        assertThat(result.getError()).isEqualTo(ErrorCode.INELIGIBLE_REPLICA);
        assertThat(result.getIsrList()).containsExactly(1, 3);
    }

    @Test
    void malformedIsrsAndUnknownPartitions() {
        assertThat(alter(request(fixture, 1, "orders", 0, 0)).getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(alter(request(fixture, 1, "orders", 0, 0, 2, 3)).getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(alter(request(fixture, 1, "orders", 0, 0, 1, 1)).getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(alter(request(fixture, 1, "ghost", 0, 0, 1)).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void brokerEpochIsChecked() {
        AlterPartitionRequest request = request(fixture, 1, "orders", 0, 0, 1).toBuilder().setBrokerEpoch(999).build();
        var result = fixture.logic.alterPartition(fixture.image, request, fixture.ctx());
        assertThat(result.response().getError()).isEqualTo(ErrorCode.STALE_BROKER_EPOCH);
        assertThat(result.records()).isEmpty();
        var unknown = fixture.logic.alterPartition(fixture.image, request.toBuilder().setBrokerId(77).build(), fixture.ctx());
        assertThat(unknown.response().getError()).isEqualTo(ErrorCode.BROKER_ID_NOT_REGISTERED);
    }

    @Test
    void unchangedIsrWritesNothing() {
        var result = fixture.logic.alterPartition(fixture.image, request(fixture, 1, "orders", 0, 0, 1, 2, 3), fixture.ctx());
        assertThat(result.records()).isEmpty();
        assertThat(result.response().getTopics(0).getPartitions(0).getError()).isEqualTo(ErrorCode.NONE);
    }
}
