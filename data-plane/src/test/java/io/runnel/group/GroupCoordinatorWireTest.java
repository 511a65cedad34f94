package io.runnel.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.common.InternalTopics;
import io.runnel.common.TopicPartition;
import io.runnel.group.core.Partitions;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.Coordinator;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteGroupsRequest;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.DescribeGroupsRequest;
import io.runnel.proto.DescribedGroup;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FindCoordinatorRequest;
import io.runnel.proto.GroupServiceGrpc;
import io.runnel.proto.ListGroupsRequest;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.OffsetCommitPartition;
import io.runnel.proto.OffsetCommitRequest;
import io.runnel.proto.OffsetCommitTopic;
import io.runnel.proto.OffsetFetchRequest;
import io.runnel.proto.OffsetFetchResponse;
import io.runnel.proto.ResourceType;
import io.runnel.proto.TopicMetadata;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group coordinator over its real gRPC API on a single node: FindCoordinator creating
 * __consumer_offsets, member streams joining and rebalancing with pushes, commits fenced by epoch, the
 * group administration calls, and groups surviving a restart (the coordinator replays its partition).
 */
class GroupCoordinatorWireTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private LocalCluster cluster;
    private ManagedChannel channel;
    private GroupServiceGrpc.GroupServiceBlockingStub groups;

    @BeforeEach
    void start() {
        cluster = LocalCluster.singleNode(dir, java.util.Map.of("offsets.topic.num.partitions", "5",
                "group.min.session.timeout.ms", "500", "group.consumer.heartbeat.interval.ms", "200")).start();
        connect();
        AdminServiceGrpc.newBlockingStub(channel).createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("t").setNumPartitions(4).setReplicationFactor(1)).build());
    }

    private void connect() {
        channel = NettyChannelBuilder.forTarget(cluster.bootstrapServers().split(",")[0]).usePlaintext().build();
        groups = GroupServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    /** A member's stream: what the coordinator sent, in order. */
    private final class Member {
        final String groupId;
        final String memberId = UUID.randomUUID().toString();
        final BlockingQueue<ConsumerGroupHeartbeatResponse> received = new LinkedBlockingQueue<>();
        final AtomicBoolean ended = new AtomicBoolean();
        StreamObserver<ConsumerGroupHeartbeatRequest> out;
        int epoch;
        long version;
        Set<TopicPartition> owned = Set.of();

        Member(String groupId) {
            this.groupId = groupId;
            open();
        }

        void open() {
            version = 0;
            out = GroupServiceGrpc.newStub(channel).consumerGroupStream(new StreamObserver<>() {
                @Override
                public void onNext(ConsumerGroupHeartbeatResponse value) {
                    received.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    ended.set(true);
                }

                @Override
                public void onCompleted() {
                    ended.set(true);
                }
            });
        }

        ConsumerGroupHeartbeatRequest.Builder request(int memberEpoch) {
            return ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(groupId).setMemberId(memberId)
                    .setMemberEpoch(memberEpoch).setRebalanceTimeoutMs(30_000).setSessionTimeoutMs(10_000)
                    .addSubscribedTopicNames("t").setClientId("wire-test")
                    .addAllOwnedPartitions(Partitions.toProto(owned)).setAcknowledgedAssignmentVersion(version);
        }

        void beat(int memberEpoch) {
            out.onNext(request(memberEpoch).build());
        }

        /** The next message, acting on it as a client does: take the assignment (revoking at once). */
        ConsumerGroupHeartbeatResponse next() throws InterruptedException {
            ConsumerGroupHeartbeatResponse message = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(message).as("a message for %s within %s", memberId, WAIT).isNotNull();
            if (message.getError() == ErrorCode.NONE) {
                epoch = message.getMemberEpoch();
                if (message.hasAssignment()) {
                    owned = Partitions.fromProto(message.getAssignment().getTopicsList());
                    version = message.getAssignmentVersion();
                }
            }
            return message;
        }
    }

    private Coordinator awaitCoordinator(String groupId) {
        Coordinator[] found = new Coordinator[1];
        await().atMost(WAIT).until(() -> {
            found[0] = groups.findCoordinator(FindCoordinatorRequest.newBuilder().addGroupIds(groupId).build()).getCoordinators(0);
            return found[0].getError() == ErrorCode.NONE;
        });
        return found[0];
    }

    private void commit(String groupId, String memberId, int epoch, int partition, long offset, ErrorCode expected) {
        var response = groups.offsetCommit(OffsetCommitRequest.newBuilder().setGroupId(groupId).setMemberId(memberId)
                .setMemberEpoch(epoch).addTopics(OffsetCommitTopic.newBuilder().setName("t")
                        .addPartitions(OffsetCommitPartition.newBuilder().setPartition(partition).setCommittedOffset(offset)
                                .setCommittedLeaderEpoch(-1))).build());
        assertThat(response.getTopics(0).getPartitions(0).getError()).as(response.toString()).isEqualTo(expected);
    }

    private long committed(String groupId, int partition) {
        OffsetFetchResponse response = groups.offsetFetch(OffsetFetchRequest.newBuilder().setGroupId(groupId)
                .addTopics(io.runnel.proto.TopicPartitions.newBuilder().setTopic("t").addPartitions(partition)).build());
        assertThat(response.getError()).isEqualTo(ErrorCode.NONE);
        return response.getTopics(0).getPartitions(0).getCommittedOffset();
    }

    @Test
    void findCoordinatorCreatesTheCompactedOffsetsTopicOnFirstUse() {
        Coordinator first = groups.findCoordinator(FindCoordinatorRequest.newBuilder().addGroupIds("g").build()).getCoordinators(0);
        assertThat(first.getError()).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE);

        Coordinator found = awaitCoordinator("g");

        assertThat(found.getNodeId()).isEqualTo(cluster.brokerIds().get(0));
        assertThat(found.getPort()).isEqualTo(Integer.parseInt(cluster.bootstrapServers().split(":")[1]));
        TopicMetadata topic = MetadataServiceGrpc.newBlockingStub(channel).getMetadata(MetadataRequest.newBuilder()
                .addTopics(InternalTopics.CONSUMER_OFFSETS).build()).getTopics(0);
        assertThat(topic.getPartitionsCount()).isEqualTo(5);
        assertThat(topic.getIsInternal()).isTrue();
        var configs = AdminServiceGrpc.newBlockingStub(channel).describeConfigs(DescribeConfigsRequest.newBuilder()
                .addResources(io.runnel.proto.ConfigResource.newBuilder().setType(ResourceType.TOPIC)
                        .setName(InternalTopics.CONSUMER_OFFSETS).addKeys("cleanup.policy")).build());
        assertThat(configs.getResults(0).getEntries(0).getValue()).isEqualTo("compact");
    }

    @Test
    void membersRebalanceOverTheirStreamsAndCommitsAreFencedByEpoch() throws InterruptedException {
        awaitCoordinator("g");
        Member a = new Member("g");
        a.beat(0);
        assertThat(a.next().getAssignment().getTopics(0).getPartitionsCount()).isEqualTo(4);
        commit("g", a.memberId, a.epoch, 0, 42, ErrorCode.NONE);
        commit("g", a.memberId, a.epoch + 7, 0, 99, ErrorCode.STALE_MEMBER_EPOCH);
        commit("g", "", -1, 0, 99, ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(committed("g", 0)).isEqualTo(42);

        Member b = new Member("g");
        b.beat(0);
        assertThat(b.next().getAssignment().getTopicsList()).as("b waits for a's revocation").isEmpty();
        ConsumerGroupHeartbeatResponse revoke = a.next();
        assertThat(a.owned).as("a is pushed its smaller assignment").hasSize(2);
        a.beat(a.epoch);  // acknowledges: it now owns only those two
        ConsumerGroupHeartbeatResponse aAnswer = a.next();
        assertThat(aAnswer.getMemberEpoch()).isGreaterThan(revoke.getMemberEpoch());
        ConsumerGroupHeartbeatResponse bGets = b.next();
        assertThat(b.owned).hasSize(2).doesNotContainAnyElementsOf(a.owned);
        assertThat(bGets.getMemberEpoch()).isEqualTo(aAnswer.getMemberEpoch());

        DescribedGroup described = groups.describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds("g").build()).getGroups(0);
        assertThat(described.getState()).isEqualTo("Stable");
        assertThat(described.getMembersList()).hasSize(2).allSatisfy(m -> {
            assertThat(m.getClientHost()).isEqualTo("/127.0.0.1");
            assertThat(m.getClientId()).isEqualTo("wire-test");
        });
        assertThat(groups.listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList())
                .anySatisfy(g -> assertThat(g.getGroupId()).isEqualTo("g"));

        var refused = groups.deleteGroups(DeleteGroupsRequest.newBuilder().addGroupIds("g").addGroupIds("nope").build());
        assertThat(refused.getResultsList()).extracting(r -> r.getError())
                .containsExactly(ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND);
    }

    @Test
    void aLeavingMembersPartitionsArePushedToTheOthers() throws InterruptedException {
        awaitCoordinator("g");
        Member a = new Member("g");
        a.beat(0);
        a.next();
        Member b = new Member("g");
        b.beat(0);
        b.next();
        a.next();
        a.beat(a.epoch);
        a.next();
        b.next();

        b.beat(-1);
        assertThat(b.next().getMemberEpoch()).isEqualTo(-1);
        await().atMost(WAIT).untilTrue(b.ended);

        a.next();
        assertThat(a.owned).hasSize(4);
    }

    @Test
    void badInputIsAnsweredWithNamedErrors() throws InterruptedException {
        Coordinator invalid = groups.findCoordinator(FindCoordinatorRequest.newBuilder().addGroupIds("").build()).getCoordinators(0);
        assertThat(invalid.getError()).isEqualTo(ErrorCode.INVALID_GROUP_ID);
        awaitCoordinator("g");
        assertThat(groups.describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds("unknown").build()).getGroups(0).getError())
                .isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);

        Member m = new Member("g");
        m.out.onNext(m.request(0).setSessionTimeoutMs(1).build());
        ConsumerGroupHeartbeatResponse refused = m.next();
        assertThat(refused.getError()).isEqualTo(ErrorCode.INVALID_SESSION_TIMEOUT);
        assertThat(refused.getErrorMessage()).contains("group.min.session.timeout.ms");
        await().atMost(WAIT).untilTrue(m.ended);
        assertThat(groups.describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds("g").build()).getGroups(0).getError())
                .as("nothing was created").isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
    }

    @Test
    void groupsAndOffsetsSurviveARestartAndAMemberKeepsItsPartitions() throws InterruptedException {
        awaitCoordinator("g");
        Member a = new Member("g");
        a.beat(0);
        a.next();
        commit("g", a.memberId, a.epoch, 3, 1234, ErrorCode.NONE);
        int epoch = a.epoch;
        Set<TopicPartition> owned = a.owned;

        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.restart(cluster.brokerIds().get(0));
        connect();
        awaitCoordinator("g");

        assertThat(committed("g", 3)).isEqualTo(1234);
        a.open();
        a.beat(epoch);
        ConsumerGroupHeartbeatResponse resumed = a.next();
        assertThat(resumed.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(resumed.getMemberEpoch()).isEqualTo(epoch);
        assertThat(Partitions.fromProto(resumed.getAssignment().getTopicsList())).isEqualTo(owned);
    }
}
