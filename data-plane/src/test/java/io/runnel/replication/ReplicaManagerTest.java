package io.runnel.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.common.ListOffsetsTimestamps;
import io.runnel.common.TopicPartition;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.record.Records;
import io.runnel.common.time.MockTime;
import io.runnel.common.time.Time;
import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.PartitionRecord;
import io.runnel.proto.metadata.RemoveTopicRecord;
import io.runnel.proto.metadata.TopicRecord;
import io.runnel.purgatory.DelayedOperationPurgatory;
import io.runnel.purgatory.ManualPurgatory;
import io.runnel.storage.LogConfig;
import io.runnel.storage.LogManager;
import io.runnel.storage.LogManagerConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica manager on real logs, driven by metadata records as the loader would deliver them. Its
 * purgatories run on a {@link MockTime} that only the test moves, so waits and expiries are exact.
 */
class ReplicaManagerTest {

    private static final int BROKER = 1;
    private static final UUID TOPIC_ID = UUID.randomUUID();
    private static final TopicPartition TP = new TopicPartition("orders", 0);
    /** Recent record timestamps, so time retention (7 days by default) never removes test data. */
    private static final long NOW_MS = System.currentTimeMillis();

    @TempDir
    Path dir;

    private final MockTime purgatoryTime = new MockTime();
    private final DelayedOperationPurgatory<DelayedProduce> producePurgatory = ManualPurgatory.create("produce", purgatoryTime);
    private final DelayedOperationPurgatory<DelayedFetch> fetchPurgatory = ManualPurgatory.create("fetch", purgatoryTime);
    private ScheduledExecutorService scheduler;
    private LogManager logManager;
    private ReplicaManager replicaManager;
    private MetadataImage image = MetadataImage.EMPTY;
    private long offset;
    private Map<String, String> topicConfig = new LinkedHashMap<>();

    private final ReplicationContext replication = ReplicationContext.standalone(Time.SYSTEM);

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        logManager = new LogManager(LogManagerConfig.of(List.of(dir)),
                tp -> LogConfig.defaults(), scheduler, Time.SYSTEM);
        logManager.startup();
        replicaManager = new ReplicaManager(BROKER, logManager, replication, producePurgatory, fetchPurgatory);
    }

    @AfterEach
    void stop() {
        replicaManager.close();
        logManager.shutdown();
        scheduler.shutdownNow();
    }

    private void replay(MetadataRecord... records) {
        MetadataDelta delta = new MetadataDelta(image);
        for (MetadataRecord record : records) {
            delta.replay(record);
        }
        image = delta.apply(++offset);
        replicaManager.applyDelta(delta.topicsDelta().localChanges(BROKER), image, topic -> LogConfig.fromMap(topicConfig));
    }

    private static MetadataRecord topic(String name, UUID id) {
        return MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name).setTopicId(id.toString())).build();
    }

    private static MetadataRecord partition(UUID id, int partition, List<Integer> replicas, List<Integer> isr, int leader, int epoch) {
        return MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder().setTopicId(id.toString())
                .setPartitionId(partition).addAllReplicas(replicas).addAllIsr(isr).setLeader(leader)
                .setLeaderEpoch(epoch).setPartitionEpoch(epoch)).build();
    }

    private void createTopic(List<Integer> replicas, List<Integer> isr, int leader) {
        createTopic(replicas, isr, leader, 0);
    }

    private void createTopic(List<Integer> replicas, List<Integer> isr, int leader, int epoch) {
        replay(topic(TP.topic(), TOPIC_ID), partition(TOPIC_ID, 0, replicas, isr, leader, epoch));
    }

    private static ByteBuffer batch(String... values) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        for (String value : values) {
            builder.append(NOW_MS, ("k-" + value).getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8),
                    new Header[] {new Header("h", "v".getBytes(StandardCharsets.UTF_8))});
        }
        return builder.build();
    }

    private Map<TopicPartition, ProduceResult> produce(int acks, ByteBuffer records, OptionalInt epoch) {
        CompletableFuture<Map<TopicPartition, ProduceResult>> done = new CompletableFuture<>();
        replicaManager.appendRecords(acks, 5_000, Map.of(TP, new ProduceInput(records, epoch)), done::complete);
        return done.join();
    }

    private CompletableFuture<LinkedHashMap<TopicPartition, FetchResult>> fetch(long fetchOffset, int maxWaitMs, int minBytes) {
        CompletableFuture<LinkedHashMap<TopicPartition, FetchResult>> done = new CompletableFuture<>();
        LinkedHashMap<TopicPartition, FetchInput> inputs = new LinkedHashMap<>();
        inputs.put(TP, new FetchInput(fetchOffset, 1 << 20, OptionalInt.empty()));
        replicaManager.fetch(new FetchParams(maxWaitMs, minBytes, 1 << 20), inputs, done::complete);
        return done;
    }

    /** Moves the purgatories' clock and expires what is due, on this thread. */
    private void advancePurgatoryClock(long ms) {
        purgatoryTime.advance(ms);
        ManualPurgatory.expireDue(producePurgatory);
        ManualPurgatory.expireDue(fetchPurgatory);
    }

    private static List<String> values(ByteBuffer records) {
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : Records.wrap(records).batches()) {
            batch.records().forEachRemaining(r -> values.add(r.offset() + ":" + StandardCharsets.UTF_8.decode(r.value())));
        }
        return values;
    }

    @Test
    void leaderAppendsAssignsOffsetsAndServesThemBelowTheHighWatermark() {
        createTopic(List.of(BROKER), List.of(BROKER), BROKER);
        assertThat(produce(1, batch("a", "b"), OptionalInt.empty()).get(TP).baseOffset()).isZero();
        ProduceResult second = produce(-1, batch("c"), OptionalInt.of(0)).get(TP);
        assertThat(second.error()).isEqualTo(ErrorCode.NONE);
        assertThat(second.baseOffset()).isEqualTo(2);

        FetchResult fetched = fetch(1, 0, 0).join().get(TP);
        assertThat(fetched.error()).isEqualTo(ErrorCode.NONE);
        assertThat(fetched.highWatermark()).isEqualTo(3);
        // Whole batches come back: the first batch starts before offset 1, the client skips offset 0.
        assertThat(values(fetched.records())).containsExactly("0:a", "1:b", "2:c");
    }

    @Test
    void longPollFetchAnswersWhenDataArrives() {
        createTopic(List.of(BROKER), List.of(BROKER), BROKER);
        CompletableFuture<LinkedHashMap<TopicPartition, FetchResult>> waiting = fetch(0, 10_000, 1);
        assertThat(waiting).isNotDone();
        produce(1, batch("late"), OptionalInt.empty());
        FetchResult result = waiting.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join().get(TP);
        assertThat(values(result.records())).containsExactly("0:late");
    }

    @Test
    void longPollFetchExpiresEmptyAfterMaxWait() {
        createTopic(List.of(BROKER), List.of(BROKER), BROKER);
        CompletableFuture<LinkedHashMap<TopicPartition, FetchResult>> waiting = fetch(0, 500, 1);
        advancePurgatoryClock(499);
        assertThat(waiting).as("waiting 1 ms short of maxWaitMs").isNotDone();
        advancePurgatoryClock(1);
        assertThat(waiting).as("answered at maxWaitMs").isDone();
        FetchResult result = waiting.join().get(TP);
        assertThat(result.error()).isEqualTo(ErrorCode.NONE);
        assertThat(result.sizeInBytes()).isZero();
        assertThat(result.highWatermark()).isZero();
    }

    @Test
    void staleAndNewerLeaderEpochsAreRejectedWithoutAppending() {
        createTopic(List.of(BROKER), List.of(BROKER), BROKER, 3);
        int epoch = replicaManager.partition(TP).orElseThrow().leaderEpoch();
        assertThat(epoch).isEqualTo(3);
        assertThat(produce(1, batch("x"), OptionalInt.of(epoch - 1)).get(TP).error()).isEqualTo(ErrorCode.FENCED_LEADER_EPOCH);
        assertThat(produce(1, batch("x"), OptionalInt.of(epoch + 1)).get(TP).error()).isEqualTo(ErrorCode.UNKNOWN_LEADER_EPOCH);
        assertThat(logManager.getLog(TP).orElseThrow().logEndOffset()).isZero();
    }

    @Test
    void followerAnswersNotLeaderWithTheLeadersId() {
        createTopic(List.of(2, BROKER), List.of(2, BROKER), 2);
        ProduceResult result = produce(1, batch("x"), OptionalInt.empty()).get(TP);
        assertThat(result.error()).isEqualTo(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        assertThat(result.leaderId()).isEqualTo(2);
        assertThat(fetch(0, 0, 0).join().get(TP).error()).isEqualTo(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }

    @Test
    void unknownTopicAndPartitionAreNamed() {
        createTopic(List.of(BROKER), List.of(BROKER), BROKER);
        CompletableFuture<Map<TopicPartition, ProduceResult>> done = new CompletableFuture<>();
        TopicPartition missing = new TopicPartition("orders", 7);
        replicaManager.appendRecords(1, 1_000, Map.of(missing, new ProduceInput(batch("x"), OptionalInt.empty())), done::complete);
        ProduceResult result = done.join().get(missing);
        assertThat(result.error()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(result.errorMessage()).contains("orders").contains("7");
    }

    @Test
    void acksAllNeedsMinInSyncReplicas() {
        topicConfig.put("min.insync.replicas", "2");
        createTopic(List.of(BROKER), List.of(BROKER), BROKER);
        ProduceResult result = produce(-1, batch("x"), OptionalInt.empty()).get(TP);
        assertThat(result.error()).isEqualTo(ErrorCode.NOT_ENOUGH_REPLICAS);
        assertThat(logManager.getLog(TP).orElseThrow().logEndOffset()).isZero();
        assertThat(produce(1, batch("x"), OptionalInt.empty()).get(TP).error()).isEqualTo(ErrorCode.NONE);
    }

    /** A controller heartbeat acknowledged just now: the lease of a leader whose followers do not fetch. */
    private void renewLeaseByHeartbeat() {
        replication.lease().onHeartbeatAcknowledged(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime()),
                -1, 9_000);
    }

    @Test
    void aLeaderWithFollowersServesOnlyWhileALeaseHolds() {
        createTopic(List.of(BROKER, 2), List.of(BROKER, 2), BROKER);
        ProduceResult refused = produce(1, batch("x"), OptionalInt.empty()).get(TP);
        assertThat(refused.error()).isEqualTo(ErrorCode.NOT_LEADER_OR_FOLLOWER);
        assertThat(refused.errorMessage()).contains("does not hold its lease");
        assertThat(logManager.getLog(TP).orElseThrow().logEndOffset()).isZero();
        renewLeaseByHeartbeat();
        assertThat(produce(1, batch("x"), OptionalInt.empty()).get(TP).error()).isEqualTo(ErrorCode.NONE);
    }

    @Test
    void acksAllWaitsForTheIsrAndTimesOutWhenAFollowerNeverCatchesUp() {
        createTopic(List.of(BROKER, 2), List.of(BROKER, 2), BROKER);
        renewLeaseByHeartbeat();
        CompletableFuture<Map<TopicPartition, ProduceResult>> done = new CompletableFuture<>();
        replicaManager.appendRecords(-1, 100, Map.of(TP, new ProduceInput(batch("x"), OptionalInt.empty())), done::complete);
        advancePurgatoryClock(99);
        assertThat(done).as("waiting for the follower 1 ms short of the timeout").isNotDone();
        advancePurgatoryClock(1);
        assertThat(done).isDone();
        ProduceResult result = done.join().get(TP);
        assertThat(result.error()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
        // The batch is in the leader's log but not below the high watermark, so consumers do not see it.
        assertThat(fetch(0, 0, 0).join().get(TP).sizeInBytes()).isZero();
    }

    @Test
    void corruptBatchIsRejectedAndNothingAppended() {
        createTopic(List.of(BROKER), List.of(BROKER), BROKER);
        ByteBuffer corrupt = batch("a", "b");
        corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 0x5a));
        ProduceResult result = produce(1, corrupt, OptionalInt.empty()).get(TP);
        assertThat(result.error()).isEqualTo(ErrorCode.CORRUPT_MESSAGE);
        assertThat(logManager.getLog(TP).orElseThrow().logEndOffset()).isZero();
    }

    @Test
    void listOffsetsAndDeleteRecords() {
        createTopic(List.of(BROKER), List.of(BROKER), BROKER);
        produce(1, batch("a", "b", "c"), OptionalInt.empty());
        assertThat(replicaManager.listOffset(TP, ListOffsetsTimestamps.EARLIEST_TIMESTAMP, OptionalInt.empty()).offset()).isZero();
        assertThat(replicaManager.listOffset(TP, ListOffsetsTimestamps.LATEST_TIMESTAMP, OptionalInt.empty()).offset()).isEqualTo(3);
        assertThat(replicaManager.listOffset(TP, NOW_MS, OptionalInt.empty()).offset()).isZero();
        assertThat(replicaManager.listOffset(TP, NOW_MS + 1, OptionalInt.empty()).offset()).isEqualTo(-1);

        assertThat(replicaManager.deleteRecords(TP, 2)).isEqualTo(2);
        assertThat(replicaManager.listOffset(TP, ListOffsetsTimestamps.EARLIEST_TIMESTAMP, OptionalInt.empty()).offset()).isEqualTo(2);
        assertThat(fetch(0, 0, 0).join().get(TP).error()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
    }

    @Test
    void deletingTheTopicRemovesTheReplicaAndItsFiles() throws Exception {
        createTopic(List.of(BROKER), List.of(BROKER), BROKER);
        produce(1, batch("a"), OptionalInt.empty());
        Path partitionDir = logManager.getLog(TP).orElseThrow().dir();
        replay(MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder().setTopicId(TOPIC_ID.toString())).build());
        assertThat(replicaManager.partition(TP)).isEmpty();
        assertThat(logManager.getLog(TP)).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(partitionDir));
        assertThat(produce(1, batch("a"), OptionalInt.empty()).get(TP).error()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void topicConfigUpdatesReachTheLog() {
        createTopic(List.of(BROKER), List.of(BROKER), BROKER);
        replicaManager.updateLogConfig("orders", LogConfig.fromMap(Map.of("max.message.bytes", "100")));
        ProduceResult result = produce(1, batch("x".repeat(200)), OptionalInt.empty()).get(TP);
        assertThat(result.error()).isEqualTo(ErrorCode.RECORD_TOO_LARGE);
    }
}
