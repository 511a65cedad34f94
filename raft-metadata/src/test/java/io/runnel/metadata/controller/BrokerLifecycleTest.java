package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.BrokerHeartbeatRequest;
import io.runnel.proto.BrokerHeartbeatResponse;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.Endpoint;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.RegisterBrokerRequest;
import io.runnel.proto.RegisterBrokerResponse;
import io.runnel.proto.ReplicaAssignment;
import io.runnel.proto.ResourceType;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BrokerLifecycleTest {

    private final ControllerFixture fixture = new ControllerFixture();

    private RegisterBrokerResponse register(RegisterBrokerRequest request) {
        return fixture.apply(fixture.logic.registerBroker(fixture.image, request, ControllerFixture.CLUSTER_ID,
                fixture.nextOffset(), fixture.tracker, fixture.ctx()));
    }

    /** Creates topic {@code name} with one partition on exactly these replicas, in this order. */
    private void createPlaced(String name, Integer... replicas) {
        fixture.createTopics(CreatableTopic.newBuilder().setName(name).setNumPartitions(-1).setReplicationFactor(-1)
                .addAssignments(ReplicaAssignment.newBuilder().setPartition(0).addAllBrokerIds(List.of(replicas)))
                .build());
        assertThat(fixture.partition(name, 0).replicas()).containsExactly(replicas);
    }

    private void expireAllBut(int... alive) {
        fixture.nowMs += ControllerFixture.SESSION_TIMEOUT_MS + 1;
        for (int id : alive) {
            fixture.heartbeat(id, fixture.image.offset(), false);
        }
        fixture.apply(fixture.logic.fenceStaleBrokers(fixture.image, fixture.tracker, fixture.ctx()));
    }

    @Test
    void registrationIsFencedUntilTheBrokerCatchesUp() {
        long offset = fixture.nextOffset();
        RegisterBrokerResponse registered = register(fixture.registration(1, "rack-a"));

        assertThat(registered.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(registered.getBrokerEpoch()).isEqualTo(offset);
        BrokerRegistration broker = fixture.image.cluster().broker(1);
        assertThat(broker.fenced()).isTrue();
        assertThat(broker.epoch()).isEqualTo(offset);
        assertThat(broker.rack()).contains("rack-a");
        assertThat(broker.endpoint("PLAINTEXT").orElseThrow().port()).isEqualTo(9001);
        assertThat(fixture.tracker.lastHeartbeatMs(1)).hasValue(fixture.nowMs);
        fixture.brokerEpochs.put(1, offset);

        BrokerHeartbeatResponse behind = fixture.heartbeat(1, offset - 1, false);
        assertThat(behind.getIsCaughtUp()).isFalse();
        assertThat(behind.getIsFenced()).isTrue();
        assertThat(fixture.image.cluster().broker(1).fenced()).isTrue();
        assertThat(fixture.tracker.appliedOffset(1)).isEqualTo(offset - 1);

        BrokerHeartbeatResponse caughtUp = fixture.heartbeat(1, offset, false);
        assertThat(caughtUp.getIsCaughtUp()).isTrue();
        assertThat(caughtUp.getIsFenced()).isFalse();
        assertThat(fixture.image.cluster().broker(1).fenced()).isFalse();
    }

    @Test
    void badRegistrationsAreRejectedNamingTheValue() {
        RegisterBrokerRequest good = fixture.registration(1, null);
        var wrongCluster = fixture.logic.registerBroker(fixture.image, good.toBuilder().setClusterId("other").build(),
                ControllerFixture.CLUSTER_ID, 1, fixture.ctx());
        assertThat(wrongCluster.records()).isEmpty();
        assertThat(wrongCluster.response().getError()).isEqualTo(ErrorCode.INCONSISTENT_CLUSTER_ID);
        assertThat(wrongCluster.response().getErrorMessage()).contains("'other'").contains("'test-cluster'");

        assertThat(register(good.toBuilder().setIncarnationId("nope").build()).getErrorMessage()).contains("'nope'");
        assertThat(register(good.toBuilder().setBrokerId(-3).build()).getError()).isEqualTo(ErrorCode.INVALID_REGISTRATION);
        assertThat(register(good.toBuilder().clearListeners().build()).getErrorMessage()).contains("no listener");
        assertThat(register(good.toBuilder().addListeners(good.getListeners(0)).build()).getErrorMessage())
                .contains("'PLAINTEXT' twice");
        assertThat(register(good.toBuilder().addListeners(Endpoint.newBuilder().setListener("X").setHost("h").setPort(70_000))
                .build()).getErrorMessage()).contains("h:70000");
        assertThat(fixture.image.cluster().brokers()).isEmpty();
    }

    @Test
    void anotherLiveIncarnationIsADuplicateButARestartAfterItsSessionIsNot() {
        fixture.addBrokers(1);
        RegisterBrokerRequest other = fixture.registration(1, null).toBuilder()
                .setIncarnationId(new UUID(7, 7).toString()).build();

        RegisterBrokerResponse duplicate = register(other);
        assertThat(duplicate.getError()).isEqualTo(ErrorCode.DUPLICATE_BROKER_REGISTRATION);
        assertThat(duplicate.getErrorMessage()).contains("broker 1");

        // The same incarnation may retry its registration; it gets a new epoch.
        long oldEpoch = fixture.image.cluster().broker(1).epoch();
        assertThat(register(fixture.registration(1, null)).getBrokerEpoch()).isGreaterThan(oldEpoch);

        fixture.nowMs += ControllerFixture.SESSION_TIMEOUT_MS + 1;
        RegisterBrokerResponse restarted = register(other);
        assertThat(restarted.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fixture.image.cluster().broker(1).incarnationId()).isEqualTo(new UUID(7, 7));
    }

    @Test
    void aFencedButLiveBrokerStillBlocksADuplicate() {
        fixture.addBrokers(1);
        fixture.apply(fixture.logic.brokerHeartbeat(fixture.image, BrokerHeartbeatRequest.newBuilder().setBrokerId(1)
                .setBrokerEpoch(fixture.brokerEpochs.get(1)).setCurrentMetadataOffset(fixture.image.offset())
                .setWantFence(true).build(), fixture.tracker, fixture.ctx()));
        assertThat(fixture.image.cluster().broker(1).fenced()).isTrue();

        RegisterBrokerResponse duplicate = register(fixture.registration(1, null).toBuilder()
                .setIncarnationId(new UUID(7, 7).toString()).build());

        assertThat(duplicate.getError()).isEqualTo(ErrorCode.DUPLICATE_BROKER_REGISTRATION);
    }

    @Test
    void aBrokerThatCompletedControlledShutdownIsReplacedAtOnce() {
        fixture.addBrokers(1);
        assertThat(fixture.heartbeat(1, fixture.image.offset(), true).getShouldShutDown()).isTrue();

        RegisterBrokerResponse restarted = register(fixture.registration(1, null).toBuilder()
                .setIncarnationId(new UUID(7, 7).toString()).build());

        assertThat(restarted.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fixture.image.cluster().broker(1).inControlledShutdown()).isFalse();
        assertThat(fixture.image.cluster().broker(1).fenced()).isTrue();
    }

    @Test
    void aNewControllersFreshSessionsDoNotBlockARestartedBroker() {
        fixture.addBrokers(1);
        fixture.tracker.resetAll(List.of(1), fixture.nowMs);
        RegisterBrokerRequest other = fixture.registration(1, null).toBuilder()
                .setIncarnationId(new UUID(7, 7).toString()).build();

        assertThat(register(other).getError()).isEqualTo(ErrorCode.NONE);
    }

    @Test
    void reRegistrationTakesTheOldIncarnationOutOfLeadershipAndIsr() {
        fixture.addBrokers(1, 2);
        createPlaced("orders", 1, 2);

        register(fixture.registration(1, null));

        PartitionRegistration p0 = fixture.partition("orders", 0);
        assertThat(p0.leader()).isEqualTo(2);
        assertThat(p0.isr()).containsExactly(2);
        assertThat(p0.leaderEpoch()).isEqualTo(1);
    }

    @Test
    void heartbeatErrors() {
        fixture.addBrokers(1);
        var unknown = fixture.logic.brokerHeartbeat(fixture.image, BrokerHeartbeatRequest.newBuilder().setBrokerId(9)
                .build(), fixture.tracker, fixture.ctx());
        assertThat(unknown.response().getError()).isEqualTo(ErrorCode.BROKER_ID_NOT_REGISTERED);
        var stale = fixture.logic.brokerHeartbeat(fixture.image, BrokerHeartbeatRequest.newBuilder().setBrokerId(1)
                .setBrokerEpoch(12345).build(), fixture.tracker, fixture.ctx());
        assertThat(stale.response().getError()).isEqualTo(ErrorCode.STALE_BROKER_EPOCH);
        assertThat(stale.response().getErrorMessage()).contains("12345");
        assertThat(stale.records()).isEmpty();
    }

    @Test
    void expiredBrokersAreFencedAndLeadersReElectedFromTheIsrInAssignmentOrder() {
        fixture.addBrokers(1, 2, 3, 4);
        createPlaced("orders", 1, 4, 3, 2);
        createPlaced("payments", 2, 3);

        fixture.nowMs += 5_000;
        fixture.heartbeat(2, fixture.image.offset(), false);
        fixture.heartbeat(3, fixture.image.offset(), false);
        fixture.heartbeat(4, fixture.image.offset(), false);
        fixture.nowMs += 5_000;
        assertThat(fixture.tracker.expired(fixture.nowMs)).containsExactly(1);
        var result = fixture.logic.fenceStaleBrokers(fixture.image, fixture.tracker, fixture.ctx());
        assertThat(result.records().get(0).getRecordCase()).isEqualTo(MetadataRecord.RecordCase.FENCE_BROKER);
        fixture.apply(result);

        assertThat(fixture.image.cluster().broker(1).fenced()).isTrue();
        PartitionRegistration orders = fixture.partition("orders", 0);
        assertThat(orders.leader()).isEqualTo(4);
        assertThat(orders.isr()).containsExactly(4, 3, 2);
        assertThat(orders.leaderEpoch()).isEqualTo(1);
        assertThat(orders.partitionEpoch()).isEqualTo(1);
        PartitionRegistration payments = fixture.partition("payments", 0);
        assertThat(payments.leaderEpoch()).isZero();
        assertThat(payments.partitionEpoch()).isZero();

        // Already fenced: nothing more to write.
        fixture.nowMs += 1;
        assertThat(fixture.logic.fenceStaleBrokers(fixture.image, fixture.tracker, fixture.ctx()).records()).isEmpty();
    }

    @Test
    void theLastIsrMemberStaysOnRecordAndThePartitionWaitsForIt() {
        fixture.addBrokers(1, 2);
        createPlaced("orders", 1, 2);
        fixture.apply(fixture.logic.alterPartition(fixture.image, AlterPartitionTest.shrink(fixture, "orders", 1, 1),
                fixture.ctx()));
        assertThat(fixture.partition("orders", 0).isr()).containsExactly(1);

        expireAllBut(2);

        PartitionRegistration fenced = fixture.partition("orders", 0);
        assertThat(fenced.leader()).isEqualTo(PartitionRegistration.NO_LEADER);
        assertThat(fenced.isr()).containsExactly(1);

        // Broker 1 comes back: it is the ISR, so it leads again once unfenced.
        fixture.heartbeat(1, fixture.image.offset(), false);
        PartitionRegistration back = fixture.partition("orders", 0);
        assertThat(back.leader()).isEqualTo(1);
        assertThat(back.leaderEpoch()).isEqualTo(fenced.leaderEpoch() + 1);
    }

    @Test
    void uncleanElectionOnlyWhereTheTopicAllowsIt() {
        fixture.addBrokers(1, 2);
        createPlaced("safe", 1, 2);
        createPlaced("lossy", 1, 2);
        fixture.apply(fixture.logic.incrementalAlterConfigs(fixture.image, AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder().setType(ResourceType.TOPIC).setName("lossy")
                        .addConfigs(AlterableConfig.newBuilder().setName("unclean.leader.election.enable")
                                .setOp(AlterConfigOp.SET).setValue("true"))).build(), fixture.ctx()));
        for (String topic : List.of("safe", "lossy")) {
            fixture.apply(fixture.logic.alterPartition(fixture.image, AlterPartitionTest.shrink(fixture, topic, 1, 1),
                    fixture.ctx()));
        }

        expireAllBut(2);

        assertThat(fixture.partition("safe", 0).leader()).isEqualTo(PartitionRegistration.NO_LEADER);
        assertThat(fixture.partition("safe", 0).isr()).containsExactly(1);
        assertThat(fixture.partition("lossy", 0).leader()).isEqualTo(2);
        assertThat(fixture.partition("lossy", 0).isr()).containsExactly(2);
    }

    @Test
    void enablingUncleanElectionElectsLeaderlessPartitions() {
        fixture.addBrokers(1, 2);
        createPlaced("orders", 1, 2);
        fixture.apply(fixture.logic.alterPartition(fixture.image, AlterPartitionTest.shrink(fixture, "orders", 1, 1),
                fixture.ctx()));
        expireAllBut(2);
        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(PartitionRegistration.NO_LEADER);

        fixture.apply(fixture.logic.incrementalAlterConfigs(fixture.image, AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder().setType(ResourceType.TOPIC).setName("orders")
                        .addConfigs(AlterableConfig.newBuilder().setName("unclean.leader.election.enable")
                                .setOp(AlterConfigOp.SET).setValue("true"))).build(), fixture.ctx()));

        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(2);
        assertThat(fixture.partition("orders", 0).isr()).containsExactly(2);
    }

    @Test
    void uncleanDefaultComesFromTheClusterSettings() {
        fixture.clusterDefaults.put("unclean.leader.election.enable", "true");
        fixture.addBrokers(1, 2);
        createPlaced("orders", 1, 2);
        fixture.apply(fixture.logic.alterPartition(fixture.image, AlterPartitionTest.shrink(fixture, "orders", 1, 1),
                fixture.ctx()));

        expireAllBut(2);

        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(2);
    }

    @Test
    void controlledShutdownMovesLeadershipAwayThenAllowsShutdown() {
        fixture.addBrokers(1, 2, 3);
        createPlaced("orders", 1, 2, 3);
        createPlaced("payments", 3, 1);

        BrokerHeartbeatResponse response = fixture.heartbeat(1, fixture.image.offset(), true);

        assertThat(response.getShouldShutDown()).isTrue();
        assertThat(response.getIsFenced()).isTrue();
        BrokerRegistration broker = fixture.image.cluster().broker(1);
        assertThat(broker.inControlledShutdown()).isTrue();
        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(2);
        assertThat(fixture.partition("orders", 0).isr()).containsExactly(2, 3);
        assertThat(fixture.partition("payments", 0).leader()).isEqualTo(3);
        assertThat(fixture.partition("payments", 0).isr()).containsExactly(3);

        long offset = fixture.image.offset();
        BrokerHeartbeatResponse again = fixture.heartbeat(1, offset, true);
        assertThat(again.getShouldShutDown()).isTrue();
        assertThat(fixture.image.offset()).isEqualTo(offset);
        // A broker in controlled shutdown is not unfenced by a later heartbeat.
        assertThat(fixture.heartbeat(1, offset, false).getIsFenced()).isTrue();
    }

    @Test
    void wantFenceFencesTheBroker() {
        fixture.addBrokers(1, 2);
        createPlaced("orders", 1, 2);

        BrokerHeartbeatResponse response = fixture.apply(fixture.logic.brokerHeartbeat(fixture.image,
                BrokerHeartbeatRequest.newBuilder().setBrokerId(1).setBrokerEpoch(fixture.brokerEpochs.get(1))
                        .setCurrentMetadataOffset(fixture.image.offset()).setWantFence(true).build(),
                fixture.tracker, fixture.ctx()));

        assertThat(response.getIsFenced()).isTrue();
        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(2);
    }

    @Test
    void trackerSessions() {
        BrokerHeartbeatTracker tracker = new BrokerHeartbeatTracker(100);
        tracker.touch(1, 5, 1_000, 7);
        tracker.touch(2, 6, 1_050, 8);
        assertThat(tracker.expired(1_100)).isEmpty();
        assertThat(tracker.expired(1_101)).containsExactly(1);
        assertThat(tracker.hasValidSession(2, 1_101)).isTrue();
        assertThat(tracker.appliedOffset(2)).isEqualTo(8);
        assertThat(tracker.appliedOffset(3)).isEqualTo(-1);

        tracker.resetAll(List.of(1, 2, 3), 5_000);
        assertThat(tracker.expired(5_100)).isEmpty();
        assertThat(tracker.expired(5_101)).containsExactly(1, 2, 3);
        assertThat(tracker.lastHeartbeatMs(3)).hasValue(5_000);
        assertThat(tracker.appliedOffset(1)).isEqualTo(7);
        assertThat(tracker.hasValidSession(1, 5_000)).isFalse();
        tracker.touch(2, 6, 5_050, 9);
        tracker.endSession(2);
        assertThat(tracker.hasValidSession(2, 5_060)).isFalse();
        assertThat(tracker.lastHeartbeatMs(2)).hasValue(5_050);
        tracker.remove(3);
        assertThat(tracker.lastHeartbeatMs(3)).isEmpty();
        assertThatThrownBy(() -> new BrokerHeartbeatTracker(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
