package io.runnel.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.record.Records;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteRecordsPartition;
import io.runnel.proto.DeleteRecordsPartitionResult;
import io.runnel.proto.DeleteRecordsRequest;
import io.runnel.proto.DeleteRecordsTopic;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ElectLeadersResponse;
import io.runnel.proto.ElectionResult;
import io.runnel.proto.ElectionType;
import io.runnel.proto.EpochEndOffsetResult;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartition;
import io.runnel.proto.FetchPartitionResponse;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.FetchResponse;
import io.runnel.proto.FetchServiceGrpc;
import io.runnel.proto.FetchTopic;
import io.runnel.proto.ListOffsetsPartition;
import io.runnel.proto.ListOffsetsRequest;
import io.runnel.proto.ListOffsetsTopic;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.OffsetForLeaderEpochRequest;
import io.runnel.proto.OffsetForLeaderPartition;
import io.runnel.proto.OffsetForLeaderTopic;
import io.runnel.proto.PartitionMetadata;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicPartition;
import io.runnel.proto.TopicProduceData;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's gRPC services against real nodes (real gRPC, Ratis and logs), for the calls the client
 * tests reach least: OffsetForLeaderEpoch, ElectLeaders, DeleteRecords, a long-poll fetch (max_wait_ms
 * above 0) and a produce request larger than a segment. Assertions are on answers and data, never on time.
 */
class RpcServicesTest {

    @TempDir
    Path dir;

    private LocalCluster cluster;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private ManagedChannel channel(String target) {
        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().maxInboundMessageSize(16 << 20).build();
        channels.add(channel);
        return channel;
    }

    private ManagedChannel broker(int id) {
        return channel("127.0.0.1:" + cluster.node(id).port("PLAINTEXT").orElseThrow());
    }

    private static AdminServiceGrpc.AdminServiceBlockingStub admin(ManagedChannel channel) {
        return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static FetchServiceGrpc.FetchServiceBlockingStub fetch(ManagedChannel channel) {
        return FetchServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static void createTopic(ManagedChannel channel, String name, int partitions, int replicationFactor,
                                    Map<String, String> configs) {
        CreatableTopic.Builder topic = CreatableTopic.newBuilder().setName(name).setNumPartitions(partitions)
                .setReplicationFactor(replicationFactor);
        topic.putAllConfigs(configs);
        assertThat(admin(channel).createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(30_000).addTopics(topic).build())
                .getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
    }

    private static ByteBuffer batch(int records, int valueBytes, String prefix) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        for (int i = 0; i < records; i++) {
            String value = prefix + i;
            byte[] bytes = (value + "x".repeat(Math.max(0, valueBytes - value.length()))).getBytes(StandardCharsets.UTF_8);
            builder.append(System.currentTimeMillis(), null, bytes, new Header[0]);
        }
        return builder.build();
    }

    private static PartitionProduceResponse produce(ManagedChannel channel, String topic, int partition, ByteBuffer... batches) {
        int size = 0;
        for (ByteBuffer batch : batches) {
            size += batch.remaining();
        }
        ByteBuffer request = ByteBuffer.allocate(size);
        for (ByteBuffer batch : batches) {
            request.put(batch.duplicate());
        }
        request.flip();
        return ProduceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(30_000).addTopics(TopicProduceData.newBuilder()
                        .setTopic(topic).addPartitions(PartitionProduceData.newBuilder().setPartition(partition)
                                .setRecords(UnsafeByteOperations.unsafeWrap(request)))).build())
                .getTopics(0).getPartitions(0);
    }

    private static FetchRequest fetchRequest(String topic, int partition, long offset, int maxWaitMs, int minBytes) {
        return FetchRequest.newBuilder().setMaxWaitMs(maxWaitMs).setMinBytes(minBytes).setMaxBytes(8 << 20)
                .addTopics(FetchTopic.newBuilder().setTopic(topic).addPartitions(FetchPartition.newBuilder()
                        .setPartition(partition).setFetchOffset(offset).setPartitionMaxBytes(8 << 20))).build();
    }

    private static List<String> values(FetchPartitionResponse response) {
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : Records.wrap(response.getRecords().asReadOnlyByteBuffer()).batches()) {
            batch.records().forEachRemaining(r -> values.add(StandardCharsets.UTF_8.decode(r.value()).toString()));
        }
        return values;
    }

    private static PartitionMetadata partitionMetadata(ManagedChannel channel, String topic, int partition) {
        return MetadataServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .getMetadata(MetadataRequest.newBuilder().addTopics(topic).build()).getTopics(0).getPartitions(partition);
    }

    private static EpochEndOffsetResult endOffsetFor(ManagedChannel channel, String topic, int epoch, Integer currentEpoch) {
        OffsetForLeaderPartition.Builder partition = OffsetForLeaderPartition.newBuilder().setPartition(0).setLeaderEpoch(epoch);
        if (currentEpoch != null) {
            partition.setCurrentLeaderEpoch(currentEpoch);
        }
        return fetch(channel).offsetForLeaderEpoch(OffsetForLeaderEpochRequest.newBuilder().addTopics(OffsetForLeaderTopic.newBuilder().setTopic(topic).addPartitions(partition)).build())
                .getTopics(0).getPartitions(0);
    }

    @Test
    void offsetForLeaderEpochAnswersWhereEachEpochEnded() {
        cluster = LocalCluster.singleNode(dir).start();
        ManagedChannel channel = channel(cluster.bootstrapServers());
        createTopic(channel, "epochs", 1, 1, Map.of());
        int firstEpoch = partitionMetadata(channel, "epochs", 0).getLeaderEpoch();
        assertThat(produce(channel, "epochs", 0, batch(3, 10, "a")).getError()).isEqualTo(ErrorCode.NONE);

        // A restart takes the leadership away and gives it back: a new leader epoch starts at offset 3.
        channel.shutdownNow();
        cluster.restart(1);
        ManagedChannel again = channel(cluster.bootstrapServers());
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            PartitionMetadata partition = partitionMetadata(again, "epochs", 0);
            return partition.getLeaderId() == 1 && partition.getError() == ErrorCode.NONE;
        });
        int secondEpoch = partitionMetadata(again, "epochs", 0).getLeaderEpoch();
        assertThat(secondEpoch).isGreaterThan(firstEpoch);
        assertThat(produce(again, "epochs", 0, batch(2, 10, "b")).getError()).isEqualTo(ErrorCode.NONE);

        EpochEndOffsetResult ofFirst = endOffsetFor(again, "epochs", firstEpoch, null);
        assertThat(ofFirst.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(ofFirst.getLeaderEpoch()).isEqualTo(firstEpoch);
        assertThat(ofFirst.getEndOffset()).as("the first epoch ends where the second began").isEqualTo(3);
        EpochEndOffsetResult ofLatest = endOffsetFor(again, "epochs", secondEpoch, secondEpoch);
        assertThat(ofLatest.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(ofLatest.getLeaderEpoch()).isEqualTo(secondEpoch);
        assertThat(ofLatest.getEndOffset()).as("the latest epoch ends at the log end").isEqualTo(5);

        // The caller's view of the leader's epoch is checked: older is fenced, newer is not known yet.
        assertThat(endOffsetFor(again, "epochs", firstEpoch, firstEpoch).getError()).isEqualTo(ErrorCode.FENCED_LEADER_EPOCH);
        assertThat(endOffsetFor(again, "epochs", secondEpoch, secondEpoch + 1).getError()).isEqualTo(ErrorCode.UNKNOWN_LEADER_EPOCH);
        EpochEndOffsetResult unknownTopic = fetch(again).offsetForLeaderEpoch(OffsetForLeaderEpochRequest.newBuilder()
                .addTopics(OffsetForLeaderTopic.newBuilder().setTopic("missing").addPartitions(
                        OffsetForLeaderPartition.newBuilder().setPartition(0).setLeaderEpoch(0))).build())
                .getTopics(0).getPartitions(0);
        assertThat(unknownTopic.getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(unknownTopic.getEndOffset()).isEqualTo(-1);
    }

    @Test
    void deleteRecordsMovesTheLogStartOffsetAndRefusesToPassTheHighWatermark() {
        cluster = LocalCluster.singleNode(dir).start();
        ManagedChannel channel = channel(cluster.bootstrapServers());
        createTopic(channel, "trimmed", 1, 1, Map.of());
        assertThat(produce(channel, "trimmed", 0, batch(5, 0, "v")).getError()).isEqualTo(ErrorCode.NONE);

        DeleteRecordsPartitionResult deleted = deleteRecords(channel, "trimmed", 0, 3);
        assertThat(deleted.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(deleted.getLowWatermark()).isEqualTo(3);
        long earliest = fetch(channel).listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder()
                .setTopic("trimmed").addPartitions(ListOffsetsPartition.newBuilder().setPartition(0).setTimestamp(-2))).build())
                .getTopics(0).getPartitions(0).getOffset();
        assertThat(earliest).isEqualTo(3);
        FetchPartitionResponse below = fetch(channel).fetch(fetchRequest("trimmed", 0, 0, 0, 0)).getTopics(0).getPartitions(0);
        assertThat(below.getError()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        // Whole batches come back; the records below the log start offset are the consumer's to skip.
        FetchPartitionResponse from = fetch(channel).fetch(fetchRequest("trimmed", 0, 3, 0, 0)).getTopics(0).getPartitions(0);
        assertThat(from.getLogStartOffset()).isEqualTo(3);
        assertThat(values(from)).contains("v3", "v4");

        DeleteRecordsPartitionResult beyond = deleteRecords(channel, "trimmed", 0, 6);
        assertThat(beyond.getError()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(beyond.getErrorMessage()).contains("high watermark 5");
        DeleteRecordsPartitionResult toTheHighWatermark = deleteRecords(channel, "trimmed", 0, -1);
        assertThat(toTheHighWatermark.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(toTheHighWatermark.getLowWatermark()).isEqualTo(5);
        assertThat(deleteRecords(channel, "trimmed", 7, 1).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    private static DeleteRecordsPartitionResult deleteRecords(ManagedChannel channel, String topic, int partition, long offset) {
        return admin(channel).deleteRecords(DeleteRecordsRequest.newBuilder().setTimeoutMs(30_000).addTopics(
                DeleteRecordsTopic.newBuilder().setName(topic).addPartitions(DeleteRecordsPartition.newBuilder()
                        .setPartition(partition).setOffset(offset))).build()).getTopics(0).getPartitions(0);
    }

    /** A fetch with max_wait_ms above 0 waits in purgatory and is answered by the produce that brings data. */
    @Test
    void aLongPollFetchIsAnsweredByTheRecordsThatArrive() throws Exception {
        cluster = LocalCluster.singleNode(dir).start();
        ManagedChannel channel = channel(cluster.bootstrapServers());
        createTopic(channel, "polled", 1, 1, Map.of());

        CompletableFuture<FetchResponse> waiting = new CompletableFuture<>();
        FetchServiceGrpc.newStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS)
                .fetch(fetchRequest("polled", 0, 0, 60_000, 1), observer(waiting));
        // The fetch waits for at least one byte (up to a minute): nothing can answer it but new records.
        assertThat(waiting).isNotDone();
        assertThat(produce(channel, "polled", 0, batch(2, 0, "late")).getError()).isEqualTo(ErrorCode.NONE);
        FetchPartitionResponse answered = waiting.get(60, TimeUnit.SECONDS).getTopics(0).getPartitions(0);
        assertThat(answered.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(values(answered)).containsExactly("late0", "late1");
        assertThat(answered.getHighWatermark()).isEqualTo(2);

        // With nothing new it expires with an empty answer, not an error.
        FetchPartitionResponse expired = fetch(channel).fetch(fetchRequest("polled", 0, 2, 300, 1)).getTopics(0).getPartitions(0);
        assertThat(expired.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(expired.getRecords().isEmpty()).isTrue();
        assertThat(expired.getHighWatermark()).isEqualTo(2);
    }

    private static <T> StreamObserver<T> observer(CompletableFuture<T> result) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                result.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    /**
     * A produce request whose batches together exceed segment.bytes (1 MiB, the smallest allowed) is
     * appended whole, rolling between batches, and everything reads back.
     */
    @Test
    void aProduceRequestLargerThanASegmentIsAppendedWhole() throws Exception {
        cluster = LocalCluster.singleNode(dir).start();
        ManagedChannel channel = channel(cluster.bootstrapServers());
        createTopic(channel, "big-requests", 1, 1, Map.of("segment.bytes", "1048576", "max.message.bytes", "4194304"));
        ByteBuffer[] batches = new ByteBuffer[6];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = batch(400, 1000, "b" + i + "-");
        }
        PartitionProduceResponse produced = produce(channel, "big-requests", 0, batches);
        assertThat(produced.getError()).as(produced.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        assertThat(produced.getBaseOffset()).isZero();

        List<String> read = new ArrayList<>();
        long offset = 0;
        while (read.size() < 2400) {
            FetchPartitionResponse response = fetch(channel).fetch(fetchRequest("big-requests", 0, offset, 0, 0))
                    .getTopics(0).getPartitions(0);
            assertThat(response.getError()).isEqualTo(ErrorCode.NONE);
            List<String> values = values(response);
            assertThat(values).isNotEmpty();
            read.addAll(values);
            offset += values.size();
        }
        assertThat(read).hasSize(2400);
        assertThat(read.get(0)).startsWith("b0-0x");
        assertThat(read.get(2399)).startsWith("b5-399x");
        Path partitionDir = cluster.node(1).config().logDirs().get(0).resolve("big-requests-0");
        try (var files = Files.list(partitionDir)) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".log"))).as("segments").hasSizeGreaterThanOrEqualTo(3);
        }
        // One batch larger than a segment (but within max.message.bytes) is still refused, naming the limit.
        PartitionProduceResponse tooLarge = produce(channel, "big-requests", 0, batch(1200, 1000, "huge"));
        assertThat(tooLarge.getError()).isEqualTo(ErrorCode.RECORD_LIST_TOO_LARGE);
        assertThat(tooLarge.getErrorMessage()).contains("exceeds segment.bytes 1048576");
    }

    /**
     * ElectLeaders on a cluster of one controller and two brokers: a preferred election where the
     * preferred replica leads is not needed; an unclean election gives a leaderless partition to a live
     * replica outside the ISR (Kafka's semantics: acknowledged data may be lost).
     */
    @Test
    void electLeadersPreferredIsNotNeededAndUncleanRevivesALeaderlessPartition() {
        cluster = LocalCluster.of(dir, 1, 2, Map.of("broker.session.timeout.ms", "9000",
                "broker.heartbeat.interval.ms", "500")).start();
        ManagedChannel toFirst = broker(101);
        createTopic(toFirst, "elected", 2, 2, Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> partitionMetadata(toFirst, "elected", 0).getIsrCount() == 2
                && partitionMetadata(toFirst, "elected", 1).getIsrCount() == 2);

        ElectLeadersResponse preferred = admin(toFirst).electLeaders(ElectLeadersRequest.newBuilder()
                .setElectionType(ElectionType.PREFERRED).setTimeoutMs(30_000).build());
        assertThat(preferred.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(preferred.getResultsList()).extracting(ElectionResult::getError)
                .containsOnly(ErrorCode.ELECTION_NOT_NEEDED).hasSize(2);
        ElectLeadersResponse unknown = admin(toFirst).electLeaders(ElectLeadersRequest.newBuilder()
                .setElectionType(ElectionType.PREFERRED).setTimeoutMs(30_000)
                .addPartitions(TopicPartition.newBuilder().setTopic("elected").setPartition(9)).build());
        assertThat(unknown.getResultsList()).singleElement()
                .satisfies(r -> assertThat(r.getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));

        // Partition 0: its first replica stops, then the other; the last one in the ISR was the second.
        PartitionMetadata before = partitionMetadata(toFirst, "elected", 0);
        int first = before.getReplicas(0);
        int second = before.getReplicas(1);
        channels.remove(toFirst);
        toFirst.shutdownNow();
        cluster.stop(first);
        cluster.stop(second);
        cluster.start(first);
        ManagedChannel toRevived = broker(first);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> partitionMetadata(toRevived, "elected", 0).getLeaderId() == -1);

        ElectLeadersResponse unclean = admin(toRevived).electLeaders(ElectLeadersRequest.newBuilder()
                .setElectionType(ElectionType.UNCLEAN).setTimeoutMs(30_000)
                .addPartitions(TopicPartition.newBuilder().setTopic("elected").setPartition(0)).build());
        assertThat(unclean.getResultsList()).singleElement().satisfies(r -> assertThat(r.getError())
                .as(r.getErrorMessage()).isEqualTo(ErrorCode.NONE));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            PartitionMetadata after = partitionMetadata(toRevived, "elected", 0);
            assertThat(after.getLeaderId()).isEqualTo(first);
            assertThat(after.getIsrList()).containsExactly(first);
            assertThat(after.getLeaderEpoch()).isGreaterThan(before.getLeaderEpoch());
        });
    }
}
