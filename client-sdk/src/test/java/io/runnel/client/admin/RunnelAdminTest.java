package io.runnel.client.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.client.PartitionInfo;
import io.runnel.client.testing.FakeBroker;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Admin calls against the fake cluster, and how per-item errors surface. */
class RunnelAdminTest {

    private FakeBroker broker;
    private RunnelAdmin admin;

    @BeforeEach
    void start() throws Exception {
        broker = FakeBroker.start(3);
        admin = new RunnelAdmin(Map.of("bootstrap.servers", broker.bootstrap(), "retry.backoff.ms", "10"));
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
        broker.close();
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    private static ApiException failure(CompletableFuture<?> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ApiException.class);
            return (ApiException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void createListDescribeAndDeleteTopics() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("orders", 3, (short) 2, Map.of("retention.ms", "1000")),
                new NewTopic("payments", 1, (short) 1))).all());
        assertThat(get(admin.listTopics().names())).containsExactly("orders", "payments");
        assertThat(broker.topicConfigs("orders")).containsEntry("retention.ms", "1000");

        TopicDescription orders = get(admin.describeTopics(List.of("orders")).value("orders"));
        assertThat(orders.partitions()).hasSize(3);
        PartitionInfo p1 = orders.partitions().get(1);
        assertThat(p1.partition()).isEqualTo(1);
        assertThat(p1.leader().id()).isEqualTo(1);
        assertThat(p1.replicas()).extracting(n -> n.id()).containsExactly(1, 2);
        assertThat(p1.inSyncReplicas()).extracting(n -> n.id()).containsExactly(1, 2);
        assertThat(orders.topicId()).isNotEmpty();

        get(admin.deleteTopics(List.of("payments")).all());
        assertThat(get(admin.listTopics().names())).containsExactly("orders");
    }

    @Test
    void perTopicErrorsCarryTheCodeAndTheServersMessage() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all());
        AdminResult<String, Void> result = admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1),
                new NewTopic("fresh", 1, (short) 1), new NewTopic("bad/name", 1, (short) 1),
                new NewTopic("wide", 1, (short) 5)));
        ApiException exists = failure(result.value("orders"));
        assertThat(exists.code()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);
        assertThat(exists.getMessage()).isEqualTo("topic 'orders' already exists");
        assertThat(get(result.value("fresh"))).isNull();
        assertThat(failure(result.value("bad/name")).code()).isEqualTo(ErrorCode.INVALID_TOPIC_EXCEPTION);
        assertThat(failure(result.value("wide")).code()).isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR);
        assertThat(failure(result.all()).code()).isIn(ErrorCode.TOPIC_ALREADY_EXISTS,
                ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_REPLICATION_FACTOR);

        assertThat(failure(admin.deleteTopics(List.of("ghost")).all()).code())
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        ApiException unknown = failure(admin.describeTopics(List.of("ghost")).value("ghost"));
        assertThat(unknown.code()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(unknown.getMessage()).contains("ghost");
    }

    @Test
    void validateOnlyCreatesNothing() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("dry", 2, (short) 1)), true).all());
        assertThat(broker.topicExists("dry")).isFalse();
    }

    @Test
    void partitionsOnlyIncrease() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("orders", 2, (short) 1))).all());
        get(admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(4))).all());
        assertThat(get(admin.describeTopics(List.of("orders")).value("orders")).partitions()).hasSize(4);
        ApiException decrease = failure(admin.createPartitions(Map.of("orders", NewPartitions.increaseTo(1))).all());
        assertThat(decrease.code()).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(decrease.getMessage()).contains("orders");
    }

    @Test
    void describeAndIncrementallyAlterTopicConfigs() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all());
        ConfigResource orders = ConfigResource.topic("orders");
        Config before = get(admin.describeConfigs(List.of(orders)).value(orders));
        assertThat(before.get("retention.ms").isDefault()).isTrue();

        get(admin.incrementalAlterConfigs(Map.of(orders, List.of(AlterConfigOp.set("retention.ms", "5000"),
                AlterConfigOp.set("cleanup.policy", "compact")))).all());
        Config after = get(admin.describeConfigs(List.of(orders)).value(orders));
        assertThat(after.get("retention.ms").value()).isEqualTo("5000");
        assertThat(after.get("retention.ms").source()).isEqualTo("DYNAMIC_TOPIC_CONFIG");

        get(admin.incrementalAlterConfigs(Map.of(orders, List.of(AlterConfigOp.delete("retention.ms")))).all());
        assertThat(get(admin.describeConfigs(List.of(orders)).value(orders)).get("retention.ms").value())
                .isEqualTo("604800000");

        ApiException invalid = failure(admin.incrementalAlterConfigs(Map.of(orders,
                List.of(AlterConfigOp.set("retention.ms", "soon")))).all());
        assertThat(invalid.code()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(invalid.getMessage()).contains("retention.ms").contains("soon");
        assertThat(failure(admin.describeConfigs(List.of(ConfigResource.topic("ghost"))).all()).code())
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void deleteRecordsMovesTheLowWatermark() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all());
        TopicPartition tp = new TopicPartition("orders", 0);
        io.runnel.common.record.RecordBatchBuilder builder = io.runnel.common.record.RecordBatchBuilder.spec()
                .newBuilder();
        for (int i = 0; i < 3; i++) {
            builder.append(1000L, (byte[]) null, new byte[] {(byte) i}, null);
        }
        broker.append(tp, builder.build());
        assertThat(get(admin.deleteRecords(Map.of(tp, 2L)).value(tp))).isEqualTo(2L);
        assertThat(failure(admin.deleteRecords(Map.of(tp, 50L)).value(tp)).code())
                .isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
    }

    @Test
    void describeClusterListsBrokersAndQuorum() throws Exception {
        ClusterDescription cluster = get(admin.describeCluster(true));
        assertThat(cluster.clusterId()).isEqualTo("fake-cluster");
        assertThat(cluster.nodes()).extracting(n -> n.id()).containsExactly(0, 1, 2);
        assertThat(cluster.nodes().get(1).port()).isEqualTo(broker.port(1));
        assertThat(cluster.controllers()).hasSize(1);
        assertThat(cluster.controllers().get(0).active()).isTrue();
    }

    @Test
    void electLeadersReportsEachPartition() throws Exception {
        get(admin.createTopics(List.of(new NewTopic("orders", 2, (short) 2))).all());
        TopicPartition p0 = new TopicPartition("orders", 0);
        TopicPartition p1 = new TopicPartition("orders", 1);
        broker.moveLeader(p0, 1);
        Map<TopicPartition, Optional<ApiException>> results = get(admin.electLeaders(Admin.ElectionType.PREFERRED,
                Set.of(p0, p1)));
        assertThat(results.get(p0)).isEmpty();
        assertThat(results.get(p1)).get().extracting(ApiException::code).isEqualTo(ErrorCode.ELECTION_NOT_NEEDED);
        assertThat(get(admin.describeTopics(List.of("orders")).value("orders")).partitions().get(0).leader().id())
                .isZero();
        assertThat(get(admin.electLeaders(Admin.ElectionType.PREFERRED, Set.of()))).containsKeys(p0, p1);
    }

    @Test
    void anUnreachableClusterFailsAfterTheApiTimeout() throws Exception {
        try (RunnelAdmin lost = new RunnelAdmin(Map.of("bootstrap.servers", "127.0.0.1:1",
                "default.api.timeout.ms", "300", "request.timeout.ms", "100", "retry.backoff.ms", "20"))) {
            ApiException error = failure(lost.listTopics().names());
            assertThat(error.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
            assertThat(error.getMessage()).contains("NETWORK_EXCEPTION");
        }
    }

    @Test
    void callsAfterCloseFail() {
        admin.close();
        assertThat(failure(admin.listTopics().names()).getMessage()).contains("closed");
    }

    @Test
    void aRetriableWholeCallErrorIsRetried() throws Exception {
        broker.failNextAdminCall(ErrorCode.NOT_CONTROLLER, "broker 0 lost the controller");
        get(admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all());
        assertThat(broker.topicExists("orders")).isTrue();
    }

    @Test
    void aNonRetriableWholeCallErrorKeepsItsCodeAndMessage() {
        broker.failNextAdminCall(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "not allowed to create topics");
        ApiException error = failure(admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).value("orders"));
        assertThat(error.code()).isEqualTo(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
        assertThat(error.getMessage()).isEqualTo("not allowed to create topics");
        assertThat(broker.topicExists("orders")).isFalse();
    }
}
