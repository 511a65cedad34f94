package io.runnel.metadata.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.stub.StreamObserver;
import io.runnel.common.time.Time;
import io.runnel.metadata.client.BrokerLifecycleManager;
import io.runnel.metadata.client.ControllerChannel;
import io.runnel.metadata.client.MetadataLoader;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ControllerCreateTopicsResponse;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DescribeQuorumResponse;
import io.runnel.proto.Endpoint;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchMetadataRequest;
import io.runnel.proto.MetadataDelivery;
import io.runnel.proto.ResourceType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One voter on real Ratis, RocksDB and gRPC, driven through the client classes a broker uses. */
class SingleControllerIntegrationTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

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

    private void startQuorum(long sessionTimeoutMs, long snapshotRecords) {
        harness = ControllerQuorumHarness.start(1, dir, b -> b.brokerSessionTimeoutMs(sessionTimeoutMs)
                .snapshotRecords(snapshotRecords));
    }

    private record Broker(MetadataLoader loader, BrokerLifecycleManager lifecycle) {
    }

    private Broker startBroker(ControllerChannel channel, int brokerId) {
        MetadataLoader loader = closing(new MetadataLoader(channel, brokerId, Time.SYSTEM));
        loader.start();
        BrokerLifecycleManager lifecycle = closing(new BrokerLifecycleManager(brokerId, ControllerQuorumHarness.CLUSTER_ID,
                UUID.randomUUID(), List.of(Endpoint.newBuilder().setListener("PLAINTEXT").setHost("127.0.0.1")
                        .setPort(19000 + brokerId).build()), Optional.of("rack-a"), channel, loader::appliedOffset,
                Time.SYSTEM, 100));
        lifecycle.start();
        return new Broker(loader, lifecycle);
    }

    private static CreateTopicsRequest createTopic(String name, int partitions) {
        return CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder().setName(name)
                .setNumPartitions(partitions).setReplicationFactor(1)).build();
    }

    @Test
    void brokerRegistersAndTopicOperationsReachItsImage() throws Exception {
        startQuorum(3000, 10_000);
        ControllerChannel channel = harness.newChannel();
        Broker broker = startBroker(channel, 1);
        assertThat(broker.lifecycle().awaitUnfenced(TIMEOUT)).isTrue();
        assertThat(broker.lifecycle().state()).isEqualTo(BrokerLifecycleManager.State.RUNNING);
        assertThat(broker.lifecycle().brokerEpoch()).isPositive();

        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        broker.loader().bindMetrics(registry);
        ControllerCreateTopicsResponse created = channel.createTopics(createTopic("orders", 3), TIMEOUT);
        assertThat(created.getResponse().getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        MetadataImage image = broker.loader().awaitOffset(created.getMetadataOffset()).get(10, TimeUnit.SECONDS);
        assertThat(image.topics().getTopic("orders").partitionCount()).isEqualTo(3);
        assertThat(image.topics().getTopic("orders").partition(0).leader()).isEqualTo(1);
        assertThat(registry.get("runnel.broker.metadata.last.applied.record.offset").gauge().value())
                .isGreaterThanOrEqualTo(created.getMetadataOffset());

        ControllerCreateTopicsResponse again = channel.createTopics(createTopic("orders", 3), TIMEOUT);
        assertThat(again.getResponse().getTopics(0).getError()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);

        long partitionsOffset = channel.createPartitions(CreatePartitionsRequest.newBuilder()
                .addTopics(CreatePartitionsTopic.newBuilder().setName("orders").setCount(5)).build(), TIMEOUT)
                .getMetadataOffset();
        long configOffset = channel.alterConfigs(AlterConfigsRequest.newBuilder().addResources(
                AlterConfigsResource.newBuilder().setType(ResourceType.TOPIC).setName("orders").addConfigs(
                        AlterableConfig.newBuilder().setName("retention.ms").setOp(AlterConfigOp.SET)
                                .setValue("60000"))).build(), TIMEOUT).getMetadataOffset();
        image = broker.loader().awaitOffset(Math.max(partitionsOffset, configOffset)).get(10, TimeUnit.SECONDS);
        assertThat(image.topics().getTopic("orders").partitionCount()).isEqualTo(5);
        assertThat(image.configs().topicConfigs("orders")).containsEntry("retention.ms", "60000");

        long deleted = channel.deleteTopics(DeleteTopicsRequest.newBuilder().addNames("orders").build(), TIMEOUT)
                .getMetadataOffset();
        image = broker.loader().awaitOffset(deleted).get(10, TimeUnit.SECONDS);
        assertThat(image.topics().getTopic("orders")).isNull();

        DescribeQuorumResponse quorum = channel.describeQuorum(TIMEOUT);
        assertThat(quorum.getLeaderId()).isEqualTo(1);
        assertThat(quorum.getVotersList()).hasSize(1);
        assertThat(quorum.getVoters(0).getActive()).isTrue();
        assertThat(quorum.getBrokersList()).singleElement().satisfies(state -> {
            assertThat(state.getId()).isEqualTo(1);
            assertThat(state.getFenced()).isFalse();
            assertThat(state.getRack()).isEqualTo("rack-a");
        });
    }

    @Test
    void brokerOfAnotherClusterIsRefusedForGood() throws Exception {
        startQuorum(3000, 10_000);
        ControllerChannel channel = harness.newChannel();
        BrokerLifecycleManager stranger = closing(new BrokerLifecycleManager(7, "another-cluster",
                UUID.randomUUID(), List.of(), Optional.empty(), channel, () -> -1L, Time.SYSTEM, 100));
        stranger.start();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> stranger.awaitUnfenced(TIMEOUT))
                .isInstanceOfSatisfying(io.runnel.common.errors.ApiException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INCONSISTENT_CLUSTER_ID));
        assertThat(stranger.state()).isEqualTo(BrokerLifecycleManager.State.SHUTDOWN);
    }

    @Test
    void topicsSurviveARestart() throws Exception {
        startQuorum(3000, 10_000);
        ControllerChannel channel = harness.newChannel();
        Broker broker = startBroker(channel, 1);
        assertThat(broker.lifecycle().awaitUnfenced(TIMEOUT)).isTrue();
        channel.createTopics(createTopic("kept", 2), TIMEOUT);

        harness.stop(1);
        harness.restart(1);
        harness.awaitActive(TIMEOUT);
        assertThat(harness.controller(1).currentImage().topics().getTopic("kept").partitionCount()).isEqualTo(2);
        // The broker's loader resubscribes and the lifecycle keeps its session going.
        ControllerCreateTopicsResponse next = channel.createTopics(createTopic("after-restart", 1), TIMEOUT);
        MetadataImage image = broker.loader().awaitOffset(next.getMetadataOffset()).get(10, TimeUnit.SECONDS);
        assertThat(image.topics().topicsByName()).containsKeys("kept", "after-restart");
    }

    @Test
    void brokerIsFencedWhenItsHeartbeatsStopAndItsLeadershipMoves() throws Exception {
        startQuorum(1500, 10_000);
        ControllerChannel channel = harness.newChannel();
        Broker first = startBroker(channel, 1);
        Broker second = startBroker(channel, 2);
        assertThat(first.lifecycle().awaitUnfenced(TIMEOUT)).isTrue();
        assertThat(second.lifecycle().awaitUnfenced(TIMEOUT)).isTrue();
        CreateTopicsRequest replicated = CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName("replicated").setNumPartitions(4).setReplicationFactor(2)).build();
        long created = channel.createTopics(replicated, TIMEOUT).getMetadataOffset();
        MetadataImage image = second.loader().awaitOffset(created).get(10, TimeUnit.SECONDS);
        assertThat(image.topics().getTopic("replicated").partitions().values())
                .anySatisfy(p -> assertThat(p.leader()).isEqualTo(1));

        first.lifecycle().close();
        await().atMost(TIMEOUT).until(() -> second.loader().currentImage().cluster().broker(1).fenced());
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(second.loader().currentImage().topics()
                .getTopic("replicated").partitions().values()).allSatisfy(p -> {
                    assertThat(p.leader()).isEqualTo(2);
                    assertThat(p.isr()).containsExactly(2);
                }));
        assertThat(second.lifecycle().state()).isEqualTo(BrokerLifecycleManager.State.RUNNING);
    }

    @Test
    void controlledShutdownEndsWithShouldShutDown() throws Exception {
        startQuorum(3000, 10_000);
        ControllerChannel channel = harness.newChannel();
        Broker broker = startBroker(channel, 1);
        assertThat(broker.lifecycle().awaitUnfenced(TIMEOUT)).isTrue();
        channel.createTopics(createTopic("led", 2), TIMEOUT);

        assertThat(broker.lifecycle().controlledShutdown(TIMEOUT)).isTrue();
        assertThat(broker.lifecycle().state()).isEqualTo(BrokerLifecycleManager.State.SHUTDOWN);
        MetadataImage image = harness.controller(1).currentImage();
        assertThat(image.topics().getTopic("led").partition(0).leader()).isNotEqualTo(1);
    }

    @Test
    void subscriberFarBehindGetsASnapshotThenBatches() throws Exception {
        startQuorum(3000, 5);
        ControllerChannel channel = harness.newChannel();
        Broker broker = startBroker(channel, 1);
        assertThat(broker.lifecycle().awaitUnfenced(TIMEOUT)).isTrue();
        long last = 0;
        for (int i = 0; i < 12; i++) {
            last = channel.createTopics(createTopic("t" + i, 1), TIMEOUT).getMetadataOffset();
        }
        long target = last;
        List<MetadataDelivery> far = collect(channel, 1, target);
        assertThat(far.get(0).getIsSnapshot()).isTrue();
        assertThat(far.get(0).getLastOffset()).isGreaterThanOrEqualTo(target);

        List<MetadataDelivery> near = collect(channel, target - 2, target);
        assertThat(near).allSatisfy(d -> assertThat(d.getIsSnapshot()).isFalse());
        assertThat(near.get(0).getLastOffset()).isGreaterThan(target - 2);
        assertThat(near.get(near.size() - 1).getLastOffset()).isEqualTo(target);

        MetadataImage image = broker.loader().awaitOffset(target).get(10, TimeUnit.SECONDS);
        assertThat(image.topics().topicsByName()).hasSize(12);
    }

    /** Deliveries of FetchMetadata from {@code from} until one reaches {@code until}. */
    private static List<MetadataDelivery> collect(ControllerChannel channel, long from, long until) {
        List<MetadataDelivery> received = new CopyOnWriteArrayList<>();
        channel.asyncStub(1).fetchMetadata(FetchMetadataRequest.newBuilder().setSubscriberId(-1)
                .setFromOffset(from).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(MetadataDelivery value) {
                        received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        await().atMost(TIMEOUT).until(() -> !received.isEmpty()
                && received.get(received.size() - 1).getLastOffset() >= until);
        return new ArrayList<>(received);
    }
}
