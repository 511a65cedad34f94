package io.runnel.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.common.time.Time;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.ResourceType;
import io.runnel.proto.metadata.ConfigRecord;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.TopicRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A single-voter controller on real Ratis and RocksDB, writing raw records. */
class ControllerServerTest {

    @TempDir
    Path dir;

    private final List<Throwable> fatal = new CopyOnWriteArrayList<>();
    private final List<ControllerServer> started = new ArrayList<>();

    @AfterEach
    void tearDown() {
        started.forEach(ControllerServer::close);
        assertThat(fatal).isEmpty();
    }

    private ControllerServer start(long snapshotRecords) throws Exception {
        ControllerConfig config = ControllerConfig.builder(1, "test-cluster",
                        QuorumVoters.of(List.of(new QuorumVoters.Voter(1, "127.0.0.1", 0))), dir)
                .electionTimeoutMs(150)
                .snapshotRecords(snapshotRecords)
                .logSegmentBytes(16 * 1024)
                .build();
        ControllerServer server = ControllerServer.startWithOwnGrpcServer(config, Time.SYSTEM, fatal::add);
        started.add(server);
        await().atMost(Duration.ofSeconds(10)).until(server::isRaftLeader);
        return server;
    }

    private static List<MetadataRecord> topic(String name) {
        return List.of(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name)
                        .setTopicId(UUID.nameUUIDFromBytes(name.getBytes()).toString())).build(),
                MetadataRecord.newBuilder().setConfig(ConfigRecord.newBuilder().setResourceType(ResourceType.TOPIC)
                        .setResourceName(name).setName("retention.ms").setValue("1000")).build());
    }

    private static long write(ControllerServer server, List<MetadataRecord> records) throws Exception {
        return server.write("test", System.nanoTime() + TimeUnit.SECONDS.toNanos(10),
                        image -> new ControllerServer.Decision<>(records, "ok"))
                .get(15, TimeUnit.SECONDS).offset();
    }

    @Test
    void aWriteWhoseDeadlinePassedBeforeItWasDecidedIsNotAppliedAndSaysSo() throws Exception {
        ControllerServer server = start(10_000);
        write(server, topic("before"));
        long offsetBefore = server.currentImage().offset();
        java.util.concurrent.CompletableFuture<ControllerServer.Written<String>> late = server.write("late",
                System.nanoTime() - 1, image -> new ControllerServer.Decision<>(topic("late"), "ok"));
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> late.get(15, TimeUnit.SECONDS)).getCause();
        assertThat(failure).isInstanceOf(io.runnel.common.errors.ApiException.class);
        io.runnel.common.errors.ApiException e = (io.runnel.common.errors.ApiException) failure;
        assertThat(e.code()).isEqualTo(io.runnel.proto.ErrorCode.REQUEST_TIMED_OUT);
        assertThat(e.metadata()).containsEntry(io.runnel.common.errors.GrpcErrors.OUTCOME_KEY,
                io.runnel.common.errors.GrpcErrors.OUTCOME_NOT_APPLIED);
        assertThat(e.getMessage()).contains("it was not applied");
        assertThat(server.currentImage().offset()).isEqualTo(offsetBefore);
        assertThat(server.currentImage().topics().getTopic("late")).isNull();
    }

    @Test
    void writesAreAppliedAndSurviveRestart() throws Exception {
        ControllerServer server = start(10_000);
        long offset = write(server, topic("orders"));
        MetadataImage image = server.currentImage();
        assertThat(image.offset()).isEqualTo(offset);
        assertThat(image.topics().getTopic("orders")).isNotNull();
        assertThat(server.isActive()).isTrue();
        io.grpc.ManagedChannel grpc = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
                .forAddress("127.0.0.1", server.boundPort()).usePlaintext().build();
        try {
            assertThat(io.grpc.health.v1.HealthGrpc.newBlockingStub(grpc).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus())
                    .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        } finally {
            grpc.shutdownNow();
        }
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        server.bindMetrics(registry);
        assertThat(registry.get("runnel.controller.active.controller.count").gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("runnel.controller.last.applied.record.offset").gauge().value()).isEqualTo((double) offset);
        assertThat(registry.get("runnel.controller.last.committed.record.offset").gauge().value()).isGreaterThanOrEqualTo(offset);

        server.close();
        started.remove(server);
        ControllerServer again = start(10_000);
        assertThat(again.currentImage().topics().getTopic("orders")).isNotNull();
        assertThat(again.currentImage().offset()).isGreaterThanOrEqualTo(offset);
        long next = write(again, topic("payments"));
        assertThat(next).isGreaterThan(offset);
        assertThat(again.currentImage().topics().topicsByName()).containsKeys("orders", "payments");
    }

    @Test
    void refusesTheDirectoryOfAnotherCluster() throws Exception {
        ControllerServer server = start(10_000);
        server.close();
        started.remove(server);
        ControllerConfig other = ControllerConfig.builder(1, "other-cluster",
                QuorumVoters.of(List.of(new QuorumVoters.Voter(1, "127.0.0.1", 0))), dir).build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        ControllerServer.startWithOwnGrpcServer(other, Time.SYSTEM, fatal::add))
                .isInstanceOf(io.runnel.common.config.ConfigException.class)
                .hasMessageContaining("other-cluster").hasMessageContaining("test-cluster");
    }

    @Test
    void rejectedBatchLeavesTheImageAndFailsTheWrite() throws Exception {
        ControllerServer server = start(10_000);
        write(server, topic("a"));
        MetadataImage before = server.currentImage();
        List<MetadataRecord> bad = List.of(MetadataRecord.newBuilder().setConfig(ConfigRecord.newBuilder()
                .setResourceType(ResourceType.TOPIC).setResourceName("missing").setName("k").setValue("v")).build());
        var future = server.write("bad", System.nanoTime() + TimeUnit.SECONDS.toNanos(10),
                image -> new ControllerServer.Decision<>(bad, "ok"));
        await().atMost(Duration.ofSeconds(10)).until(future::isDone);
        assertThat(future).isCompletedExceptionally();
        assertThat(server.currentImage()).isEqualTo(before);
        long after = write(server, topic("b"));
        assertThat(server.currentImage().offset()).isEqualTo(after);
    }

    @Test
    void snapshotsPurgeAndRestartFromSnapshotPlusLog() throws Exception {
        ControllerServer server = start(20);
        for (int i = 0; i < 70; i++) {
            write(server, topic("t" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() ->
                server.stateMachine().getLatestSnapshot() != null
                        && server.stateMachine().getLatestSnapshot().getIndex() >= 40);
        MetadataImage before = server.currentImage();
        server.close();
        started.remove(server);

        ControllerServer again = start(20);
        assertThat(again.currentImage().topics()).isEqualTo(before.topics());
        assertThat(again.currentImage().offset()).isEqualTo(before.offset());
    }

    @Test
    void pipelinedDecisionsEachSeeEveryEarlierOneAndAnswersWithoutRecordsWaitForThem() throws Exception {
        ControllerServer server = start(10_000);
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int writes = 300;
        List<java.util.concurrent.CompletableFuture<ControllerServer.Written<Long>>> blocks = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<ControllerServer.Written<Long>>> reads = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            // Each decision hands out the next block of producer ids: it must see every block handed out before it.
            blocks.add(server.write("Allocate", deadlineNs, image -> {
                long start = image.producerIds().nextProducerId();
                return new ControllerServer.Decision<>(List.of(MetadataRecord.newBuilder().setProducerIds(
                        io.runnel.proto.metadata.ProducerIdsRecord.newBuilder().setBrokerId(1).setBrokerEpoch(1)
                                .setNextProducerId(start + 10)).build()), start);
            }));
            // A decision without records (a heartbeat's shape): what it saw, and the offset it answers with.
            reads.add(server.write("Read", deadlineNs, image -> new ControllerServer.Decision<>(List.of(),
                    image.producerIds().nextProducerId())));
        }
        List<Long> starts = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        for (var block : blocks) {
            ControllerServer.Written<Long> written = block.get(60, TimeUnit.SECONDS);
            starts.add(written.response());
            offsets.add(written.offset());
        }
        assertThat(starts).isEqualTo(java.util.stream.LongStream.range(0, writes).map(i -> i * 10).boxed().toList());
        assertThat(offsets).isSorted().doesNotHaveDuplicates();
        for (int i = 0; i < writes; i++) {
            ControllerServer.Written<Long> read = reads.get(i).get(60, TimeUnit.SECONDS);
            // It saw the write decided just before it, and answers only with an offset that includes that write.
            assertThat(read.response()).isEqualTo((i + 1) * 10L);
            assertThat(read.offset()).isGreaterThanOrEqualTo(offsets.get(i));
        }
        assertThat(server.currentImage().producerIds().nextProducerId()).isEqualTo(writes * 10L);
    }
}
