package io.runnel.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReplicaFetchPartition;
import io.runnel.proto.ReplicaFetchPartitionResponse;
import io.runnel.proto.ReplicaFetchRequest;
import io.runnel.proto.ReplicaFetchResponse;
import io.runnel.proto.ReplicaFetchTopic;
import io.runnel.proto.ReplicationServiceGrpc;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker-to-broker fetch is an RPC anyone can call: whatever its fields hold, the leader answers
 * with a named error, appends nothing, and keeps serving its real followers and clients.
 */
class ReplicationServiceBadInputTest {

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.singleNode(dir).start();
        channel = NettyChannelBuilder.forTarget(cluster.bootstrapServers()).usePlaintext().build();
        AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).createTopics(CreateTopicsRequest
                .newBuilder().addTopics(CreatableTopic.newBuilder().setName("t").setNumPartitions(1).setReplicationFactor(1))
                .build());
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        cluster.close();
    }

    /** Sends one fetch on a new stream and returns the answer. */
    private static ReplicaFetchResponse fetch(ReplicaFetchRequest request) throws InterruptedException {
        LinkedBlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        StreamObserver<ReplicaFetchRequest> requests = ReplicationServiceGrpc.newStub(channel).replicaFetch(new StreamObserver<>() {
            @Override
            public void onNext(ReplicaFetchResponse value) {
                answers.add(value);
            }

            @Override
            public void onError(Throwable t) {
                answers.add(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(request);
        Object answer = answers.poll(30, TimeUnit.SECONDS);
        requests.onCompleted();
        assertThat(answer).as("an answer, not a broken stream").isInstanceOf(ReplicaFetchResponse.class);
        return (ReplicaFetchResponse) answer;
    }

    private static ReplicaFetchRequest.Builder valid() {
        return ReplicaFetchRequest.newBuilder().setReplicaId(7).setMaxBytes(1 << 20).setMaxWaitMs(0)
                .addTopics(ReplicaFetchTopic.newBuilder().setTopic("t").addPartitions(ReplicaFetchPartition.newBuilder()
                        .setPartition(0).setPartitionMaxBytes(1 << 20).setLastFetchedEpoch(-1)));
    }

    private static ReplicaFetchPartitionResponse only(ReplicaFetchResponse response) {
        assertThat(response.getError()).isEqualTo(ErrorCode.NONE);
        return response.getTopics(0).getPartitions(0);
    }

    @Test
    void requestWideBoundsAreInvalidRequestsNamingTheField() throws InterruptedException {
        assertThat(fetch(valid().setReplicaId(-1).build())).satisfies(r -> {
            assertThat(r.getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(r.getErrorMessage()).contains("replica_id");
        });
        assertThat(fetch(valid().setMaxBytes(0).build()).getErrorMessage()).contains("max_bytes");
        assertThat(fetch(valid().setMinBytes(-1).build()).getErrorMessage()).contains("min_bytes");
        ReplicaFetchRequest zeroPartitionBytes = valid().setTopics(0, ReplicaFetchTopic.newBuilder().setTopic("t")
                .addPartitions(ReplicaFetchPartition.newBuilder().setPartition(0))).build();
        assertThat(fetch(zeroPartitionBytes).getErrorMessage()).contains("partition_max_bytes");
    }

    @Test
    void aBrokerThatIsNotAReplicaOrFetchesAtAnotherEpochGetsANamedErrorAndNoRecords() throws InterruptedException {
        ReplicaFetchPartitionResponse notReplica = only(fetch(valid().build()));
        assertThat(notReplica.getError()).isEqualTo(ErrorCode.REPLICA_NOT_AVAILABLE);
        assertThat(notReplica.getRecords().isEmpty()).isTrue();
        ReplicaFetchRequest staleEpoch = valid().setTopics(0, ReplicaFetchTopic.newBuilder().setTopic("t")
                .addPartitions(ReplicaFetchPartition.newBuilder().setPartition(0).setPartitionMaxBytes(1 << 20)
                        .setCurrentLeaderEpoch(-5))).build();
        assertThat(only(fetch(staleEpoch)).getError()).isEqualTo(ErrorCode.FENCED_LEADER_EPOCH);
        ReplicaFetchRequest futureEpoch = valid().setTopics(0, ReplicaFetchTopic.newBuilder().setTopic("t")
                .addPartitions(ReplicaFetchPartition.newBuilder().setPartition(0).setPartitionMaxBytes(1 << 20)
                        .setCurrentLeaderEpoch(Integer.MAX_VALUE))).build();
        assertThat(only(fetch(futureEpoch)).getError()).isEqualTo(ErrorCode.UNKNOWN_LEADER_EPOCH);
    }

    @Test
    void unknownPartitionsAndDuplicatesAreAnsweredPerPartition() throws InterruptedException {
        ReplicaFetchRequest request = ReplicaFetchRequest.newBuilder().setReplicaId(7).setMaxBytes(1 << 20)
                .addTopics(ReplicaFetchTopic.newBuilder().setTopic("nope").addPartitions(ReplicaFetchPartition.newBuilder()
                        .setPartition(Integer.MAX_VALUE).setPartitionMaxBytes(1)))
                .addTopics(ReplicaFetchTopic.newBuilder().setTopic("t")
                        .addPartitions(ReplicaFetchPartition.newBuilder().setPartition(0).setPartitionMaxBytes(1))
                        .addPartitions(ReplicaFetchPartition.newBuilder().setPartition(0).setPartitionMaxBytes(1)))
                .build();
        ReplicaFetchResponse response = fetch(request);
        assertThat(response.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(response.getTopicsList()).flatExtracting(t -> t.getPartitionsList())
                .extracting(ReplicaFetchPartitionResponse::getError)
                .contains(ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.INVALID_REQUEST);
        assertThat(cluster.node(1).logManager().orElseThrow().allLogs()).hasSize(1);
    }
}
