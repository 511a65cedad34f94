package io.runnel.storage;

import static io.runnel.storage.TestBatches.batch;
import static io.runnel.storage.TestBatches.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.ListOffsetsTimestamps;
import io.runnel.common.config.TopicConfig;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.TimestampType;
import io.runnel.common.time.MockTime;
import io.runnel.proto.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {

    @TempDir
    Path root;

    final MockTime time = new MockTime();
    PartitionLog log;

    PartitionLog open(LogConfig config) {
        log = PartitionLog.builder(root.resolve("orders-0")).config(config).time(time).hadCleanShutdown(true).open();
        return log;
    }

    PartitionLog reopen(boolean clean) {
        LogConfig config = log.config();
        long start = log.logStartOffset();
        long recoveryPoint = log.recoveryPoint();
        log.close();
        log = PartitionLog.builder(root.resolve("orders-0")).config(config).time(time).hadCleanShutdown(clean)
                .logStartOffset(start).recoveryPoint(clean ? recoveryPoint : 0).open();
        return log;
    }

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    long now() {
        return time.milliseconds();
    }

    @Test
    void leaderAppendAssignsOffsetsAndEpochs() {
        open(LogConfig.defaults());
        LogAppendInfo first = log.appendAsLeader(batch(3, 10, now()), 5);
        LogAppendInfo second = log.appendAsLeader(concat(batch(2, 10, now()), batch(4, 10, now())), 5);
        assertThat(first.firstOffset()).isZero();
        assertThat(first.lastOffset()).isEqualTo(2);
        assertThat(first.recordCount()).isEqualTo(3);
        assertThat(first.logAppendTimeMs()).isEqualTo(-1);
        assertThat(second.firstOffset()).isEqualTo(3);
        assertThat(second.lastOffset()).isEqualTo(8);
        assertThat(log.logEndOffset()).isEqualTo(9);
        ByteBuffer read = log.read(0, 1 << 20, Long.MAX_VALUE, false).records().readAllBytes();
        assertThat(TestBatches.offsets(read)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(TestBatches.batches(read)).allSatisfy(b -> {
            assertThat(b.partitionLeaderEpoch()).isEqualTo(5);
            assertThat(b.isValid()).isTrue();
        });
        assertThat(log.leaderEpochCache().entries()).containsExactly(new LeaderEpochFileCache.EpochEntry(5, 0));
        log.appendAsLeader(batch(1, 10, now()), 7);
        assertThat(log.endOffsetForEpoch(5)).contains(new OffsetAndEpoch(9, 5));
        assertThat(log.endOffsetForEpoch(7)).contains(new OffsetAndEpoch(10, 7));
        assertThat(log.endOffsetForEpoch(8)).isEmpty();
    }

    @Test
    void logAppendTimeRewritesMaxTimestampAndCrc() {
        open(LogConfig.defaults().with(TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        LogAppendInfo info = log.appendAsLeader(batch(3, 10, 5), 0);
        assertThat(info.logAppendTimeMs()).isEqualTo(now());
        RecordBatch stored = TestBatches.batches(log.read(0, 1 << 20, Long.MAX_VALUE, false).records().readAllBytes()).get(0);
        assertThat(stored.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(stored.maxTimestamp()).isEqualTo(now());
        assertThat(stored.isValid()).isTrue();
    }

    @Test
    void followerAppendKeepsOffsetsAndRecordsEpochs() {
        open(LogConfig.defaults());
        ByteBuffer b1 = batch(3, 10, now());
        RecordBatch v1 = TestBatches.batches(b1).get(0);
        v1.setBaseOffset(0);
        v1.setPartitionLeaderEpoch(2);
        ByteBuffer b2 = batch(2, 10, now());
        RecordBatch v2 = TestBatches.batches(b2).get(0);
        v2.setBaseOffset(10); // gaps are allowed (compacted leaders)
        v2.setPartitionLeaderEpoch(3);
        log.appendAsFollower(concat(b1, b2));
        assertThat(log.logEndOffset()).isEqualTo(12);
        assertThat(log.leaderEpochCache().entries()).containsExactly(
                new LeaderEpochFileCache.EpochEntry(2, 0), new LeaderEpochFileCache.EpochEntry(3, 10));
        ByteBuffer stale = batch(1, 10, now());
        TestBatches.batches(stale).get(0).setBaseOffset(11);
        assertThatThrownBy(() -> log.appendAsFollower(stale)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.INVALID_RECORD));
    }

    @Test
    void rollsOnSegmentBytes() {
        open(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 1000));
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch(1, 300, now()), 0);
        }
        assertThat(log.numberOfSegments()).isEqualTo(5);
        assertThat(log.segments()).allSatisfy(s -> assertThat(s.sizeInBytes()).isLessThanOrEqualTo(1000));
        assertThat(log.segments().stream().map(LogSegment::baseOffset)).containsExactly(0L, 2L, 4L, 6L, 8L);
        assertThat(Files.exists(root.resolve("orders-0/00000000000000000002.log"))).isTrue();
        assertThat(Files.exists(root.resolve("orders-0/00000000000000000002.index"))).isTrue();
        assertThat(Files.exists(root.resolve("orders-0/00000000000000000002.timeindex"))).isTrue();
    }

    @Test
    void rollsOnSegmentMsMeasuredFromFirstBatchTimestamp() {
        open(LogConfig.defaults().with(TopicConfig.SEGMENT_MS, 1000));
        log.appendAsLeader(batch(1, 10, now()), 0);
        time.advance(500);
        log.appendAsLeader(batch(1, 10, now()), 0);
        assertThat(log.numberOfSegments()).isEqualTo(1);
        time.advance(600);
        log.appendAsLeader(batch(1, 10, now()), 0);
        assertThat(log.numberOfSegments()).isEqualTo(2);
        assertThat(log.activeSegment().baseOffset()).isEqualTo(2);
    }

    @Test
    void rollsWhenIndexIsFull() {
        open(LogConfig.defaults().with(TopicConfig.SEGMENT_INDEX_BYTES, 24).with(TopicConfig.INDEX_INTERVAL_BYTES, 1));
        for (int i = 0; i < 8; i++) {
            log.appendAsLeader(batch(1, 10, now() + i), 0);
        }
        assertThat(log.numberOfSegments()).isGreaterThan(1);
        // Rolled segments have trimmed indexes.
        LogSegment first = log.segments().get(0);
        assertThat(first.offsetIndex().entries() * 8L).isEqualTo(first.offsetIndex().file().toFile().length());
    }

    @Test
    void rollsWhenRelativeOffsetWouldOverflow() {
        open(LogConfig.defaults());
        ByteBuffer b = batch(1, 10, now());
        log.appendAsFollower(b);
        ByteBuffer far = batch(1, 10, now());
        TestBatches.batches(far).get(0).setBaseOffset(Integer.MAX_VALUE + 10L);
        log.appendAsFollower(far);
        assertThat(log.numberOfSegments()).isEqualTo(2);
        assertThat(log.activeSegment().baseOffset()).isEqualTo(Integer.MAX_VALUE + 10L);
        assertThat(log.logEndOffset()).isEqualTo(Integer.MAX_VALUE + 11L);
    }

    @Test
    void explicitRollOfEmptyActiveSegmentIsNoOp() {
        open(LogConfig.defaults());
        log.roll();
        assertThat(log.numberOfSegments()).isEqualTo(1);
        log.appendAsLeader(batch(1, 10, now()), 0);
        log.roll();
        assertThat(log.numberOfSegments()).isEqualTo(2);
        assertThat(log.activeSegment().baseOffset()).isEqualTo(1);
    }

    @Test
    void readRespectsMaxBytesMinOneMessageAndMaxOffset() {
        open(LogConfig.defaults());
        int size = batch(5, 100, now()).remaining();
        for (int i = 0; i < 4; i++) {
            log.appendAsLeader(batch(5, 100, now()), 0); // offsets 5i .. 5i+4
        }
        FetchDataInfo two = log.read(0, 2 * size + 10, Long.MAX_VALUE, false);
        assertThat(two.records().sizeInBytes()).isEqualTo(2 * size);
        assertThat(two.firstEntryIncomplete()).isFalse();
        FetchDataInfo tooSmall = log.read(7, size - 1, Long.MAX_VALUE, false);
        assertThat(tooSmall.records().sizeInBytes()).isZero();
        assertThat(tooSmall.firstEntryIncomplete()).isTrue();
        FetchDataInfo one = log.read(7, size - 1, Long.MAX_VALUE, true);
        assertThat(TestBatches.offsets(one.records().readAllBytes())).containsExactly(5L, 6L, 7L, 8L, 9L);
        assertThat(one.fetchOffsetMetadata()).isEqualTo(new LogOffsetMetadata(7, 0, size));
        FetchDataInfo bounded = log.read(0, 1 << 20, 10, false);
        assertThat(TestBatches.offsets(bounded.records().readAllBytes())).hasSize(10);
        assertThat(log.read(10, 1 << 20, 10, false).records().sizeInBytes()).isZero();
        assertThat(log.read(20, 1 << 20, Long.MAX_VALUE, false).records().sizeInBytes()).isZero();
        assertThatThrownBy(() -> log.read(21, 100, Long.MAX_VALUE, false)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE));
    }

    @Test
    void readCrossesSegments() {
        open(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 1000));
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch(2, 100, now()), 0);
        }
        long next = 0;
        while (next < log.logEndOffset()) {
            FetchDataInfo info = log.read(next, 1 << 20, Long.MAX_VALUE, false);
            List<Long> offsets = TestBatches.offsets(info.records().readAllBytes());
            assertThat(offsets).isNotEmpty();
            assertThat(offsets.get(0)).isEqualTo(next);
            next = offsets.get(offsets.size() - 1) + 1;
        }
        assertThat(next).isEqualTo(20);
        assertThat(log.convertToOffsetMetadata(log.logEndOffset())).isEqualTo(log.logEndOffsetMetadata());
    }

    @Test
    void fetchOffsetByTimestampFindsFirstRecordAtOrAfter() {
        open(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 2000).with(TopicConfig.INDEX_INTERVAL_BYTES, 100));
        long base = now() - 100_000;
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(batch(3, 100, base + i * 10L), 4); // record timestamps base+10i .. base+10i+2
        }
        assertThat(log.fetchOffsetByTimestamp(base + 51)).hasValueSatisfying(t -> {
            assertThat(t.offset()).isEqualTo(16);
            assertThat(t.timestamp()).isEqualTo(base + 51);
            assertThat(t.leaderEpoch()).hasValue(4);
        });
        assertThat(log.fetchOffsetByTimestamp(base + 53)).hasValueSatisfying(t -> assertThat(t.offset()).isEqualTo(18));
        assertThat(log.fetchOffsetByTimestamp(0)).hasValueSatisfying(t -> assertThat(t.offset()).isZero());
        assertThat(log.fetchOffsetByTimestamp(base + 1000)).isEmpty();
        assertThat(log.fetchOffsetByTimestamp(ListOffsetsTimestamps.LATEST_TIMESTAMP)).hasValueSatisfying(t -> assertThat(t.offset()).isEqualTo(60));
        assertThat(log.fetchOffsetByTimestamp(ListOffsetsTimestamps.EARLIEST_TIMESTAMP)).hasValueSatisfying(t -> assertThat(t.offset()).isZero());
        assertThat(log.fetchOffsetByTimestamp(ListOffsetsTimestamps.MAX_TIMESTAMP)).hasValueSatisfying(t -> assertThat(t.offset()).isEqualTo(59));
    }

    @Test
    void theHighWatermarkOnlyMovesForwardAndStaysBelowTheLogEnd() {
        open(LogConfig.defaults());
        log.appendAsLeader(batch(20, 10, now()), 0);
        log.updateHighWatermark(15);
        log.updateHighWatermark(10); // a stale candidate, published late
        assertThat(log.highWatermark()).isEqualTo(15);
        log.updateHighWatermark(99);
        assertThat(log.highWatermark()).isEqualTo(20);
    }

    @Test
    void truncateToRemovesWholeBatchesAndLaterSegments() {
        open(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 1000));
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch(2, 100, now()), i);
        }
        log.updateHighWatermark(20);
        log.truncateTo(7); // in the batch 6..7
        assertThat(log.logEndOffset()).isEqualTo(6);
        assertThat(log.highWatermark()).isEqualTo(6);
        assertThat(log.leaderEpochCache().latestEpoch()).contains(2);
        assertThat(TestBatches.offsets(log.read(0, 1 << 20, Long.MAX_VALUE, false).records().readAllBytes())).hasSize(6);
        log.appendAsLeader(batch(1, 10, now()), 9);
        assertThat(log.logEndOffset()).isEqualTo(7);
        log.truncateTo(100); // beyond the end: nothing
        assertThat(log.logEndOffset()).isEqualTo(7);
        reopen(false);
        assertThat(log.logEndOffset()).isEqualTo(7);
    }

    @Test
    void truncateFullyAndStartAt() {
        open(LogConfig.defaults());
        log.appendAsLeader(batch(5, 10, now()), 1);
        log.truncateFullyAndStartAt(100);
        assertThat(log.logStartOffset()).isEqualTo(100);
        assertThat(log.logEndOffset()).isEqualTo(100);
        assertThat(log.numberOfSegments()).isEqualTo(1);
        assertThat(log.leaderEpochCache().entries()).isEmpty();
        assertThat(log.appendAsLeader(batch(1, 10, now()), 2).firstOffset()).isEqualTo(100);
        assertThatThrownBy(() -> log.read(50, 100, Long.MAX_VALUE, false)).isInstanceOf(ApiException.class);
        reopen(true);
        assertThat(log.logStartOffset()).isEqualTo(100);
        assertThat(log.logEndOffset()).isEqualTo(101);
    }

    @Test
    void retentionByTimeNeverDeletesDataAboveHighWatermark() {
        open(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 1000).with(TopicConfig.RETENTION_MS, 10_000));
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(batch(2, 100, now()), 0);
            time.advance(1000);
        }
        int segmentsBefore = log.numberOfSegments();
        time.advance(20_000);
        assertThat(log.deleteOldSegments()).as("nothing below HW").isZero();
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.deleteOldSegments()).isEqualTo(segmentsBefore);
        assertThat(log.numberOfSegments()).isEqualTo(1);
        assertThat(log.sizeInBytes()).isZero();
        assertThat(log.logStartOffset()).isEqualTo(12);
        assertThat(log.logEndOffset()).isEqualTo(12);
        assertThat(log.deleteOldSegments()).as("the empty active segment stays").isZero();
    }

    @Test
    void retentionByTimeKeepsYoungSegments() {
        open(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 1000).with(TopicConfig.RETENTION_MS, 10_000));
        log.appendAsLeader(batch(2, 300, now()), 0);
        log.appendAsLeader(batch(2, 300, now()), 0);
        time.advance(20_000);
        log.appendAsLeader(batch(2, 300, now()), 0);
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.deleteOldSegments()).isEqualTo(2);
        assertThat(log.logStartOffset()).isEqualTo(4);
        assertThat(log.numberOfSegments()).isEqualTo(1);
    }

    @Test
    void retentionBySize() {
        int size = batch(2, 300, now()).remaining();
        open(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, size).with(TopicConfig.RETENTION_BYTES, 3L * size));
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(batch(2, 300, now()), 0);
        }
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.deleteOldSegments()).isEqualTo(3);
        assertThat(log.sizeInBytes()).isEqualTo(3L * size);
        assertThat(log.logStartOffset()).isEqualTo(6);
    }

    @Test
    void retentionByLogStartOffset() {
        open(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 1000));
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(batch(2, 300, now()), 0);
        }
        log.updateHighWatermark(8);
        assertThatThrownBy(() -> log.maybeIncrementLogStartOffset(9)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE));
        assertThat(log.maybeIncrementLogStartOffset(5)).isTrue();
        assertThat(log.logStartOffset()).isEqualTo(5);
        assertThatThrownBy(() -> log.read(4, 100, Long.MAX_VALUE, false)).isInstanceOf(ApiException.class);
        assertThat(log.deleteOldSegments()).isEqualTo(2); // segments 0..1 and 2..3 lie below 5; segment 4..5 holds 5
        assertThat(log.segments().get(0).baseOffset()).isEqualTo(4);
        assertThat(log.logStartOffset()).isEqualTo(5);
        assertThat(TestBatches.offsets(log.read(5, 1 << 20, Long.MAX_VALUE, false).records().readAllBytes()).get(0)).isEqualTo(4L);
    }

    @Test
    void deletedSegmentsAreRenamedAndRemovedAfterDelay() throws Exception {
        var scheduler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            log = PartitionLog.builder(root.resolve("orders-0")).time(time).hadCleanShutdown(true).scheduler(scheduler)
                    .config(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 1000).with(TopicConfig.FILE_DELETE_DELAY_MS, 200))
                    .open();
            for (int i = 0; i < 4; i++) {
                log.appendAsLeader(batch(2, 300, now()), 0);
            }
            log.updateHighWatermark(4);
            log.maybeIncrementLogStartOffset(4);
            assertThat(log.deleteOldSegments()).isEqualTo(2);
            assertThat(root.resolve("orders-0/00000000000000000000.log.deleted")).exists();
            // The delayed task removes the .log, then the indexes: await all of them, not the first alone.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> !Files.exists(root.resolve("orders-0/00000000000000000000.log.deleted"))
                            && !Files.exists(root.resolve("orders-0/00000000000000000000.index.deleted"))
                            && !Files.exists(root.resolve("orders-0/00000000000000000000.timeindex.deleted")));
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void flushMessagesAdvancesRecoveryPoint() {
        open(LogConfig.defaults().with(TopicConfig.FLUSH_MESSAGES, 5));
        log.appendAsLeader(batch(3, 10, now()), 0);
        assertThat(log.recoveryPoint()).isZero();
        log.appendAsLeader(batch(3, 10, now()), 0);
        assertThat(log.recoveryPoint()).isEqualTo(6);
        log.appendAsLeader(batch(1, 10, now()), 0);
        log.flush();
        assertThat(log.recoveryPoint()).isEqualTo(7);
    }

    /**
     * The flush after a roll fsyncs only the rolled-out segments. Run late (after flush.ms has passed), it
     * must not restart the flush.ms clock, or the flush task would skip the unflushed active segment.
     */
    @Test
    void aPartialFlushAfterARollLeavesTheFlushClockRunning() {
        PartitionLogProperties.DeferredScheduler scheduler = new PartitionLogProperties.DeferredScheduler();
        try {
            log = PartitionLog.builder(root.resolve("orders-0")).time(time).hadCleanShutdown(true).scheduler(scheduler)
                    .config(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 1000).with(TopicConfig.FLUSH_MS, 500)).open();
            long openedAtMs = log.lastFlushMs();
            while (log.numberOfSegments() < 3) {
                log.appendAsLeader(batch(2, 100, now()), 0);
            }
            long activeBase = log.activeSegment().baseOffset();
            time.advance(1000);
            scheduler.runFlushes();
            assertThat(log.recoveryPoint()).as("flushed up to the active segment").isEqualTo(activeBase).isLessThan(log.logEndOffset());
            assertThat(log.lastFlushMs()).as("flush.ms clock after a partial flush").isEqualTo(openedAtMs);
            log.flush();
            assertThat(log.recoveryPoint()).isEqualTo(log.logEndOffset());
            assertThat(log.lastFlushMs()).isEqualTo(now());
        } finally {
            scheduler.shutdownNow();
        }
    }

    /**
     * Flushes fsync outside the log's lock while a follower truncates and appends again: the recovery point
     * never passes the log end (a flush that raced a truncation leaves it alone).
     */
    @Test
    void flushesRacingTruncationsNeverMoveTheRecoveryPointPastTheLogEnd() throws Exception {
        open(LogConfig.defaults());
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread flusher = new Thread(() -> {
            while (!done.get()) {
                log.flush();
            }
        }, "test-flusher");
        flusher.start();
        try {
            java.util.Random random = new java.util.Random(7);
            for (int i = 0; i < 3000; i++) {
                log.appendAsLeader(batch(1 + random.nextInt(5), 50, now()), 0);
                if (i % 3 == 2) {
                    log.truncateTo(random.nextInt((int) log.logEndOffset() + 1));
                }
                // Only this thread moves the log end, so reading the recovery point first is safe.
                long recoveryPoint = log.recoveryPoint();
                assertThat(recoveryPoint).as("recovery point after step %d", i).isLessThanOrEqualTo(log.logEndOffset());
            }
        } finally {
            done.set(true);
            flusher.join(30_000);
        }
    }

    /**
     * A request of several batches that together exceed a segment (a producer sends all its ready batches
     * of a partition at once) is appended whole, rolling between batches; each segment stays within
     * segment.bytes and every batch reads back in order.
     */
    @Test
    void anAppendOfSeveralBatchesLargerThanASegmentRollsBetweenThem() {
        open(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 1000));
        ByteBuffer[] batches = new ByteBuffer[7];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = batch(2, 150, now());
        }
        ByteBuffer request = concat(batches);
        int batchBytes = batches[0].remaining();
        assertThat(request.remaining()).isGreaterThan(2 * 1000);

        LogAppendInfo info = log.appendAsLeader(request, 0);

        assertThat(info.firstOffset()).isZero();
        assertThat(info.lastOffset()).isEqualTo(13);
        assertThat(log.logEndOffset()).isEqualTo(14);
        int batchesPerSegment = 1000 / batchBytes;
        assertThat(log.numberOfSegments()).isEqualTo((batches.length + batchesPerSegment - 1) / batchesPerSegment);
        assertThat(log.segments()).allSatisfy(segment -> assertThat(segment.sizeInBytes()).isLessThanOrEqualTo(1000));
        assertThat(log.segments().get(1).baseOffset()).isEqualTo(2L * batchesPerSegment);
        List<RecordBatch> read = TestBatches.batches(ByteBuffer.wrap(TestBatches.allBytes(log)));
        assertThat(read).extracting(RecordBatch::baseOffset).containsExactly(0L, 2L, 4L, 6L, 8L, 10L, 12L);

        // A follower appending the leader's batches rolls the same way.
        PartitionLog follower = PartitionLog.builder(root.resolve("orders-1")).config(log.config()).time(time)
                .hadCleanShutdown(true).open();
        try {
            follower.appendAsFollower(ByteBuffer.wrap(TestBatches.allBytes(log)));
            assertThat(follower.logEndOffset()).isEqualTo(14);
            assertThat(follower.segments()).extracting(LogSegment::baseOffset)
                    .isEqualTo(log.segments().stream().map(LogSegment::baseOffset).toList());
        } finally {
            follower.close();
        }
    }

    @Test
    void topicIdIsStoredInPartitionMetadata() throws Exception {
        UUID id = UUID.randomUUID();
        log = PartitionLog.builder(root.resolve("orders-0")).topicId(id).time(time).open();
        assertThat(Files.readString(root.resolve("orders-0/partition.metadata"))).isEqualTo("version: 0\ntopic_id: " + id + "\n");
        log.close();
        assertThatThrownBy(() -> PartitionLog.builder(root.resolve("orders-0")).topicId(UUID.randomUUID()).open())
                .isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.INCONSISTENT_TOPIC_ID));
        log = PartitionLog.builder(root.resolve("orders-0")).time(time).open();
        assertThat(log.topicId()).isEqualTo(id);
    }

    @Test
    void compressedBatchesAreStoredAsSent() {
        open(LogConfig.defaults());
        ByteBuffer compressed = batch(10, 100, now(), CompressionType.GZIP);
        log.appendAsLeader(compressed, 0);
        RecordBatch stored = TestBatches.batches(log.read(0, 1 << 20, Long.MAX_VALUE, false).records().readAllBytes()).get(0);
        assertThat(stored.compressionType()).isEqualTo(CompressionType.GZIP);
        assertThat(TestBatches.offsets(stored.buffer())).hasSize(10);
    }

    @Test
    void configFromMapRejectsBadValuesNamingThem() {
        assertThatThrownBy(() -> LogConfig.fromMap(Map.of(TopicConfig.SEGMENT_BYTES, "tiny")))
                .hasMessageContaining("segment.bytes").hasMessageContaining("tiny");
        assertThatThrownBy(() -> LogConfig.fromMap(Map.of("no.such.key", "1"))).hasMessageContaining("no.such.key");
        assertThat(LogConfig.defaults().segmentBytes()).isEqualTo(1 << 30);
        assertThat(LogConfig.defaults().maxMessageBytes()).isEqualTo(1_048_588);
        assertThat(LogConfig.fromMap(Map.of(TopicConfig.RETENTION_MS, "5")).retentionMs()).isEqualTo(5);
    }

    @Test
    void anIoFailureFencesTheLog() throws Exception {
        open(LogConfig.defaults());
        log.appendAsLeader(batch(2, 10, now()), 0);
        // Close the segment's channel behind the log's back: the next write fails.
        log.activeSegment().log().channel().close();
        assertThatThrownBy(() -> log.appendAsLeader(batch(1, 10, now()), 0)).isInstanceOf(StorageException.class);
        assertThat(log.isOffline()).isTrue();
        assertThatThrownBy(() -> log.appendAsLeader(batch(1, 10, now()), 0)).isInstanceOf(StorageException.class)
                .hasMessageContaining("offline");
        assertThatThrownBy(() -> log.read(0, 100, Long.MAX_VALUE, false)).hasMessageContaining("offline");
        assertThatThrownBy(log::roll).hasMessageContaining("offline");
        assertThat(log.deleteOldSegments()).isZero();
    }

    @Test
    void zeroMaxBytesReturnsNothingAndIsNotIncomplete() {
        open(LogConfig.defaults());
        log.appendAsLeader(batch(2, 10, now()), 0);
        FetchDataInfo info = log.read(0, 0, Long.MAX_VALUE, false);
        assertThat(info.records().sizeInBytes()).isZero();
        assertThat(info.firstEntryIncomplete()).isFalse();
        assertThat(log.read(0, 0, Long.MAX_VALUE, true).records().sizeInBytes()).isPositive();
        assertThatThrownBy(() -> log.read(0, -1, Long.MAX_VALUE, true)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    }

    @Test
    void largestTimestampSurvivesRestartSoRetentionStillJudgesByIt() {
        open(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 1000).with(TopicConfig.RETENTION_MS, 60_000)
                .with(TopicConfig.INDEX_INTERVAL_BYTES, 100000));
        long old = now() - 3_000_000L;
        log.updateConfig(log.config().with(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, Long.MAX_VALUE));
        for (int i = 0; i < 6; i++) {
            log.appendAsLeader(batch(2, 300, old + i), 0);
        }
        List<Long> maxima = log.segments().stream().map(LogSegment::maxTimestampSoFar).toList();
        log.updateHighWatermark(log.logEndOffset());
        reopen(true);
        assertThat(log.segments().stream().map(LogSegment::maxTimestampSoFar).toList()).isEqualTo(maxima);
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.deleteOldSegments()).isEqualTo(maxima.size());
    }

    @Test
    void readOnlyBuffersAreCopiedBeforeOffsetsAreAssigned() {
        open(LogConfig.defaults());
        log.appendAsLeader(batch(1, 10, now()), 0);
        ByteBuffer readOnly = batch(2, 10, now()).asReadOnlyBuffer();
        LogAppendInfo info = log.appendAsLeader(readOnly, 0);
        assertThat(info.firstOffset()).isEqualTo(1);
        assertThat(readOnly.getLong(0)).isZero();
        assertThat(TestBatches.offsets(log.read(1, 1 << 20, Long.MAX_VALUE, false).records().readAllBytes())).containsExactly(1L, 2L);
    }

    @Test
    void segmentJitterIsBoundedBySegmentMs() {
        LogConfig config = LogConfig.defaults().with(TopicConfig.SEGMENT_MS, 1000).with(TopicConfig.SEGMENT_JITTER_MS, 500);
        for (int i = 0; i < 100; i++) {
            assertThat(LogSegment.randomJitterMs(config)).isBetween(0L, 499L);
        }
        assertThat(LogSegment.randomJitterMs(LogConfig.defaults())).isZero();
    }
}
