package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.InitProducerIdRequest;
import io.runnel.proto.InitProducerIdResponse;
import io.runnel.proto.ListOffsetsPartition;
import io.runnel.proto.ListOffsetsRequest;
import io.runnel.proto.ListOffsetsTopic;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicProduceData;
import io.runnel.proto.TransactionServiceGrpc;
import io.runnel.proto.FetchServiceGrpc;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's side of idempotence on a real single node over gRPC, with batches built by hand as any
 * client could send them: InitProducerId, duplicates answered with their first offsets, the producer
 * state across restarts, and bad producer fields refused with the named error and nothing appended.
 */
class IdempotentProduceTest {

    @TempDir
    Path dir;

    private LocalCluster cluster;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        cluster = LocalCluster.singleNode(dir).start();
        connect();
        AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName("orders").setNumPartitions(1).setReplicationFactor(1)).build());
    }

    private void connect() {
        channel = NettyChannelBuilder.forTarget(cluster.bootstrapServers()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    private InitProducerIdResponse initProducerId(InitProducerIdRequest request) {
        return TransactionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).initProducerId(request);
    }

    private long newProducerId() {
        InitProducerIdResponse response = initProducerId(InitProducerIdRequest.newBuilder().setProducerId(-1).setProducerEpoch(-1).build());
        assertThat(response.getError()).as(response.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        assertThat(response.getProducerEpoch()).isZero();
        return response.getProducerId();
    }

    private static ByteBuffer batch(long producerId, int epoch, int baseSequence, int count) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().producerId(producerId).producerEpoch((short) epoch)
                .baseSequence(baseSequence).newBuilder();
        for (int i = 0; i < count; i++) {
            builder.append(System.currentTimeMillis(), null, ("v" + i).getBytes(StandardCharsets.UTF_8), null);
        }
        return builder.build();
    }

    private PartitionProduceResponse send(ByteBuffer records, int acks) {
        return ProduceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .produce(ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(10_000).addTopics(TopicProduceData.newBuilder()
                        .setTopic("orders").addPartitions(PartitionProduceData.newBuilder().setPartition(0)
                                .setRecords(UnsafeByteOperations.unsafeWrap(records.duplicate())))).build())
                .getTopics(0).getPartitions(0);
    }

    private long logEndOffset() {
        return FetchServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder().setTopic("orders")
                        .addPartitions(ListOffsetsPartition.newBuilder().setPartition(0).setTimestamp(-1))).build())
                .getTopics(0).getPartitions(0).getOffset();
    }

    @Test
    void everyInitProducerIdGetsANewIdWithEpochZero() {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(newProducerId());
        }
        assertThat(ids).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).isNotNegative());
        InitProducerIdResponse transactional = initProducerId(InitProducerIdRequest.newBuilder().setTransactionalId("tx-1")
                .setProducerId(-1).setProducerEpoch(-1).build());
        assertThat(transactional.getError()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
        assertThat(transactional.getErrorMessage()).contains("'tx-1'").contains("not supported");
        InitProducerIdResponse half = initProducerId(InitProducerIdRequest.newBuilder().setProducerId(5).setProducerEpoch(-1).build());
        assertThat(half.getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(half.getErrorMessage()).contains("producer_id 5 and producer_epoch -1");
    }

    @Test
    void aRetriedBatchIsAnsweredWithItsFirstOffsetsForEveryAcksSetting() {
        long producer = newProducerId();
        ByteBuffer first = batch(producer, 0, 0, 3);
        ByteBuffer second = batch(producer, 0, 3, 2);
        assertThat(send(first, -1).getBaseOffset()).isZero();
        assertThat(send(second, 1).getBaseOffset()).isEqualTo(3);
        for (int acks : new int[] {-1, 1}) {
            PartitionProduceResponse again = send(first, acks);
            assertThat(again.getError()).isEqualTo(ErrorCode.NONE);
            assertThat(again.getBaseOffset()).isZero();
            assertThat(send(second, acks).getBaseOffset()).isEqualTo(3);
        }
        assertThat(logEndOffset()).isEqualTo(5);
    }

    @Test
    void badProducerFieldsAreRefusedWithTheNamedErrorAndNothingIsAppended() {
        long producer = newProducerId();
        send(batch(producer, 0, 0, 1), -1);
        assertRefused(batch(-1, -1, 0, 1), ErrorCode.INVALID_RECORD, "without a producerId");
        assertRefused(batch(producer, -3, 1, 1), ErrorCode.INVALID_RECORD, "producerEpoch -3");
        assertRefused(batch(1_000_000_000L, 0, 0, 1), ErrorCode.UNKNOWN_PRODUCER_ID, "was never issued");
        assertRefused(batch(producer, 0, 5, 1), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "sequence 1 is next");
        assertRefused(batch(producer + 1, 0, 4, 1), ErrorCode.UNKNOWN_PRODUCER_ID, "has no state for producer");
        assertThat(logEndOffset()).isEqualTo(1);
    }

    private void assertRefused(ByteBuffer batch, ErrorCode code, String messagePart) {
        PartitionProduceResponse answer = send(batch, -1);
        assertThat(answer.getError()).as(answer.getErrorMessage()).isEqualTo(code);
        assertThat(answer.getErrorMessage()).contains(messagePart);
    }

    @Test
    void aBatchSentBeforeARestartIsStillRecognisedAfterIt() throws Exception {
        long producer = newProducerId();
        List<ByteBuffer> sent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ByteBuffer batch = batch(producer, 0, 2 * i, 2);
            sent.add(batch);
            assertThat(send(batch, -1).getBaseOffset()).isEqualTo(2L * i);
        }
        for (boolean kill : new boolean[] {false, true}) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            if (kill) {
                cluster.kill(1);
                cluster.start(1);
            } else {
                cluster.restart(1);
            }
            connect();
            PartitionProduceResponse retry = send(sent.get(sent.size() - 1), -1);
            assertThat(retry.getError()).as(retry.getErrorMessage()).isEqualTo(ErrorCode.NONE);
            assertThat(retry.getBaseOffset()).isEqualTo(2L * (sent.size() - 1));
        }
        assertThat(send(batch(producer, 0, 8, 1), -1).getBaseOffset()).isEqualTo(8);
        assertThat(logEndOffset()).isEqualTo(9);
    }
}
