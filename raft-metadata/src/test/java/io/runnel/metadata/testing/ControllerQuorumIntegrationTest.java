package io.runnel.metadata.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.time.Time;
import io.runnel.metadata.client.BrokerLifecycleManager;
import io.runnel.metadata.client.ControllerChannel;
import io.runnel.metadata.client.MetadataLoader;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.server.ControllerServer;
import io.runnel.proto.ControllerCreateTopicsResponse;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DescribeQuorumResponse;
import io.runnel.proto.Endpoint;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.TopicRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three voters on real Ratis, RocksDB and gRPC: failover, leader hints, quorum loss, catching up. */
class ControllerQuorumIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private ControllerQuorumHarness harness;

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        if (harness != null) {
            harness.close();
            assertThat(harness.fatalErrors()).isEmpty();
        }
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    private BrokerLifecycleManager startBroker(ControllerChannel channel, MetadataLoader loader, int brokerId) {
        BrokerLifecycleManager lifecycle = closing(new BrokerLifecycleManager(brokerId,
                ControllerQuorumHarness.CLUSTER_ID, UUID.randomUUID(), List.of(Endpoint.newBuilder()
                        .setListener("PLAINTEXT").setHost("127.0.0.1").setPort(19000 + brokerId).build()),
                Optional.empty(), channel, loader::appliedOffset, Time.SYSTEM, 200));
        lifecycle.start();
        return lifecycle;
    }

    private static CreateTopicsRequest createTopic(String name) {
        return CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder().setName(name)
                .setNumPartitions(1).setReplicationFactor(1)).build();
    }

    /** Commits one batch creating {@code count} topics named prefix-0.. (raw records, no brokers needed). */
    private static long writeTopics(ControllerServer active, String prefix, int count) throws Exception {
        List<MetadataRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = prefix + "-" + i;
            records.add(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder()
                    .setName(name).setTopicId(UUID.nameUUIDFromBytes(name.getBytes()).toString())).build());
        }
        return active.write("test", System.nanoTime() + TimeUnit.SECONDS.toNanos(10),
                image -> new ControllerServer.Decision<>(records, null)).get(15, TimeUnit.SECONDS).offset();
    }

    @Test
    void anotherControllerTakesOverWhenTheActiveIsKilled() throws Exception {
        // A session far longer than a failover takes on a loaded machine: the broker must stay unfenced throughout.
        harness = ControllerQuorumHarness.start(3, dir, b -> b.brokerSessionTimeoutMs(30_000));
        ControllerChannel channel = harness.newChannel();
        MetadataLoader loader = closing(new MetadataLoader(channel, 1, Time.SYSTEM));
        loader.start();
        BrokerLifecycleManager broker = startBroker(channel, loader, 1);
        assertThat(broker.awaitUnfenced(TIMEOUT)).isTrue();
        ControllerCreateTopicsResponse first = channel.createTopics(createTopic("before"), TIMEOUT);
        assertThat(first.getResponse().getTopics(0).getError()).isEqualTo(ErrorCode.NONE);

        int killed = harness.awaitActive(TIMEOUT).nodeId();
        harness.kill(killed);
        ControllerServer successor = harness.awaitActive(TIMEOUT);
        assertThat(successor.nodeId()).isNotEqualTo(killed);

        ControllerCreateTopicsResponse second = channel.createTopics(createTopic("after"), TIMEOUT);
        assertThat(second.getResponse().getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(second.getMetadataOffset()).isGreaterThan(first.getMetadataOffset());
        MetadataImage image = loader.awaitOffset(second.getMetadataOffset()).get(20, TimeUnit.SECONDS);
        assertThat(image.topics().topicsByName()).containsKeys("before", "after");
        assertThat(image.cluster().broker(1).fenced()).isFalse();
        assertThat(channel.activeController()).hasValue(successor.nodeId());

        // Asked through a fresh channel, which may reach a follower first, DescribeQuorum is the leader's.
        DescribeQuorumResponse quorum = harness.newChannel().describeQuorum(TIMEOUT);
        assertThat(quorum.getNodeId()).isEqualTo(successor.nodeId());
        assertThat(quorum.getBrokersList()).extracting(io.runnel.proto.BrokerState::getId).containsExactly(1);
        assertThat(quorum.getVotersList()).filteredOn(v -> v.getId() == killed)
                .singleElement().satisfies(v -> assertThat(v.getReachable()).isFalse());

        // Every subscriber converges on the same image, whichever controller it reads from.
        MetadataLoader other = closing(new MetadataLoader(channel, 2, Time.SYSTEM));
        other.start();
        long offset = successor.currentImage().offset();
        assertThat(other.awaitOffset(offset).get(20, TimeUnit.SECONDS).topics())
                .isEqualTo(loader.awaitOffset(offset).get(20, TimeUnit.SECONDS).topics());
        await().atMost(TIMEOUT).until(() -> harness.running().stream()
                .allMatch(c -> c.currentImage().offset() >= offset));
        for (ControllerServer controller : harness.running()) {
            assertThat(controller.currentImage().topics()).isEqualTo(successor.currentImage().topics());
        }
    }

    @Test
    void wholeQuorumRestartsWithItsMetadata() throws Exception {
        harness = ControllerQuorumHarness.start(3, dir, b -> b.snapshotRecords(4));
        ControllerServer active = harness.awaitActive(TIMEOUT);
        for (int i = 0; i < 6; i++) {
            writeTopics(active, "kept-" + i, 3);
        }
        MetadataImage before = active.currentImage();
        await().atMost(TIMEOUT).until(() -> harness.running().stream()
                .allMatch(c -> c.currentImage().offset() == before.offset()));
        for (int nodeId = 1; nodeId <= 3; nodeId++) {
            harness.stop(nodeId);
        }
        for (int nodeId = 1; nodeId <= 3; nodeId++) {
            harness.restart(nodeId);
        }
        ControllerServer next = harness.awaitActive(TIMEOUT);
        long offset = writeTopics(next, "new", 1);
        assertThat(offset).isGreaterThan(before.offset());
        await().atMost(TIMEOUT).until(() -> harness.running().stream()
                .allMatch(c -> c.currentImage().offset() >= offset));
        for (ControllerServer controller : harness.running()) {
            assertThat(controller.currentImage().topics().topicsByName()).hasSize(6 * 3 + 1)
                    .containsKeys("kept-0-0", "kept-5-2", "new-0");
        }
    }

    @Test
    void followerAnswersNotControllerWithTheLeadersAddress() {
        harness = ControllerQuorumHarness.start(3, dir, b -> b);
        ControllerChannel channel = harness.newChannel();
        // Asserted as a whole and retried: on a loaded machine an election may move the leader meanwhile.
        await().atMost(TIMEOUT).ignoreExceptions().untilAsserted(() -> {
            ControllerServer active = harness.awaitActive(TIMEOUT);
            ControllerServer follower = harness.running().stream().filter(c -> c != active
                    && c.leaderId().orElse(-1) == active.nodeId()).findFirst().orElseThrow();
            assertThatThrownBy(() -> channel.blockingStub(follower.nodeId()).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .createTopics(createTopic("x")))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(GrpcErrors.errorCode(e)).isEqualTo(ErrorCode.NOT_CONTROLLER);
                        ErrorInfo info = GrpcErrors.errorInfo(e).orElseThrow();
                        assertThat(info.getMetadataMap())
                                .containsEntry("leader_id", String.valueOf(active.nodeId()))
                                .containsEntry("leader_host", "127.0.0.1")
                                .containsEntry("leader_port", String.valueOf(active.boundPort()));
                    });
            DescribeQuorumResponse quorum = channel.blockingStub(follower.nodeId()).describeQuorum(
                    io.runnel.proto.DescribeQuorumRequest.getDefaultInstance());
            assertThat(quorum.getLeaderId()).isEqualTo(active.nodeId());
            assertThat(quorum.getVotersList()).hasSize(3);
        });
    }

    @Test
    void quorumLossFailsAdminRequestsAsTimedOutNamingTheVoters() throws Exception {
        harness = ControllerQuorumHarness.start(3, dir, b -> b.requestTimeoutMs(2000));
        ControllerChannel channel = harness.newChannel();
        // An unfenced broker, so that CreateTopics has records to commit rather than an error to answer.
        MetadataLoader loader = closing(new MetadataLoader(channel, 1, Time.SYSTEM));
        loader.start();
        assertThat(startBroker(channel, loader, 1).awaitUnfenced(TIMEOUT)).isTrue();
        ControllerServer active = harness.awaitActive(TIMEOUT);
        for (ControllerServer other : harness.running()) {
            if (other != active) {
                harness.kill(other.nodeId());
            }
        }
        // That the call gives up at its timeout (and not later) is checked on a mock clock by ControllerChannelTest.
        assertThatThrownBy(() -> channel.createTopics(createTopic("lost"), Duration.ofSeconds(3)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
                    assertThat(e.getMessage()).contains("metadata quorum is unavailable")
                            .contains(harness.voters().toString());
                });
    }

    @Test
    void restartedControllerCatchesUpFromSnapshotAndLog() throws Exception {
        harness = ControllerQuorumHarness.start(3, dir, b -> b.snapshotRecords(10).logSegmentBytes(16 * 1024));
        ControllerServer active = harness.awaitActive(TIMEOUT);
        for (int i = 0; i < 15; i++) {
            writeTopics(active, "early-" + i, 2);
        }
        ControllerServer follower = harness.running().stream().filter(c -> c != active).findFirst().orElseThrow();
        int followerId = follower.nodeId();
        await().atMost(TIMEOUT).until(() -> follower.currentImage().offset() == active.currentImage().offset());
        assertThat(follower.stateMachine().getLatestSnapshot()).isNotNull();
        long followerOffset = follower.currentImage().offset();
        harness.stop(followerId);

        // About 2 KiB per entry: 60 entries fill several 16 KiB log segments, which are purged behind
        // the snapshots, so the restarted voter can only catch up by installing the leader's snapshot.
        for (int i = 0; i < 60; i++) {
            writeTopics(active, "late-" + i, 20);
        }
        await().atMost(TIMEOUT).until(() ->
                active.stateMachine().division().getRaftLog().getStartIndex() > followerOffset + 1);
        ControllerServer restarted = harness.restart(followerId);
        await().atMost(TIMEOUT).until(() -> restarted.currentImage().offset() >= active.currentImage().offset());
        assertThat(restarted.currentImage().topics()).isEqualTo(active.currentImage().topics());
        assertThat(restarted.currentImage().topics().topicsByName()).hasSize(15 * 2 + 60 * 20);
    }
}
