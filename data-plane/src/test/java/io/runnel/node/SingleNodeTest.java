package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.record.Records;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ConfigResource;
import io.runnel.proto.ConfigSource;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.CreateTopicsResponse;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.DescribeConfigsResult;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartition;
import io.runnel.proto.FetchPartitionResponse;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.FetchServiceGrpc;
import io.runnel.proto.FetchTopic;
import io.runnel.proto.ListOffsetsPartition;
import io.runnel.proto.ListOffsetsRequest;
import io.runnel.proto.ListOffsetsTopic;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataResponse;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.ResourceType;
import io.runnel.proto.TopicMetadata;
import io.runnel.proto.TopicProduceData;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A single-node cluster (both roles, one Ratis voter) driven over its real gRPC API. */
class SingleNodeTest {

    @TempDir
    Path dir;

    private LocalCluster cluster;
    private ManagedChannel channel;
    private AdminServiceGrpc.AdminServiceBlockingStub admin;
    private ProduceServiceGrpc.ProduceServiceBlockingStub produce;
    private FetchServiceGrpc.FetchServiceBlockingStub fetch;
    private MetadataServiceGrpc.MetadataServiceBlockingStub metadata;

    @BeforeEach
    void start() {
        cluster = LocalCluster.singleNode(dir).start();
        connect();
    }

    private void connect() {
        channel = NettyChannelBuilder.forTarget(cluster.bootstrapServers()).usePlaintext().build();
        admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        produce = ProduceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        fetch = FetchServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        metadata = MetadataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    private CreateTopicsResponse createTopic(String name, int partitions) {
        return admin.createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName(name).setNumPartitions(partitions).setReplicationFactor(1)).build());
    }

    private static ByteBuffer batch(String... values) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        for (String value : values) {
            builder.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8), new Header[0]);
        }
        return builder.build();
    }

    private PartitionProduceResponse send(String topic, int partition, ByteBuffer records) {
        return produce.produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000).addTopics(TopicProduceData.newBuilder()
                .setTopic(topic).addPartitions(PartitionProduceData.newBuilder().setPartition(partition)
                        .setRecords(UnsafeByteOperations.unsafeWrap(records)))).build()).getTopics(0).getPartitions(0);
    }

    private FetchPartitionResponse read(String topic, int partition, long offset) {
        return fetch.fetch(FetchRequest.newBuilder().setMaxWaitMs(0).setMaxBytes(1 << 20)
                .addTopics(FetchTopic.newBuilder().setTopic(topic).addPartitions(FetchPartition.newBuilder()
                        .setPartition(partition).setFetchOffset(offset).setPartitionMaxBytes(1 << 20))).build())
                .getTopics(0).getPartitions(0);
    }

    private static List<String> values(FetchPartitionResponse response) {
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : Records.wrap(response.getRecords().asReadOnlyByteBuffer()).batches()) {
            batch.records().forEachRemaining(r -> values.add(StandardCharsets.UTF_8.decode(r.value()).toString()));
        }
        return values;
    }

    @Test
    void createdTopicAcceptsRecordsAndServesThemBack() {
        CreateTopicsResponse created = createTopic("orders", 3);
        assertThat(created.getTopics(0).getError()).isEqualTo(ErrorCode.NONE);

        MetadataResponse described = metadata.getMetadata(MetadataRequest.newBuilder().addTopics("orders").build());
        TopicMetadata topic = described.getTopics(0);
        assertThat(topic.getPartitionsList()).hasSize(3).allSatisfy(p -> {
            assertThat(p.getLeaderId()).isEqualTo(1);
            assertThat(p.getIsrList()).containsExactly(1);
        });
        assertThat(described.getBrokersList()).hasSize(1);

        assertThat(send("orders", 1, batch("a", "b")).getBaseOffset()).isZero();
        assertThat(send("orders", 1, batch("c")).getBaseOffset()).isEqualTo(2);
        FetchPartitionResponse fetched = read("orders", 1, 0);
        assertThat(fetched.getHighWatermark()).isEqualTo(3);
        assertThat(values(fetched)).containsExactly("a", "b", "c");

        long latest = fetch.listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder().setTopic("orders")
                .addPartitions(ListOffsetsPartition.newBuilder().setPartition(1).setTimestamp(-1))).build())
                .getTopics(0).getPartitions(0).getOffset();
        assertThat(latest).isEqualTo(3);
    }

    @Test
    void topicsAndRecordsSurviveARestart() {
        createTopic("durable", 1);
        send("durable", 0, batch("kept"));
        cluster.restart(1);
        channel.shutdownNow();
        connect();
        assertThat(values(read("durable", 0, 0))).containsExactly("kept");
        assertThat(createTopic("durable", 1).getTopics(0).getError()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);
    }

    @Test
    void badTopicRequestsGetNamedErrors() {
        assertThat(createTopic("bad name!", 1).getTopics(0).getError()).isEqualTo(ErrorCode.INVALID_TOPIC_EXCEPTION);
        createTopic("orders", 2);
        CreateTopicsResponse again = createTopic("orders", 2);
        assertThat(again.getTopics(0).getError()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);
        assertThat(again.getTopics(0).getErrorMessage()).contains("orders");

        ErrorCode decrease = admin.createPartitions(CreatePartitionsRequest.newBuilder().addTopics(CreatePartitionsTopic.newBuilder()
                .setName("orders").setCount(1)).build()).getResults(0).getError();
        assertThat(decrease).isEqualTo(ErrorCode.INVALID_PARTITIONS);

        assertThat(send("orders", 9, batch("x")).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(send("missing", 0, batch("x")).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(read("orders", 0, 42).getError()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);

        ByteBuffer corrupt = batch("x", "y");
        corrupt.put(corrupt.limit() - 1, (byte) 0x7f);
        assertThat(send("orders", 0, corrupt).getError()).isEqualTo(ErrorCode.CORRUPT_MESSAGE);
        assertThat(read("orders", 0, 0).getHighWatermark()).isZero();
    }

    @Test
    void configsAreAlteredDescribedAndEnforced() {
        createTopic("small", 1);
        ErrorCode bad = admin.alterConfigs(AlterConfigsRequest.newBuilder().addResources(AlterConfigsResource.newBuilder()
                .setType(ResourceType.TOPIC).setName("small").addConfigs(AlterableConfig.newBuilder()
                        .setName("max.message.bytes").setOp(AlterConfigOp.SET).setValue("lots"))).build()).getResults(0).getError();
        assertThat(bad).isEqualTo(ErrorCode.INVALID_CONFIG);
        admin.alterConfigs(AlterConfigsRequest.newBuilder().addResources(AlterConfigsResource.newBuilder()
                .setType(ResourceType.TOPIC).setName("small").addConfigs(AlterableConfig.newBuilder()
                        .setName("max.message.bytes").setOp(AlterConfigOp.SET).setValue("200"))).build());

        DescribeConfigsResult described = admin.describeConfigs(DescribeConfigsRequest.newBuilder().addResources(ConfigResource.newBuilder()
                .setType(ResourceType.TOPIC).setName("small")).build()).getResults(0);
        assertThat(described.getEntriesList()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("max.message.bytes");
            assertThat(e.getValue()).isEqualTo("200");
            assertThat(e.getSource()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
        });
        assertThat(described.getEntriesList()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("retention.ms");
            assertThat(e.getValue()).isEqualTo("604800000");
            assertThat(e.getSource()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        });
        assertThat(send("small", 0, batch("x".repeat(500))).getError()).isEqualTo(ErrorCode.RECORD_TOO_LARGE);
    }

    @Test
    void deletedTopicLeavesNoDataOnDisk() throws Exception {
        createTopic("gone", 2);
        send("gone", 0, batch("x"));
        Path dataDir = cluster.node(1).config().logDirs().get(0);
        assertThat(Files.exists(dataDir.resolve("gone-0"))).isTrue();
        assertThat(admin.deleteTopics(DeleteTopicsRequest.newBuilder().addNames("gone").build()).getTopics(0).getError())
                .isEqualTo(ErrorCode.NONE);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
            try (var files = Files.list(dataDir)) {
                return files.noneMatch(p -> p.getFileName().toString().startsWith("gone-"));
            }
        });
        assertThat(metadata.getMetadata(MetadataRequest.newBuilder().addTopics("gone").build()).getTopics(0).getError())
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void autoCreatesTopicsOnlyWhenAsked() {
        assertThat(metadata.getMetadata(MetadataRequest.newBuilder().addTopics("lazy").build()).getTopics(0).getError())
                .isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        TopicMetadata created = metadata.getMetadata(MetadataRequest.newBuilder().addTopics("lazy")
                .setAllowAutoTopicCreation(true).build()).getTopics(0);
        assertThat(created.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(created.getPartitionsList()).hasSize(1);
    }

    @Test
    void healthCheckSaysServingAndAFetchWithEveryFieldUnsetIsAConsumerFetch() {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        // A client generated from proto/ that sets nothing gets consumer behaviour (replica fetches have an RPC of
        // their own): an answer, with nothing in it.
        assertThat(fetch.fetch(FetchRequest.getDefaultInstance()).getTopicsList()).isEmpty();
    }
}
