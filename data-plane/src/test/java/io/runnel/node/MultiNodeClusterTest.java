package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.CreateTopicsResponse;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartition;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.FetchServiceGrpc;
import io.runnel.proto.FetchTopic;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicProduceData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three controllers (a Ratis quorum) and three brokers in one JVM on loopback: controller failover,
 * broker fencing with leader re-election, quorum loss, full restart, metadata convergence.
 */
class MultiNodeClusterTest {

    /**
     * Kafka's session length (9 s) with frequent heartbeats (500 ms): a live broker is fenced only after
     * 18 heartbeats in a row fail to arrive, which a loaded 2-core machine does not cause, while a killed
     * one is fenced well within a test's patience.
     */
    private static final Map<String, String> SESSIONS = Map.of(
            "broker.session.timeout.ms", "9000", "broker.heartbeat.interval.ms", "500", "request.timeout.ms", "8000",
            "controlled.shutdown.timeout.ms", "5000");

    @TempDir
    Path dir;

    private LocalCluster cluster;

    @BeforeEach
    void start() {
        cluster = LocalCluster.of(dir, 3, 3, SESSIONS).start();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private <T> T withBroker(int brokerId, Function<ManagedChannel, T> call) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.node(brokerId).port("PLAINTEXT").orElseThrow())
                .usePlaintext().build();
        try {
            return call.apply(channel);
        } finally {
            channel.shutdownNow();
        }
    }

    private CreateTopicsResponse createTopic(int viaBroker, String name, int partitions, int replicationFactor) {
        return withBroker(viaBroker, channel -> AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(8_000).addTopics(CreatableTopic.newBuilder()
                        .setName(name).setNumPartitions(partitions).setReplicationFactor(replicationFactor)).build()));
    }

    private MetadataImage image(int brokerId) {
        return cluster.node(brokerId).brokerImage().orElseThrow();
    }

    @Test
    void brokersConvergeOnTheSameMetadata() {
        assertThat(createTopic(101, "spread", 6, 3).getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        await().atMost(Duration.ofSeconds(20)).until(() -> image(101).offset() == image(102).offset()
                && image(102).offset() == image(103).offset() && image(101).topics().getTopic("spread") != null);
        TopicImage topic = image(101).topics().getTopic("spread");
        assertThat(image(102).topics().getTopic("spread").partitions()).isEqualTo(topic.partitions());
        assertThat(image(103).topics()).isEqualTo(image(101).topics());
        for (PartitionRegistration partition : topic.partitions().values()) {
            assertThat(partition.replicas()).hasSize(3).doesNotHaveDuplicates();
            assertThat(partition.leader()).isEqualTo(partition.replicas().get(0));
        }
        // Leadership is spread: each broker is the preferred leader of some partition.
        assertThat(topic.partitions().values().stream().map(PartitionRegistration::leader).distinct()).hasSize(3);
        // Each broker hosts a replica of every partition.
        for (int broker : List.of(101, 102, 103)) {
            assertThat(cluster.node(broker).replicaManager().orElseThrow().partitions()).hasSize(6);
        }
    }

    @Test
    void replicationFactorAboveLiveBrokersIsRejectedWithBothNumbers() {
        CreateTopicsResponse response = createTopic(101, "too-many", 1, 4);
        assertThat(response.getTopics(0).getError()).isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR);
        assertThat(response.getTopics(0).getErrorMessage()).contains("4").contains("3");
    }

    @Test
    void anotherControllerTakesOverWhenTheActiveOneIsKilled() {
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.activeControllerId().isPresent());
        int active = cluster.activeControllerId().getAsInt();
        cluster.kill(active);
        assertThat(createTopic(102, "after-failover", 2, 3).getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        // A surviving controller is active, and every survivor knows it as the Ratis leader, so leadership
        // really moved away from the killed node (which no longer counts among the running ones).
        List<Integer> survivors = cluster.controllerIds().stream().filter(id -> id != active).toList();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            int newActive = cluster.activeControllerId().orElseThrow(() -> new AssertionError("no active controller"));
            assertThat(newActive).isIn(survivors);
            for (int survivor : survivors) {
                assertThat(cluster.node(survivor).controller().orElseThrow().leaderId()).as("leader known to %d", survivor)
                        .hasValue(newActive);
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> image(103).topics().getTopic("after-failover") != null);

        // The killed controller comes back and catches up from its log (and snapshot).
        cluster.start(active);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(active).controller().orElseThrow()
                .currentImage().topics().getTopic("after-failover") != null);
    }

    @Test
    void aBrokerThatStopsHeartbeatingIsFencedAndItsPartitionsGetNewLeaders() {
        createTopic(101, "fenced", 3, 3);
        await().atMost(Duration.ofSeconds(20)).until(() -> image(102).topics().getTopic("fenced") != null);
        cluster.kill(101);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            MetadataImage image = image(102);
            return image.cluster().broker(101).fenced() && image.topics().getTopic("fenced").partitions().values()
                    .stream().allMatch(p -> p.leader() != 101 && p.leader() >= 0);
        });
        for (PartitionRegistration partition : image(102).topics().getTopic("fenced").partitions().values()) {
            assertThat(partition.isr()).doesNotContain(101);
            assertThat(partition.isr()).contains(partition.leader());
        }
        // It restarts with a new incarnation, registers cleanly and is unfenced again.
        cluster.start(101);
        await().atMost(Duration.ofSeconds(30)).until(() -> !image(102).cluster().broker(101).fenced());
    }

    @Test
    void withTheQuorumLostAdminRequestsFailNamingItAndBrokersKeepServing() {
        assertThat(createTopic(101, "steady", 1, 1).getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        await().atMost(Duration.ofSeconds(20)).until(() -> image(101).topics().getTopic("steady") != null);
        int leader = image(101).topics().getTopic("steady").partition(0).leader();

        cluster.stop(1);
        cluster.stop(2);
        // The server's answer (REQUEST_TIMED_OUT naming the quorum, after request.timeout.ms=8000)
        // arrives before the client's own 30 s deadline would end the call with DEADLINE_EXCEEDED.
        assertThatThrownBy(() -> createTopic(leader, "impossible", 1, 1))
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> {
                    assertThat(GrpcErrors.errorCode(e)).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
                    assertThat(e.getMessage()).contains("quorum");
                });

        // The partition's leadership did not change, so its leader still takes and serves records.
        byte[] value = "still here".getBytes(StandardCharsets.UTF_8);
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        builder.append(System.currentTimeMillis(), null, value, new Header[0]);
        ErrorCode appended = withBroker(leader, channel -> ProduceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .produce(ProduceRequest.newBuilder().setAcks(1).addTopics(TopicProduceData.newBuilder().setTopic("steady")
                        .addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecords(UnsafeByteOperations.unsafeWrap(builder.build()))))
                        .build()).getTopics(0).getPartitions(0).getError());
        assertThat(appended).isEqualTo(ErrorCode.NONE);
        long highWatermark = withBroker(leader, channel -> FetchServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .fetch(FetchRequest.newBuilder().setMaxBytes(1 << 20).addTopics(FetchTopic.newBuilder().setTopic("steady")
                        .addPartitions(FetchPartition.newBuilder().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20))).build())
                .getTopics(0).getPartitions(0).getHighWatermark());
        assertThat(highWatermark).isEqualTo(1);
    }

    @Test
    void theWholeClusterRestartsWithItsMetadata() {
        createTopic(101, "survivor", 4, 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> image(103).topics().getTopic("survivor") != null);
        TopicImage before = image(103).topics().getTopic("survivor");
        cluster.close();
        cluster.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> image(101).topics().getTopic("survivor") != null);
        TopicImage after = image(101).topics().getTopic("survivor");
        assertThat(after.id()).isEqualTo(before.id());
        assertThat(after.partitions().keySet()).isEqualTo(before.partitions().keySet());
        after.partitions().forEach((id, partition) -> assertThat(partition.replicas()).isEqualTo(before.partition(id).replicas()));
    }

    @Test
    void aBrokerDeletesTheLogsOfATopicDeletedWhileItWasDown() throws Exception {
        createTopic(101, "doomed", 2, 3);
        await().atMost(Duration.ofSeconds(20)).until(() -> image(103).topics().getTopic("doomed") != null);
        Path dataDir = cluster.node(103).config().logDirs().get(0);
        assertThat(java.nio.file.Files.exists(dataDir.resolve("doomed-0"))).isTrue();
        cluster.stop(103);
        ErrorCode deleted = withBroker(101, channel -> AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .deleteTopics(io.runnel.proto.DeleteTopicsRequest.newBuilder().addNames("doomed").build()).getTopics(0).getError());
        assertThat(deleted).isEqualTo(ErrorCode.NONE);
        cluster.start(103);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (var files = java.nio.file.Files.list(dataDir)) {
                return files.noneMatch(p -> p.getFileName().toString().startsWith("doomed-"));
            }
        });
        assertThat(cluster.node(103).replicaManager().orElseThrow().partitions()).isEmpty();
    }
}
