package io.runnel.client.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.client.PartitionInfo;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.PartitionReassignment;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.admin.TopicDescription;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's reassignment calls against an in-process cluster of one controller and five brokers (real
 * gRPC, Ratis, RocksDB and logs): a reassignment is accepted, listed with its adding and removing
 * replicas, and cancelled; a shrink completes at once. Broker 105 is stopped first: registered but
 * fenced, it can be a target that never catches up, so the moves to it stay in progress whether or
 * not follower replication copies data.
 */
class ReassignmentEndToEndTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static RunnelAdmin admin;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.of(dir, 1, 5, Map.of("auto.leader.rebalance.enable", "false")).start();
        cluster.stop(105);
        admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(30, TimeUnit.SECONDS);
    }

    private static ApiException failure(CompletableFuture<?> future) throws Exception {
        try {
            future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ApiException.class);
            return (ApiException) e.getCause();
        }
        throw new AssertionError("the call succeeded");
    }

    private static void createTopic(String name, List<Integer> replicas) throws Exception {
        get(admin.createTopics(List.of(new NewTopic(name, -1, (short) -1, Map.of(0, replicas), Map.of()))).all());
    }

    private static PartitionInfo describe(String topic) throws Exception {
        TopicDescription description = get(admin.describeTopics(List.of(topic)).value(topic));
        return description.partitions().get(0);
    }

    @Test
    void aReassignmentIsAcceptedListedWithItsMovingReplicasAndCancelled() throws Exception {
        createTopic("moves", List.of(101, 102, 103));
        TopicPartition tp = new TopicPartition("moves", 0);

        get(admin.alterPartitionReassignments(Map.of(tp, Optional.of(List.of(102, 103, 105)))).all());

        PartitionReassignment expected = new PartitionReassignment(List.of(102, 103, 105, 101), List.of(105), List.of(101));
        assertThat(get(admin.listPartitionReassignments())).containsEntry(tp, expected);
        assertThat(get(admin.listPartitionReassignments(Set.of(tp)))).containsExactly(Map.entry(tp, expected));
        assertThat(expected.targetReplicas()).containsExactly(102, 103, 105);
        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(describe("moves").replicas()).extracting(n -> n.id()).containsExactly(102, 103, 105, 101));
        assertThat(describe("moves").leader().id()).as("101 leads until the move completes").isEqualTo(101);

        ApiException unknown = failure(admin.listPartitionReassignments(Set.of(new TopicPartition("moves", 4))));
        assertThat(unknown.code()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(unknown.getMessage()).contains("moves-4");
        ApiException unregistered = failure(admin.alterPartitionReassignments(
                Map.of(tp, Optional.of(List.of(101, 999)))).value(tp));
        assertThat(unregistered.code()).isEqualTo(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
        assertThat(unregistered.getMessage()).contains("broker 999", "not registered");

        get(admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all());

        assertThat(get(admin.listPartitionReassignments())).doesNotContainKey(tp);
        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(describe("moves").replicas()).extracting(n -> n.id()).containsExactly(102, 103, 101));
        ApiException nothing = failure(admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).value(tp));
        assertThat(nothing.code()).isEqualTo(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
    }

    @Test
    void increasingTheReplicationFactorAddsReplicasThatMustCatchUp() throws Exception {
        createTopic("grow", List.of(101));
        TopicPartition tp = new TopicPartition("grow", 0);

        get(admin.alterPartitionReassignments(Map.of(tp, Optional.of(List.of(101, 102, 105)))).all());

        PartitionReassignment moving = get(admin.listPartitionReassignments(Set.of(tp))).get(tp);
        assertThat(moving.replicas()).containsExactly(101, 102, 105);
        assertThat(moving.addingReplicas()).containsExactly(102, 105);
        assertThat(moving.removingReplicas()).isEmpty();
        get(admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all());
        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(describe("grow").replicas()).extracting(n -> n.id()).containsExactly(101));
    }

    @Test
    void aShrinkCompletesAtOnceMovesLeadershipAndDeletesTheRemovedReplica() throws Exception {
        createTopic("shrinking", List.of(101, 102, 103));
        TopicPartition tp = new TopicPartition("shrinking", 0);
        await().atMost(PATIENCE).until(() -> cluster.node(101).logManager().orElseThrow().getLog(tp).isPresent());

        get(admin.alterPartitionReassignments(Map.of(tp, Optional.of(List.of(102, 103)))).all());

        assertThat(get(admin.listPartitionReassignments())).doesNotContainKey(tp);
        await().atMost(PATIENCE).untilAsserted(() -> {
            PartitionInfo partition = describe("shrinking");
            assertThat(partition.replicas()).extracting(n -> n.id()).containsExactly(102, 103);
            assertThat(partition.leader().id()).isEqualTo(102);
        });
        await().atMost(PATIENCE).untilAsserted(() ->
                assertThat(cluster.node(101).logManager().orElseThrow().getLog(tp)).as("101 left the replica set").isEmpty());
        assertThat(cluster.node(102).logManager().orElseThrow().getLog(tp)).isPresent();
    }
}
