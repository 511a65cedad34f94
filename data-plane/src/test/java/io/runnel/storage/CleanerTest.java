package io.runnel.storage;

import static io.runnel.storage.CompactionFixtures.Rec;
import static io.runnel.storage.CompactionFixtures.bytes;
import static io.runnel.storage.CompactionFixtures.compactConfig;
import static io.runnel.storage.CompactionFixtures.keyed;
import static io.runnel.storage.CompactionFixtures.latestPerKey;
import static io.runnel.storage.CompactionFixtures.readAll;
import static io.runnel.storage.CompactionFixtures.readBatches;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.record.TimestampType;
import io.runnel.common.time.MockTime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cleaner against real segment files: what stays, what goes, and what is never touched. */
class CleanerTest {

    @TempDir
    Path root;

    private final MockTime time = new MockTime();
    private final List<PartitionLog> logs = new ArrayList<>();

    @AfterEach
    void close() {
        logs.forEach(PartitionLog::close);
    }

    private PartitionLog open(LogConfig config) {
        PartitionLog log = PartitionLog.builder(root.resolve("compacted-0")).config(config).time(time).hadCleanShutdown(true).open();
        logs.add(log);
        return log;
    }

    /** Appends {@code rounds} updates of keys k0..k{keys-1} (value "v<round>"), one batch per round. */
    /** {@code rounds} updates of {@code keys} keys, then the high watermark at the log end (all replicated). */
    private List<Rec> appendUpdates(PartitionLog log, int keys, int rounds) {
        List<Rec> all = appendUnreplicatedUpdates(log, keys, rounds);
        log.updateHighWatermark(log.logEndOffset());
        return all;
    }

    /** The same updates, leaving the high watermark where it was (it only ever moves up). */
    private List<Rec> appendUnreplicatedUpdates(PartitionLog log, int keys, int rounds) {
        List<Rec> all = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            String[] kv = new String[keys * 2];
            for (int k = 0; k < keys; k++) {
                kv[2 * k] = "k" + k;
                kv[2 * k + 1] = "v" + round;
            }
            long base = log.logEndOffset();
            log.appendAsLeader(keyed(time.milliseconds(), kv), 1);
            for (int k = 0; k < keys; k++) {
                all.add(new Rec(base + k, "k" + k, "v" + round));
            }
        }
        return all;
    }

    private Cleaner.Result cleanToActive(PartitionLog log, OffsetMap map) {
        Cleaner cleaner = CompactionFixtures.directCleaner(map, time, FailurePoints.NONE);
        return cleaner.clean(log, log.logStartOffset(), log.activeSegment().baseOffset(), () -> { });
    }

    @Test
    void keepsTheLatestRecordOfEachKeyAtItsOffset() throws IOException {
        PartitionLog log = open(compactConfig(600));
        List<Rec> written = appendUpdates(log, 5, 30);
        log.roll();
        long end = log.logEndOffset();
        long bytesBefore = log.sizeInBytes();

        Cleaner.Result result = cleanToActive(log, new OffsetMap(1 << 20, 0.9));

        assertThat(result.completed()).isTrue();
        assertThat(result.nextDirtyOffset()).isEqualTo(end);
        assertThat(readAll(log)).isEqualTo(latestPerKey(written));
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(log.sizeInBytes()).isLessThan(bytesBefore);
        assertThat(result.stats().recordsRead()).isEqualTo(150);
        assertThat(result.stats().recordsWritten()).isEqualTo(5);
        try (Stream<Path> files = Files.list(log.dir())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.endsWith(".cleaned") || name.endsWith(".swap") || name.endsWith(".deleted"));
        }
    }

    @Test
    void twoDifferentKeysInTheSameHashBucketBothSurvive() {
        PartitionLog log = open(compactConfig(400));
        List<Rec> written = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            long base = log.logEndOffset();
            log.appendAsLeader(keyed(time.milliseconds(), "apple", "a" + round, "zebra", "z" + round), 1);
            written.add(new Rec(base, "apple", "a" + round));
            written.add(new Rec(base + 1, "zebra", "z" + round));
        }
        log.roll();
        log.updateHighWatermark(log.logEndOffset());

        // Every key hashes to the same value: an MD5-only map would have kept one of the two keys.
        cleanToActive(log, new OffsetMap(1 << 20, 0.9, key -> 0x5EEDL));

        assertThat(readAll(log)).containsExactlyElementsOf(latestPerKey(written))
                .extracting(Rec::key).containsExactly("apple", "zebra");
    }

    @Test
    void tombstonesStayForDeleteRetentionAfterTheCleaningThatKeptThemThenGo() {
        PartitionLog log = open(compactConfig(300).with(TopicConfig.DELETE_RETENTION_MS, 60_000));
        LogCleaner cleaner = CompactionFixtures.manualCleaner(root, logs, time);
        log.appendAsLeader(keyed(time.milliseconds(), "a", "1", "b", "1"), 1);
        log.appendAsLeader(keyed(time.milliseconds(), "a", null, "c", "1"), 1);
        log.roll();
        log.appendAsLeader(keyed(time.milliseconds(), "d", "1"), 1);
        log.updateHighWatermark(log.logEndOffset());

        assertThat(cleaner.cleanOnce()).isTrue();
        List<Rec> afterFirst = readAll(log);
        assertThat(afterFirst).containsExactly(new Rec(1, "b", "1"), new Rec(2, "a", null), new Rec(3, "c", "1"),
                new Rec(4, "d", "1"));
        RecordBatch tombstoneBatch = readBatches(log).stream().filter(b -> b.baseOffset() == 2).findFirst().orElseThrow();
        assertThat(tombstoneBatch.hasDeleteHorizonMs()).isTrue();
        assertThat(tombstoneBatch.baseTimestamp()).isEqualTo(time.milliseconds() + 60_000);

        // Just before the horizon a cleaning keeps the tombstone; from the horizon on it is gone.
        time.advance(59_999);
        log.roll();
        log.updateHighWatermark(log.logEndOffset());
        cleaner.cleanOnce();
        assertThat(readAll(log)).contains(new Rec(2, "a", null));
        time.advance(1);
        assertThat(cleaner.cleanOnce()).as("a due tombstone makes the log cleanable").isTrue();
        assertThat(readAll(log)).containsExactly(new Rec(1, "b", "1"), new Rec(3, "c", "1"), new Rec(4, "d", "1"));
    }

    @Test
    void aRewrittenBatchKeepsItsOffsetsProducerFieldsEpochCodecAndTimestampType() {
        PartitionLog log = open(compactConfig(4000));
        for (CompressionType codec : new CompressionType[] {CompressionType.NONE, CompressionType.GZIP, CompressionType.LZ4,
                CompressionType.ZSTD, CompressionType.SNAPPY}) {
            RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(codec).producerId(77).producerEpoch((short) 3)
                    .baseSequence(10).newBuilder();
            builder.append(time.milliseconds(), bytes("x"), bytes("old"), null);
            builder.append(time.milliseconds(), bytes("keep-" + codec), bytes("value"), null);
            builder.append(time.milliseconds(), bytes("y"), bytes("old"), null);
            log.appendAsLeader(builder.build(), 5);
        }
        RecordBatchBuilder appendTime = RecordBatchBuilder.spec().logAppendTimeMs(time.milliseconds()).newBuilder();
        appendTime.append(time.milliseconds(), bytes("x"), bytes("new"), null);
        appendTime.append(time.milliseconds(), bytes("y"), bytes("new"), null);
        log.appendAsLeader(appendTime.build(), 6);
        List<RecordBatch> before = readBatches(log);
        log.roll();
        log.updateHighWatermark(log.logEndOffset());

        cleanToActive(log, new OffsetMap(1 << 20, 0.9));

        List<RecordBatch> after = readBatches(log);
        assertThat(after).hasSize(before.size());
        for (int i = 0; i < before.size(); i++) {
            RecordBatch old = before.get(i);
            RecordBatch cleaned = after.get(i);
            assertThat(cleaned.baseOffset()).isEqualTo(old.baseOffset());
            assertThat(cleaned.lastOffset()).isEqualTo(old.lastOffset());
            assertThat(cleaned.partitionLeaderEpoch()).isEqualTo(old.partitionLeaderEpoch());
            assertThat(cleaned.producerId()).isEqualTo(old.producerId());
            assertThat(cleaned.producerEpoch()).isEqualTo(old.producerEpoch());
            assertThat(cleaned.baseSequence()).isEqualTo(old.baseSequence());
            assertThat(cleaned.compressionType()).isEqualTo(old.compressionType());
            assertThat(cleaned.timestampType()).isEqualTo(old.timestampType());
            assertThat(cleaned.isValid()).isTrue();
        }
        assertThat(after.subList(0, 5)).allSatisfy(b -> assertThat(b.recordCount()).isEqualTo(1));
        assertThat(after.get(5).maxTimestamp()).isEqualTo(before.get(5).maxTimestamp());
        assertThat(readAll(log)).extracting(Rec::offset).containsExactly(1L, 4L, 7L, 10L, 13L, 15L, 16L);
    }

    @Test
    void neverRewritesSegmentsAtOrAboveTheHighWatermarkOrTheActiveSegment() throws IOException {
        PartitionLog log = open(compactConfig(300));
        appendUnreplicatedUpdates(log, 3, 20);
        List<LogSegment> segments = log.segments();
        long highWatermark = segments.get(3).baseOffset() + 1;
        log.updateHighWatermark(highWatermark);
        byte[][] untouched = new byte[segments.size() - 3][];
        for (int i = 3; i < segments.size(); i++) {
            untouched[i - 3] = Files.readAllBytes(segments.get(i).log().file()).clone();
        }
        LogCleaner cleaner = CompactionFixtures.manualCleaner(root, logs, time);

        assertThat(cleaner.cleanOnce()).isTrue();

        assertThat(cleaner.cleanerCheckpoints()).containsEntry(log.topicPartition(), segments.get(3).baseOffset());
        for (int i = 3; i < segments.size(); i++) {
            assertThat(log.segments()).contains(segments.get(i));
            assertThat(Files.readAllBytes(segments.get(i).log().file())).isEqualTo(untouched[i - 3]);
        }
    }

    @Test
    void segmentsYoungerThanTheMinimumCompactionLagAreNotCleaned() {
        PartitionLog log = open(compactConfig(300).with(TopicConfig.MIN_COMPACTION_LAG_MS, 10_000));
        appendUpdates(log, 3, 10);
        log.roll();
        LogCleaner cleaner = CompactionFixtures.manualCleaner(root, logs, time);
        int segments = log.numberOfSegments();

        assertThat(cleaner.cleanOnce()).isFalse();
        assertThat(log.numberOfSegments()).isEqualTo(segments);

        time.advance(10_001);
        assertThat(cleaner.cleanOnce()).isTrue();
        assertThat(readAll(log)).hasSize(3);
    }

    @Test
    void aSwapIsRefusedWhenTheLogWasTruncatedDuringTheCleaning() throws IOException {
        PartitionLog log = open(compactConfig(300));
        appendUpdates(log, 3, 20);
        log.roll();
        long truncateTo = log.segments().get(2).baseOffset();
        Cleaner cleaner = CompactionFixtures.directCleaner(new OffsetMap(1 << 20, 0.9), time, FailurePoints.NONE);
        boolean[] truncated = {false};

        Cleaner.Result result = cleaner.clean(log, 0, log.activeSegment().baseOffset(), () -> {
            if (!truncated[0]) {
                truncated[0] = true;
                log.truncateTo(truncateTo);
            }
        });

        assertThat(result.completed()).isFalse();
        assertThat(log.logEndOffset()).isEqualTo(truncateTo);
        assertThat(readAll(log)).extracting(Rec::offset)
                .containsExactlyElementsOf(java.util.stream.LongStream.range(0, truncateTo).boxed().toList());
        try (Stream<Path> files = Files.list(log.dir())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".cleaned"));
        }
    }

    @Test
    void aGroupWhoseLastBatchLostEveryRecordEndsWithAnEmptyBatchSoItsOffsetsAreKept() {
        // Batches of 70 and 79 bytes: each segment holds one, and no two segments fit one cleaned group.
        PartitionLog log = open(compactConfig(100));
        log.appendAsLeader(keyed(time.milliseconds(), "a", "1"), 1);
        log.appendAsLeader(keyed(time.milliseconds(), "b", "1", "c", "1"), 1);
        log.appendAsLeader(keyed(time.milliseconds(), "b", "2", "c", "2"), 1);
        log.roll();
        assertThat(log.numberOfSegments()).isEqualTo(4);
        log.updateHighWatermark(log.logEndOffset());

        cleanToActive(log, new OffsetMap(1 << 20, 0.9));

        List<RecordBatch> batches = readBatches(log);
        assertThat(batches).extracting(RecordBatch::baseOffset).containsExactly(0L, 1L, 3L);
        RecordBatch empty = batches.get(1);
        assertThat(empty.recordCount()).isZero();
        assertThat(empty.lastOffset()).isEqualTo(2);
        assertThat(empty.isValid()).isTrue();
        assertThat(readAll(log)).containsExactly(new Rec(0, "a", "1"), new Rec(3, "b", "2"), new Rec(4, "c", "2"));
    }

    @Test
    void aCleanedLogReopensCleanlyAndAfterACrashWithTheSameRecords() {
        LogConfig config = compactConfig(500);
        PartitionLog log = open(config);
        List<Rec> written = appendUpdates(log, 4, 40);
        log.roll();
        cleanToActive(log, new OffsetMap(1 << 20, 0.9));
        List<Rec> cleaned = readAll(log);
        assertThat(cleaned).isEqualTo(latestPerKey(written));
        log.close();

        PartitionLog reopened = PartitionLog.builder(log.dir()).config(config).time(time).hadCleanShutdown(true).open();
        logs.add(reopened);
        assertThat(readAll(reopened)).isEqualTo(cleaned);
        reopened.close();
        PartitionLog recovered = PartitionLog.builder(log.dir()).config(config).time(time).hadCleanShutdown(false).open();
        logs.add(recovered);
        assertThat(readAll(recovered)).isEqualTo(cleaned);
        assertThat(recovered.logEndOffset()).isEqualTo(written.size());
    }

    @Test
    void aCorruptBatchStopsTheCleaningAndLeavesTheLogAsItWas() throws IOException {
        PartitionLog log = open(compactConfig(300));
        appendUpdates(log, 3, 10);
        log.roll();
        Path first = log.segments().get(0).log().file();
        try (FileChannel channel = FileChannel.open(first, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {0x7f}), RecordBatch.RECORDS_OFFSET + 3);
        }
        byte[] before = TestBatches.allBytes(log);
        LogCleaner cleaner = CompactionFixtures.manualCleaner(root, logs, time);

        assertThat(cleaner.cleanOnce()).isFalse();

        assertThat(cleaner.uncleanablePartitionsCount()).isEqualTo(1);
        assertThat(TestBatches.allBytes(log)).isEqualTo(before);
        assertThat(cleaner.cleanOnce()).as("an uncleanable log is left alone").isFalse();
    }

    @Test
    void recordsWithoutAKeyInALogTurnedCompactedAreDroppedAsKafkaDoes() {
        PartitionLog log = open(compactConfig(300).with(TopicConfig.CLEANUP_POLICY, TopicConfig.CLEANUP_POLICY_DELETE));
        RecordBatchBuilder keyless = RecordBatchBuilder.spec().newBuilder();
        keyless.append(time.milliseconds(), (byte[]) null, bytes("no key"), null);
        log.appendAsLeader(keyless.build(), 1);
        log.appendAsLeader(keyed(time.milliseconds(), "k", "v"), 1);
        log.roll();
        log.updateConfig(compactConfig(300));

        Cleaner.Result result = cleanToActive(log, new OffsetMap(1 << 20, 0.9));

        assertThat(result.stats().invalidRecordsRead()).isEqualTo(1);
        assertThat(readAll(log)).containsExactly(new Rec(1, "k", "v"));
    }

    @Test
    void anAbortedCleaningStopsAtTheNextBatchLeavesNoCleanedFilesAndKeepsItsCheckpoint() throws Exception {
        PartitionLog log = open(compactConfig(300));
        appendUpdates(log, 3, 30);
        log.roll();
        LogCleaner[] cleaner = new LogCleaner[1];
        Thread[] aborter = new Thread[1];
        FailurePoints abortAfterFirstGroup = point -> {
            if (point == FailurePoints.Point.CLEANED_WRITTEN && aborter[0] == null) {
                aborter[0] = new Thread(() -> cleaner[0].abortCleaning(log.topicPartition()));
                aborter[0].start();
                // abortCleaning flags the cleaning at once, then waits for this thread to let go.
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                        .until(() -> aborter[0].getState() == Thread.State.TIMED_WAITING);
            }
        };
        cleaner[0] = new LogCleaner(CleanerConfig.defaults().withEnable(false).withDedupeBufferBytes(4L << 20), List.of(root),
                () -> logs, time, abortAfterFirstGroup);
        cleaner[0].startup();

        assertThat(cleaner[0].cleanOnce()).isFalse();

        aborter[0].join(10_000);
        assertThat(aborter[0].isAlive()).isFalse();
        assertThat(cleaner[0].cleanerCheckpoints()).doesNotContainKey(log.topicPartition());
        assertThat(cleaner[0].uncleanablePartitionsCount()).isZero();
        try (Stream<Path> files = Files.list(log.dir())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".cleaned"));
        }
        // The swap under way when the abort came completed; the next group's reading stopped.
        assertThat(readAll(log).size()).isLessThan(90).isGreaterThan(3);
        assertThat(cleaner[0].cleanOnce()).as("the log is cleaned again later").isTrue();
        assertThat(readAll(log)).hasSize(3);
    }

    @Test
    void aFollowerAppendsACleanedLogsBatchesGapsAndEmptyBatchesIncluded() {
        PartitionLog leader = open(compactConfig(100));
        leader.appendAsLeader(keyed(time.milliseconds(), "a", "1"), 1);
        leader.appendAsLeader(keyed(time.milliseconds(), "b", "1", "c", "1"), 1);
        leader.appendAsLeader(keyed(time.milliseconds(), "b", "2", "a", "2"), 2);
        leader.roll();
        leader.updateHighWatermark(leader.logEndOffset());
        cleanToActive(leader, new OffsetMap(1 << 20, 0.9));
        PartitionLog follower = PartitionLog.builder(root.resolve("compacted-1")).config(compactConfig(100)).time(time)
                .hadCleanShutdown(true).open();
        logs.add(follower);

        for (RecordBatch batch : readBatches(leader)) {
            follower.appendAsFollower(batch.buffer());
        }

        assertThat(readAll(follower)).isEqualTo(readAll(leader)).containsExactly(new Rec(2, "c", "1"), new Rec(3, "b", "2"),
                new Rec(4, "a", "2"));
        assertThat(follower.logEndOffset()).isEqualTo(leader.logEndOffset());
        assertThat(follower.leaderEpochCache().latestEpoch()).contains(2);
    }

    @Test
    void compactAndDeleteAppliesBothCompactionAndRetention() {
        PartitionLog log = open(compactConfig(300).with(TopicConfig.CLEANUP_POLICY, "compact,delete")
                .with(TopicConfig.RETENTION_MS, 60_000));
        appendUpdates(log, 3, 10);
        log.roll();
        time.advance(30_000);
        appendUpdates(log, 3, 10);
        log.roll();
        long oldEnd = 30;
        cleanToActive(log, new OffsetMap(1 << 20, 0.9));
        assertThat(readAll(log)).hasSize(3).allSatisfy(r -> assertThat(r.offset()).isGreaterThanOrEqualTo(oldEnd));

        time.advance(45_000); // the first 30 updates (all cleaned away) and then the rest age past retention.ms
        log.deleteOldSegments();
        time.advance(30_000);
        log.deleteOldSegments();

        assertThat(readAll(log)).isEmpty();
        assertThat(log.logStartOffset()).isEqualTo(log.logEndOffset());
    }
}
