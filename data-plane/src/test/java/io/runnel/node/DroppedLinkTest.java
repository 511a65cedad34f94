package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection by network: a broker cut off from every controller is fenced and comes back when
 * healed; an active controller cut off from the other voters loses its office to them.
 */
class DroppedLinkTest {

    @TempDir
    Path dir;

    private LocalCluster cluster;

    @AfterEach
    void stop() {
        cluster.close();
        cluster.closeLinks();
    }

    private MetadataImage image(int brokerId) {
        return cluster.node(brokerId).brokerImage().orElseThrow();
    }

    @Test
    void aBrokerCutOffFromTheControllersIsFencedAndReturnsWhenTheLinksHeal() {
        cluster = LocalCluster.of(dir, 3, 2, Map.of("broker.session.timeout.ms", "9000", "broker.heartbeat.interval.ms", "500",
                "request.timeout.ms", "8000", "controlled.shutdown.timeout.ms", "5000")).withDroppableLinks().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.node(102).port("PLAINTEXT").orElseThrow())
                .usePlaintext().build();
        try {
            ErrorCode created = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder().setName("cut")
                            .setNumPartitions(4).setReplicationFactor(2)).build()).getTopics(0).getError();
            assertThat(created).isEqualTo(ErrorCode.NONE);
        } finally {
            channel.shutdownNow();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> image(101).topics().getTopic("cut") != null);

        for (int controller : List.of(1, 2, 3)) {
            cluster.dropTraffic(101, controller, true);
        }
        // Broker 101 is still running, but no heartbeat reaches a controller: its session (9 s) expires.
        await().atMost(Duration.ofSeconds(60)).until(() -> image(102).cluster().broker(101).fenced()
                && image(102).topics().getTopic("cut").partitions().values().stream().allMatch(p -> p.leader() == 102));
        for (PartitionRegistration partition : image(102).topics().getTopic("cut").partitions().values()) {
            assertThat(partition.isr()).containsExactly(102);
        }

        for (int controller : List.of(1, 2, 3)) {
            cluster.dropTraffic(101, controller, false);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> !image(102).cluster().broker(101).fenced());
        // Back, it catches up with the metadata it missed while cut off.
        await().atMost(Duration.ofSeconds(30)).until(() -> image(101).offset() >= image(102).offset()
                && image(101).cluster().broker(101) != null && !image(101).cluster().broker(101).fenced());
    }

    @Test
    void anActiveControllerCutOffFromTheOtherVotersIsReplacedAndCatchesUpWhenHealed() {
        cluster = LocalCluster.of(dir, 3, 1, Map.of("request.timeout.ms", "10000")).withDroppableLinks().start();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.activeControllerId().isPresent());
        int isolated = cluster.activeControllerId().getAsInt();
        List<Integer> others = cluster.controllerIds().stream().filter(id -> id != isolated).toList();
        for (int other : others) {
            cluster.dropTraffic(isolated, other, true);
        }
        // The broker still reaches every controller; the two that still form a majority elect a new leader.
        await().atMost(Duration.ofSeconds(30)).until(() -> others.stream()
                .anyMatch(id -> cluster.node(id).controller().orElseThrow().isActive()));
        // The isolated one steps down once it misses a majority's answers (Ratis' leadership check).
        await().atMost(Duration.ofSeconds(30)).until(() -> !cluster.node(isolated).controller().orElseThrow().isActive());
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.node(101).port("PLAINTEXT").orElseThrow())
                .usePlaintext().build();
        try {
            ErrorCode created = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                    .createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(30_000).addTopics(CreatableTopic.newBuilder()
                            .setName("majority").setNumPartitions(1).setReplicationFactor(1)).build()).getTopics(0).getError();
            assertThat(created).isEqualTo(ErrorCode.NONE);
        } finally {
            channel.shutdownNow();
        }
        assertThat(cluster.node(isolated).controller().orElseThrow().currentImage().topics().getTopic("majority")).isNull();

        for (int other : others) {
            cluster.dropTraffic(isolated, other, false);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(isolated).controller().orElseThrow()
                .currentImage().topics().getTopic("majority") != null);
    }
}
