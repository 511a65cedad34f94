package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.proto.AlterPartitionReassignmentsRequest;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReassignablePartition;
import io.runnel.proto.ReassignableTopic;
import io.runnel.proto.ReplicaAssignment;
import io.runnel.proto.ReplicaList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The automatic rebalance honours leader.imbalance.per.broker.percentage: a broker's partitions move back
 * to it only when the share of its preferred partitions it does not lead exceeds the percentage.
 * Leadership is put off the preferred replica by reordering replicas (a reorder changes the preferred
 * replica, not the leader).
 */
class LeaderImbalanceTest {

    private final ControllerFixture fixture = new ControllerFixture();

    @BeforeEach
    void brokers() {
        fixture.addBrokers(1, 2, 3);
    }

    private void createTopic(String name, int partitions, Integer... replicas) {
        CreatableTopic.Builder topic = CreatableTopic.newBuilder().setName(name).setNumPartitions(-1).setReplicationFactor(-1);
        for (int p = 0; p < partitions; p++) {
            topic.addAssignments(ReplicaAssignment.newBuilder().setPartition(p).addAllBrokerIds(List.of(replicas)));
        }
        assertThat(fixture.createTopics(topic.build()).getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
    }

    /** Makes the second replica of each partition its preferred one, leaving the leader where it is. */
    private void reorder(String topic, int... partitions) {
        ReassignableTopic.Builder request = ReassignableTopic.newBuilder().setName(topic);
        for (int p : partitions) {
            List<Integer> replicas = fixture.partition(topic, p).replicas();
            request.addPartitions(ReassignablePartition.newBuilder().setPartition(p).setReplicas(
                    ReplicaList.newBuilder().addBrokerIds(replicas.get(1)).addBrokerIds(replicas.get(0))));
        }
        fixture.apply(fixture.logic.alterPartitionReassignments(fixture.image,
                AlterPartitionReassignmentsRequest.newBuilder().addTopics(request).build(), fixture.ctx()));
        for (int p : partitions) {
            assertThat(fixture.partition(topic, p).leader()).isNotEqualTo(fixture.partition(topic, p).preferredLeader());
        }
    }

    private void rebalance() {
        fixture.apply(fixture.logic.rebalanceLeaders(fixture.image, fixture.ctx()));
    }

    @Test
    void aBrokerNotLeadingTenPercentOfItsPartitionsIsLeftAloneByDefault() {
        createTopic("a", 20, 1, 2);
        createTopic("b", 18, 2, 1);
        reorder("a", 0, 1);
        // Broker 2 is now the preferred replica of 20 partitions and does not lead 2 of them: 10%, not above.

        rebalance();

        assertThat(fixture.partition("a", 0).leader()).isEqualTo(1);
        assertThat(fixture.partition("a", 1).leader()).isEqualTo(1);

        fixture.clusterDefaults.put(io.runnel.common.config.ServerSettings.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE.key(), "9");
        rebalance();

        assertThat(fixture.partition("a", 0).leader()).isEqualTo(2);
        assertThat(fixture.partition("a", 1).leader()).isEqualTo(2);
    }

    @Test
    void theThresholdIsPerBroker() {
        createTopic("a", 20, 1, 2);
        createTopic("b", 18, 2, 1);
        createTopic("c", 1, 1, 3);
        reorder("a", 0, 1);
        reorder("c", 0);
        // Broker 2: 2 of 20 not led (10%); broker 3: 1 of 1 (100%).

        rebalance();

        assertThat(fixture.partition("c", 0).leader()).isEqualTo(3);
        assertThat(fixture.partition("a", 0).leader()).isEqualTo(1);
        assertThat(fixture.partition("a", 1).leader()).isEqualTo(1);
    }

    @Test
    void zeroPercentMovesEveryPartitionBack() {
        createTopic("a", 20, 1, 2);
        createTopic("b", 18, 2, 1);
        reorder("a", 0);
        // Broker 2: 1 of 19 not led (about 5%).
        rebalance();
        assertThat(fixture.partition("a", 0).leader()).isEqualTo(1);

        fixture.clusterDefaults.put(io.runnel.common.config.ServerSettings.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE.key(), "0");
        rebalance();

        assertThat(fixture.partition("a", 0).leader()).isEqualTo(2);
    }
}
