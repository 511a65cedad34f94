package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.Header;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatableTopicResult;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteRecordsPartition;
import io.runnel.proto.DeleteRecordsRequest;
import io.runnel.proto.DeleteRecordsTopic;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartition;
import io.runnel.proto.FetchPartitionResponse;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.FetchServiceGrpc;
import io.runnel.proto.FetchTopic;
import io.runnel.proto.ListOffsetsPartition;
import io.runnel.proto.ListOffsetsRequest;
import io.runnel.proto.ListOffsetsTopic;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRecord;
import io.runnel.proto.ProduceRecordList;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.RecordHeader;
import io.runnel.proto.RpcErrorInfo;
import io.runnel.proto.RpcStatus;
import io.runnel.proto.TopicProduceData;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 on a real single node over gRPC: what a client generated from proto/ gets when it leaves a field
 * unset (every unset field means something safe, as the proto comments say), the messages form of Produce,
 * and whole-call errors decodable with errors.proto alone (and named by the runnel-error-code trailer).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiDefaultsTest {

    @TempDir
    static Path dir;

    private LocalCluster cluster;
    private ManagedChannel channel;
    private int topicCounter;

    @BeforeAll
    void start() {
        // A cluster default that differs from 1 shows that an unset partition count takes it.
        cluster = LocalCluster.singleNode(dir, Map.of("num.partitions", "3")).start();
        channel = NettyChannelBuilder.forTarget(cluster.bootstrapServers()).usePlaintext().build();
    }

    @AfterAll
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
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

    private String newTopic(Map<String, String> configs) {
        String name = "defaults-" + (++topicCounter);
        CreatableTopicResult created = admin().createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName(name).setNumPartitions(1).setReplicationFactor(1).putAllConfigs(configs)).build()).getTopics(0);
        assertThat(created.getError()).as(created.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        return name;
    }

    private PartitionProduceResponse produce(ProduceRequest.Builder request, String topic, PartitionProduceData.Builder data) {
        return produce().produce(request.addTopics(TopicProduceData.newBuilder().setTopic(topic)
                .addPartitions(data.setPartition(0))).build()).getTopics(0).getPartitions(0);
    }

    private static PartitionProduceData.Builder batchOf(String... values) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        for (String value : values) {
            builder.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8), new Header[0]);
        }
        return PartitionProduceData.newBuilder().setRecords(UnsafeByteOperations.unsafeWrap(builder.build()));
    }

    private FetchPartitionResponse fetch(FetchRequest.Builder request, String topic, FetchPartition.Builder partition) {
        return fetch().fetch(request.addTopics(FetchTopic.newBuilder().setTopic(topic)
                .addPartitions(partition.setPartition(0))).build()).getTopics(0).getPartitions(0);
    }

    private static List<RecordBatch> batches(FetchPartitionResponse response) {
        ByteBuffer buffer = response.getRecords().asReadOnlyByteBuffer();
        List<RecordBatch> batches = new ArrayList<>();
        while (buffer.remaining() >= RecordBatch.HEADER_SIZE) {
            RecordBatch batch = RecordBatch.readFrom(buffer);
            batches.add(batch);
            buffer.position(buffer.position() + batch.sizeInBytes());
        }
        return batches;
    }

    @Test
    void anUnsetAcksMeansAllNeverFireAndForget() {
        // min.insync.replicas=2 on a one-broker cluster: only acks=all is refused, so the answer shows which acks applied.
        String topic = newTopic(Map.of("min.insync.replicas", "2"));
        PartitionProduceResponse unset = produce(ProduceRequest.newBuilder(), topic, batchOf("a"));
        assertThat(unset.getError()).as(unset.getErrorMessage()).isEqualTo(ErrorCode.NOT_ENOUGH_REPLICAS);

        PartitionProduceResponse zero = produce(ProduceRequest.newBuilder().setAcks(0), topic, batchOf("b"));
        assertThat(zero.getError()).isEqualTo(ErrorCode.NONE);
        PartitionProduceResponse one = produce(ProduceRequest.newBuilder().setAcks(1), topic, batchOf("c"));
        assertThat(one.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(one.getBaseOffset()).isEqualTo(1);
    }

    @Test
    void unsetPartitionCountAndReplicationFactorTakeTheClusterDefaults() {
        CreatableTopicResult created = admin().createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("cluster-defaults")).build()).getTopics(0);
        assertThat(created.getError()).as(created.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        assertThat(created.getNumPartitions()).isEqualTo(3);
        assertThat(created.getReplicationFactor()).isEqualTo(1);

        CreatableTopicResult zero = admin().createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("zero-partitions").setNumPartitions(0)).build()).getTopics(0);
        assertThat(zero.getError()).isEqualTo(ErrorCode.INVALID_PARTITIONS);
    }

    @Test
    void anUnsetListOffsetsTimestampMeansEarliest() {
        String topic = newTopic(Map.of());
        produce(ProduceRequest.newBuilder(), topic, batchOf("0", "1", "2", "3", "4"));
        admin().deleteRecords(DeleteRecordsRequest.newBuilder().addTopics(DeleteRecordsTopic.newBuilder().setName(topic)
                .addPartitions(DeleteRecordsPartition.newBuilder().setPartition(0).setOffset(2))).build());

        assertThat(listOffset(topic, ListOffsetsPartition.newBuilder())).as("unset: earliest").isEqualTo(2);
        assertThat(listOffset(topic, ListOffsetsPartition.newBuilder().setTimestamp(-1))).as("latest").isEqualTo(5);
    }

    private long listOffset(String topic, ListOffsetsPartition.Builder partition) {
        var answer = fetch().listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder()
                .setTopic(topic).addPartitions(partition.setPartition(0))).build()).getTopics(0).getPartitions(0);
        assertThat(answer.getError()).as(answer.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        return answer.getOffset();
    }

    @Test
    void unsetFetchSizesAreKafkasConsumerDefaultsAndZeroMeansOneBatchInBoth() {
        String topic = newTopic(Map.of());
        for (String value : List.of("a", "b", "c")) {
            produce(ProduceRequest.newBuilder(), topic, batchOf(value));
        }
        assertThat(batches(fetch(FetchRequest.newBuilder(), topic, FetchPartition.newBuilder()))).as("unset").hasSize(3);
        assertThat(batches(fetch(FetchRequest.newBuilder(), topic, FetchPartition.newBuilder().setPartitionMaxBytes(0))))
                .as("partition_max_bytes 0").hasSize(1);
        assertThat(batches(fetch(FetchRequest.newBuilder().setMaxBytes(0), topic, FetchPartition.newBuilder())))
                .as("max_bytes 0").hasSize(1);

        FetchPartitionResponse negative = fetch(FetchRequest.newBuilder(), topic, FetchPartition.newBuilder().setPartitionMaxBytes(-1));
        assertThat(negative.getError()).isEqualTo(ErrorCode.INVALID_FETCH_SIZE);
        assertThat(negative.getErrorMessage()).contains("partition_max_bytes").contains("-1");
    }

    @Test
    void theMessagesFormIsBuiltIntoOneBatchThatReadsBackRecordForRecord() {
        String topic = newTopic(Map.of("compression.type", "zstd"));
        ProduceRecordList messages = ProduceRecordList.newBuilder()
                .addRecords(ProduceRecord.newBuilder().setKey(ByteString.copyFromUtf8("k1")).setValue(ByteString.copyFromUtf8("v1"))
                        .setTimestampMs(1_700_000_000_000L)
                        .addHeaders(RecordHeader.newBuilder().setKey("h").setValue(ByteString.copyFromUtf8("x")))
                        .addHeaders(RecordHeader.newBuilder().setKey("null-valued")))
                .addRecords(ProduceRecord.newBuilder().setValue(ByteString.EMPTY))  // null key, empty value, broker's time
                .addRecords(ProduceRecord.newBuilder().setKey(ByteString.copyFromUtf8("gone")))  // a tombstone
                .build();
        long beforeMs = System.currentTimeMillis();
        PartitionProduceResponse answer = produce(ProduceRequest.newBuilder(), topic, PartitionProduceData.newBuilder().setMessages(messages));
        assertThat(answer.getError()).as(answer.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        assertThat(answer.getBaseOffset()).isZero();

        List<RecordBatch> batches = batches(fetch(FetchRequest.newBuilder(), topic, FetchPartition.newBuilder()));
        assertThat(batches).hasSize(1);
        assertThat(batches.get(0).compressionType()).as("the topic's compression.type").isEqualTo(CompressionType.ZSTD);
        assertThat(batches.get(0).isValid()).isTrue();
        List<Record> records = new ArrayList<>();
        batches.get(0).records().forEachRemaining(records::add);
        assertThat(records).hasSize(3);
        assertThat(text(records.get(0).key())).isEqualTo("k1");
        assertThat(text(records.get(0).value())).isEqualTo("v1");
        assertThat(records.get(0).timestamp()).isEqualTo(1_700_000_000_000L);
        assertThat(records.get(0).headers()).containsExactly(Header.ofString("h", "x"), new Header("null-valued", null));
        assertThat(records.get(1).key()).isNull();
        assertThat(records.get(1).value().remaining()).isZero();
        assertThat(records.get(1).timestamp()).isBetween(beforeMs, System.currentTimeMillis());
        assertThat(records.get(2).offset()).isEqualTo(2);
        assertThat(records.get(2).value()).isNull();
    }

    @Test
    void theMessagesFormHasTheChecksOfTheBatchForm() {
        String topic = newTopic(Map.of("max.message.bytes", "2000"));
        ProduceRecord big = ProduceRecord.newBuilder().setValue(ByteString.copyFrom(new byte[5_000])).build();
        PartitionProduceResponse tooLarge = produce(ProduceRequest.newBuilder(), topic,
                PartitionProduceData.newBuilder().setMessages(ProduceRecordList.newBuilder().addRecords(big)));
        assertThat(tooLarge.getError()).isEqualTo(ErrorCode.RECORD_TOO_LARGE);
        assertThat(tooLarge.getErrorMessage()).contains("2000");

        PartitionProduceResponse empty = produce(ProduceRequest.newBuilder(), topic,
                PartitionProduceData.newBuilder().setMessages(ProduceRecordList.getDefaultInstance()));
        assertThat(empty.getError()).isEqualTo(ErrorCode.INVALID_RECORD);

        PartitionProduceResponse negative = produce(ProduceRequest.newBuilder(), topic, PartitionProduceData.newBuilder()
                .setMessages(ProduceRecordList.newBuilder().addRecords(ProduceRecord.newBuilder().setTimestampMs(-5))));
        assertThat(negative.getError()).isEqualTo(ErrorCode.INVALID_TIMESTAMP);
        assertThat(negative.getErrorMessage()).contains("timestamp_ms").contains("-5");

        PartitionProduceResponse nothing = produce(ProduceRequest.newBuilder(), topic, PartitionProduceData.newBuilder());
        assertThat(nothing.getError()).isEqualTo(ErrorCode.INVALID_RECORD);
        FetchPartitionResponse log = fetch(FetchRequest.newBuilder(), topic, FetchPartition.newBuilder());
        assertThat(log.getHighWatermark()).as("nothing appended").isZero();
    }

    @Test
    void aWholeCallErrorIsDecodableWithErrorsProtoAndNamedInThePlainTrailer() throws Exception {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> fetch().fetch(FetchRequest.newBuilder()
                .setMaxBytes(-1).addTopics(FetchTopic.newBuilder().setTopic("any")
                        .addPartitions(FetchPartition.newBuilder())).build()));
        assertThat(e).isNotNull();
        Metadata trailers = e.getTrailers();
        assertThat(trailers.get(GrpcErrors.ERROR_CODE_KEY)).isEqualTo("INVALID_REQUEST");

        byte[] details = trailers.get(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER));
        RpcStatus status = RpcStatus.parseFrom(details);
        assertThat(status.getCode()).isEqualTo(e.getStatus().getCode().value());
        assertThat(status.getMessage()).contains("max_bytes");
        Any detail = status.getDetails(0);
        assertThat(detail.getTypeUrl()).isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
        RpcErrorInfo info = RpcErrorInfo.parseFrom(detail.getValue());
        assertThat(info.getReason()).isEqualTo("INVALID_REQUEST");
        assertThat(info.getDomain()).isEqualTo(GrpcErrors.DOMAIN);
    }

    private static String text(ByteBuffer bytes) {
        return bytes == null ? null : StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
    }
}
