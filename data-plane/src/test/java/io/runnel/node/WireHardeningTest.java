package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.node.testing.LocalCluster;
import io.runnel.node.testing.LogCapture;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ConfigResource;
import io.runnel.proto.ControllerServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartition;
import io.runnel.proto.FetchPartitionResponse;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.FetchServiceGrpc;
import io.runnel.proto.FetchTopic;
import io.runnel.proto.ListOffsetsRequest;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.ResourceType;
import io.runnel.proto.TopicPartition;
import io.runnel.proto.TopicProduceData;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The defects issue 11 found with malformed and boundary requests, each checked on a real single node
 * over gRPC. Every test also asserts that the node logged no ERROR (nor a SEVERE gRPC or protobuf line).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WireHardeningTest {

    static final String FIRE = new String(Character.toChars(0x1F525));

    @TempDir
    static Path dir;

    private LocalCluster cluster;
    private ManagedChannel channel;
    private ManagedChannel controllerChannel;
    private LogCapture logs;
    private int topicCounter;

    @BeforeAll
    void start() {
        cluster = LocalCluster.singleNode(dir).start();
        channel = NettyChannelBuilder.forTarget(cluster.bootstrapServers()).usePlaintext().build();
        int controllerPort = cluster.node(1).port("CONTROLLER").orElseThrow();
        controllerChannel = NettyChannelBuilder.forAddress("127.0.0.1", controllerPort).usePlaintext().build();
    }

    @AfterAll
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        controllerChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    @BeforeEach
    void captureLogs() {
        logs = LogCapture.start();
    }

    @AfterEach
    void noErrorWasLogged() {
        logs.close();
        assertThat(logs.lines()).as("ERROR/SEVERE log lines").isEmpty();
    }

    private AdminServiceGrpc.AdminServiceBlockingStub admin() {
        return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private ProduceServiceGrpc.ProduceServiceBlockingStub produce() {
        return ProduceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private FetchServiceGrpc.FetchServiceBlockingStub fetch() {
        return FetchServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private MetadataServiceGrpc.MetadataServiceBlockingStub metadata() {
        return MetadataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private String newTopic(int partitions) {
        String name = "t" + (++topicCounter);
        ErrorCode created = admin().createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName(name).setNumPartitions(partitions).setReplicationFactor(1)).build()).getTopics(0).getError();
        assertThat(created).isEqualTo(ErrorCode.NONE);
        return name;
    }

    private boolean exists(String topic) {
        return metadata().getMetadata(MetadataRequest.newBuilder().addTopics(topic).build()).getTopics(0).getError()
                == ErrorCode.NONE;
    }

    private static StatusRuntimeException refused(Supplier<?> call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::get);
        assertThat(e).as("the call failed").isNotNull();
        return e;
    }

    private static void assertInvalidRequest(StatusRuntimeException e, String messagePart) {
        assertThat(e.getStatus().getCode()).as(e.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcErrors.errorCode(e)).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(e.getStatus().getDescription()).contains(messagePart);
    }

    static ByteBuffer batch(String... values) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        for (String value : values) {
            builder.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8), new Header[0]);
        }
        return builder.build();
    }

    private PartitionProduceResponse send(String topic, int partition, ByteString records) {
        return produce().produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000).addTopics(TopicProduceData.newBuilder()
                .setTopic(topic).addPartitions(PartitionProduceData.newBuilder().setPartition(partition)
                        .setRecords(records))).build()).getTopics(0).getPartitions(0);
    }

    private PartitionProduceResponse send(String topic, ByteBuffer records) {
        return send(topic, 0, UnsafeByteOperations.unsafeWrap(records));
    }

    private long highWatermark(String topic) {
        return fetchPartition(FetchRequest.newBuilder().setMaxBytes(1 << 20), topic, 0).getHighWatermark();
    }

    private FetchPartitionResponse fetchPartition(FetchRequest.Builder request, String topic, long offset) {
        return fetch().fetch(request.addTopics(FetchTopic.newBuilder().setTopic(topic)
                .addPartitions(FetchPartition.newBuilder().setPartition(0).setFetchOffset(offset)
                        .setPartitionMaxBytes(1 << 20))).build()).getTopics(0).getPartitions(0);
    }

    // ---------------------------------------------------------------- defect 1

    @Test
    void theLargestTimeoutsAreLongWaitsAndTheAnswerSaysWhatHappened() {
        for (int timeoutMs : new int[] {Integer.MAX_VALUE, 2_000_000_000, 0, -1, Integer.MIN_VALUE}) {
            String name = "timeout" + (++topicCounter);
            assertThat(admin().createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(timeoutMs).addTopics(
                    CreatableTopic.newBuilder().setName(name).setNumPartitions(1).setReplicationFactor(1)).build())
                    .getTopics(0).getError()).as("create, timeout_ms %d", timeoutMs).isEqualTo(ErrorCode.NONE);
            assertThat(admin().createPartitions(CreatePartitionsRequest.newBuilder().setTimeoutMs(timeoutMs).addTopics(
                    CreatePartitionsTopic.newBuilder().setName(name).setCount(2)).build()).getResults(0).getError())
                    .as("grow, timeout_ms %d", timeoutMs).isEqualTo(ErrorCode.NONE);
            assertThat(admin().electLeaders(ElectLeadersRequest.newBuilder().setTimeoutMs(timeoutMs).addPartitions(
                    TopicPartition.newBuilder().setTopic(name).setPartition(0)).build()).getResults(0).getError())
                    .as("elect, timeout_ms %d", timeoutMs).isEqualTo(ErrorCode.ELECTION_NOT_NEEDED);
            assertThat(admin().deleteTopics(DeleteTopicsRequest.newBuilder().setTimeoutMs(timeoutMs).addNames(name).build())
                    .getTopics(0).getError()).as("delete, timeout_ms %d", timeoutMs).isEqualTo(ErrorCode.NONE);
            assertThat(exists(name)).isFalse();
        }
    }

    @Test
    void aTimedOutCreateTopicsSaysWhetherItTookEffect() {
        // 1 ms is too short for the controller to commit; whatever the answer, it must not be a bare failure
        // for a topic that then exists.
        for (int i = 0; i < 20; i++) {
            String name = "short" + (++topicCounter);
            try {
                ErrorCode error = admin().createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(1).addTopics(
                        CreatableTopic.newBuilder().setName(name).setNumPartitions(1).setReplicationFactor(1)).build())
                        .getTopics(0).getError();
                assertThat(error).isEqualTo(ErrorCode.NONE);
                assertThat(exists(name)).isTrue();
            } catch (StatusRuntimeException e) {
                assertThat(GrpcErrors.errorCode(e)).as(e.toString()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
                String outcome = GrpcErrors.outcome(e).orElseThrow(() -> new AssertionError("no outcome in " + e));
                if (outcome.equals(GrpcErrors.OUTCOME_NOT_APPLIED)) {
                    assertThat(exists(name)).as(e.toString()).isFalse();
                } else {
                    assertThat(outcome).isIn(GrpcErrors.OUTCOME_UNKNOWN, GrpcErrors.OUTCOME_COMMITTED);
                }
            }
        }
    }

    // ---------------------------------------------------------------- defect 2

    @Test
    void unknownEnumValuesAreInvalidRequestNamingFieldAndValue() {
        for (int type : new int[] {1, 3, 99, -1}) {
            assertInvalidRequest(refused(() -> admin().describeConfigs(DescribeConfigsRequest.newBuilder()
                    .addResources(ConfigResource.newBuilder().setTypeValue(type).setName("x")).build())),
                    "resources[0].type has value " + type);
        }
        assertInvalidRequest(refused(() -> admin().alterConfigs(AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder().setTypeValue(99).setName("x")).build())),
                "resources[0].type has value 99");
        assertInvalidRequest(refused(() -> admin().alterConfigs(AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder().setType(ResourceType.TOPIC).setName("x")
                        .addConfigs(AlterableConfig.newBuilder().setName("retention.ms").setOpValue(9))).build())),
                "resources[0].configs[0].op has value 9");
        assertInvalidRequest(refused(() -> admin().electLeaders(ElectLeadersRequest.newBuilder().setElectionTypeValue(5).build())),
                "election_type has value 5");
        assertInvalidRequest(refused(() -> fetch().fetch(FetchRequest.newBuilder().setIsolationLevelValue(3).build())),
                "isolation_level has value 3");
        assertInvalidRequest(refused(() -> fetch().listOffsets(ListOffsetsRequest.newBuilder().setIsolationLevelValue(-1).build())),
                "isolation_level has value -1");
        // The controller's own listener guards its requests the same way.
        ControllerServiceGrpc.ControllerServiceBlockingStub controller = ControllerServiceGrpc.newBlockingStub(controllerChannel)
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        assertInvalidRequest(refused(() -> controller.alterConfigs(AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder().setTypeValue(99).setName("x")).build())),
                "resources[0].type has value 99");
    }

    @Test
    void serverReflectionStillDescribesTheGuardedServices() throws Exception {
        java.util.concurrent.CompletableFuture<io.grpc.reflection.v1.ServerReflectionResponse> answer =
                new java.util.concurrent.CompletableFuture<>();
        io.grpc.stub.StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests =
                io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .serverReflectionInfo(new io.grpc.stub.StreamObserver<>() {
                            @Override
                            public void onNext(io.grpc.reflection.v1.ServerReflectionResponse value) {
                                answer.complete(value);
                            }

                            @Override
                            public void onError(Throwable t) {
                                answer.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                            }
                        });
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
        var services = answer.get(30, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                .map(io.grpc.reflection.v1.ServiceResponse::getName).toList();
        requests.onCompleted();
        assertThat(services).contains("runnel.v1.ProduceService", "runnel.v1.FetchService", "runnel.v1.AdminService",
                "runnel.v1.MetadataService", "grpc.health.v1.Health");
    }

    // ---------------------------------------------------------------- defect 3

    @Test
    void fiveHundredConcurrentAcksAllProducesAllSucceed() throws Exception {
        String topic = newTopic(1);
        ProduceServiceGrpc.ProduceServiceFutureStub async = ProduceServiceGrpc.newFutureStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        java.util.List<com.google.common.util.concurrent.ListenableFuture<io.runnel.proto.ProduceResponse>> answers =
                new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String[] values = new String[10];
            java.util.Arrays.fill(values, "v" + i);
            answers.add(async.produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
                    .addTopics(TopicProduceData.newBuilder().setTopic(topic).addPartitions(PartitionProduceData.newBuilder()
                            .setPartition(0).setRecords(UnsafeByteOperations.unsafeWrap(batch(values))))).build()));
        }
        for (var answer : answers) {
            PartitionProduceResponse partition = answer.get(60, TimeUnit.SECONDS).getTopics(0).getPartitions(0);
            assertThat(partition.getError()).as(partition.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        }
        assertThat(highWatermark(topic)).isEqualTo(5_000);
    }

    // ---------------------------------------------------------------- defects 4, 5, 6

    /** {@code batch} with {@code junk} appended to its (compressed) records, batchLength and CRC fixed. */
    static ByteBuffer withTrailingJunk(ByteBuffer batch, byte[] junk) {
        ByteBuffer grown = ByteBuffer.allocate(batch.remaining() + junk.length);
        grown.put(batch.duplicate()).put(junk).flip();
        grown.putInt(io.runnel.common.record.RecordBatch.LENGTH_OFFSET,
                grown.getInt(io.runnel.common.record.RecordBatch.LENGTH_OFFSET) + junk.length);
        fixCrc(grown);
        return grown;
    }

    static void fixCrc(ByteBuffer batch) {
        io.runnel.common.record.RecordBatch view = io.runnel.common.record.RecordBatch.readFrom(batch.duplicate());
        batch.putInt(batch.position() + io.runnel.common.record.RecordBatch.CRC_OFFSET, (int) view.computeChecksum());
    }

    @Test
    void anEmptyRecordsFieldIsRefusedAndAppendsNothing() {
        String topic = newTopic(1);
        send(topic, batch("a"));
        PartitionProduceResponse empty = send(topic, 0, ByteString.EMPTY);
        assertThat(empty.getError()).isEqualTo(ErrorCode.INVALID_RECORD);
        assertThat(empty.getBaseOffset()).isEqualTo(-1);
        assertThat(highWatermark(topic)).isEqualTo(1);
    }

    @Test
    void everyCodecRefusesJunkAfterItsCompressedRecords() {
        String topic = newTopic(1);
        for (io.runnel.common.record.CompressionType type : io.runnel.common.record.CompressionType.values()) {
            if (type == io.runnel.common.record.CompressionType.NONE) {
                continue;
            }
            RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(type).newBuilder();
            builder.append(System.currentTimeMillis(), null, "value".getBytes(StandardCharsets.UTF_8), new Header[0]);
            ByteBuffer good = builder.build();
            PartitionProduceResponse refused = send(topic, withTrailingJunk(good, "junk!".getBytes(StandardCharsets.UTF_8)));
            assertThat(refused.getError()).as("%s: %s", type, refused.getErrorMessage()).isEqualTo(ErrorCode.CORRUPT_MESSAGE);
        }
        assertThat(highWatermark(topic)).isZero();
    }

    @Test
    void batchHeaderFieldsKafkaValidatesAreValidated() {
        String topic = newTopic(1);
        ByteBuffer transactionalWithoutProducer = batch("x");
        transactionalWithoutProducer.putShort(io.runnel.common.record.RecordBatch.ATTRIBUTES_OFFSET, (short) 0x10);
        fixCrc(transactionalWithoutProducer);
        assertThat(send(topic, transactionalWithoutProducer).getError()).isEqualTo(ErrorCode.INVALID_RECORD);
        ByteBuffer unusedBits = batch("x");
        unusedBits.putShort(io.runnel.common.record.RecordBatch.ATTRIBUTES_OFFSET, (short) 0x0200);
        fixCrc(unusedBits);
        assertThat(send(topic, unusedBits).getError()).isEqualTo(ErrorCode.INVALID_RECORD);
        ByteBuffer epochWithoutProducer = batch("x");
        epochWithoutProducer.putShort(io.runnel.common.record.RecordBatch.PRODUCER_EPOCH_OFFSET, (short) 12);
        fixCrc(epochWithoutProducer);
        assertThat(send(topic, epochWithoutProducer).getError()).isEqualTo(ErrorCode.INVALID_RECORD);
        assertThat(highWatermark(topic)).isZero();
    }

    // ---------------------------------------------------------------- defect 7 (max_bytes)

    private static int batches(FetchPartitionResponse response) {
        int count = 0;
        for (io.runnel.common.record.RecordBatch ignored
                : io.runnel.common.record.Records.wrap(response.getRecords().asReadOnlyByteBuffer()).batches()) {
            count++;
        }
        return count;
    }

    @Test
    void maxBytesZeroBehavesLikeOneAndNegativeIsInvalidRequest() {
        String topic = newTopic(1);
        for (int i = 0; i < 3; i++) {
            assertThat(send(topic, batch("a" + i, "b" + i)).getError()).isEqualTo(ErrorCode.NONE);
        }
        assertThat(batches(fetchPartition(FetchRequest.newBuilder().setMaxBytes(1 << 20), topic, 0))).isEqualTo(3);
        assertThat(batches(fetchPartition(FetchRequest.newBuilder().setMaxBytes(1), topic, 0))).isEqualTo(1);
        assertThat(batches(fetchPartition(FetchRequest.newBuilder().setMaxBytes(0), topic, 0))).isEqualTo(1);
        assertThat(batches(fetchPartition(FetchRequest.newBuilder(), topic, 0)))
                .as("max_bytes left unset: fetch.max.bytes' default, 50 MiB").isEqualTo(3);
        for (int negative : new int[] {-1, Integer.MIN_VALUE}) {
            assertInvalidRequest(refused(() -> fetchPartition(FetchRequest.newBuilder().setMaxBytes(negative), topic, 0)),
                    "max_bytes must not be negative, not " + negative);
        }
    }

    // ---------------------------------------------------------------- defect 8

    @Test
    void clientsCannotCreateOrDeleteInternalTopicsButABrokerCanCreateThem() {
        var autoCreated = metadata().getMetadata(MetadataRequest.newBuilder().addTopics("__cluster_metadata")
                .setAllowAutoTopicCreation(true).build()).getTopics(0);
        assertThat(autoCreated.getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(exists("__cluster_metadata")).isFalse();
        var created = admin().createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName("__consumer_offsets").setNumPartitions(1).setReplicationFactor(1)).build()).getTopics(0);
        assertThat(created.getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(exists("__consumer_offsets")).isFalse();

        // The internal path: a registered broker at its current epoch.
        long brokerEpoch = admin().describeCluster(io.runnel.proto.DescribeClusterRequest.newBuilder().setIncludeQuorum(true)
                .build()).getBrokerStatesList().stream().filter(b -> b.getId() == 1).findFirst().orElseThrow().getBrokerEpoch();
        var internal = ControllerServiceGrpc.newBlockingStub(controllerChannel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .createInternalTopics(io.runnel.proto.CreateInternalTopicsRequest.newBuilder().setBrokerId(1)
                        .setBrokerEpoch(brokerEpoch).setRequest(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic
                                .newBuilder().setName("__consumer_offsets").setNumPartitions(2).setReplicationFactor(1)))
                        .build());
        assertThat(internal.getResponse().getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        cluster.node(1).awaitMetadata(internal.getMetadataOffset()).join();
        var described = metadata().getMetadata(MetadataRequest.newBuilder().addTopics("__consumer_offsets").build()).getTopics(0);
        assertThat(described.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(described.getIsInternal()).isTrue();

        assertThat(admin().deleteTopics(DeleteTopicsRequest.newBuilder().addNames("__consumer_offsets").build())
                .getTopics(0).getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(send("__consumer_offsets", batch("x")).getError()).isEqualTo(ErrorCode.INVALID_TOPIC_EXCEPTION);
        var deleteRecords = admin().deleteRecords(io.runnel.proto.DeleteRecordsRequest.newBuilder().addTopics(
                io.runnel.proto.DeleteRecordsTopic.newBuilder().setName("__consumer_offsets").addPartitions(
                        io.runnel.proto.DeleteRecordsPartition.newBuilder().setPartition(0).setOffset(-1))).build());
        assertThat(deleteRecords.getTopics(0).getPartitions(0).getError()).isEqualTo(ErrorCode.INVALID_TOPIC_EXCEPTION);
        assertThat(exists("__consumer_offsets")).isTrue();
    }

    // ---------------------------------------------------------------- defect 9

    @Test
    void errorTextsNameCharactersOutsideTheBmpByCodePoint() {
        for (String name : new String[] {FIRE, "a" + FIRE + "b", FIRE.repeat(300), "tab\there"}) {
            String message = admin().createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                    .setName(name).setNumPartitions(1).setReplicationFactor(1)).build()).getTopics(0).getErrorMessage();
            assertThat(message).isNotEmpty();
            assertThat(message.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as(message).isTrue();
            assertThat(message).containsAnyOf("U+1F525", "U+0009");
            String described = metadata().getMetadata(MetadataRequest.newBuilder().addTopics(name)
                    .setAllowAutoTopicCreation(true).build()).getTopics(0).getErrorMessage();
            assertThat(described.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as(described).isTrue();
            // Found by the fuzzer when reassignments were merged: their errors echoed the name raw.
            String listed = admin().listPartitionReassignments(io.runnel.proto.ListPartitionReassignmentsRequest.newBuilder()
                    .addTopics(io.runnel.proto.ListPartitionReassignmentsTopic.newBuilder().setName(name)).build())
                    .getErrorMessage();
            assertThat(listed).isNotEmpty().hasSizeLessThan(2_100);
            assertThat(listed.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as(listed).isTrue();
        }
    }
}
