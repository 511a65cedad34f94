package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.record.TimestampType;
import io.runnel.common.time.MockTime;
import io.runnel.proto.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Idempotent-producer state through a real {@link PartitionLog}: duplicates answered with their offsets
 * and not appended, the state after restarts (snapshot, crash replay, corrupt snapshot), follower replay,
 * truncation, retention, expiry and bad producer fields.
 */
class ProducerStateLogTest {

    private static final long PRODUCER = 42;

    @TempDir
    Path root;

    private final MockTime time = new MockTime();
    private PartitionLog log;
    private long issuedEnd = 1_000;

    private PartitionLog open(LogConfig config, boolean clean) {
        log = PartitionLog.builder(root.resolve("orders-0")).config(config).time(time).hadCleanShutdown(clean)
                .producerIdsIssuedEnd(() -> issuedEnd)
                .producerStateConfig(new ProducerStateConfig(60_000, 1_000)).open();
        return log;
    }

    private Path dir() {
        return root.resolve("orders-0");
    }

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    /** A batch of {@code count} records of a producer, values "v<sequence>". */
    private ByteBuffer batch(long producerId, int epoch, int baseSequence, int count) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().producerId(producerId).producerEpoch((short) epoch)
                .baseSequence(baseSequence).newBuilder();
        for (int i = 0; i < count; i++) {
            builder.append(time.milliseconds(), null, ("v" + (baseSequence + i)).getBytes(StandardCharsets.UTF_8), null);
        }
        return builder.build();
    }

    private LogAppendInfo append(ByteBuffer batch) {
        return log.appendAsLeader(batch.duplicate(), 0);
    }

    private List<Long> storedOffsets() {
        return TestBatches.offsets(log.read(log.logStartOffset(), 1 << 24, Long.MAX_VALUE, false).records().readAllBytes());
    }

    @Test
    void aRetriedBatchIsAnsweredWithItsOriginalOffsetsAndNothingIsAppended() {
        open(LogConfig.defaults(), true);
        ByteBuffer first = batch(PRODUCER, 0, 0, 3);
        ByteBuffer second = batch(PRODUCER, 0, 3, 2);
        append(first);
        append(batch(-1, -1, -1, 4)); // another, non-idempotent writer in between
        LogAppendInfo appended = append(second);
        assertThat(appended.firstOffset()).isEqualTo(7);
        long end = log.logEndOffset();

        LogAppendInfo retryOfFirst = append(first);
        LogAppendInfo retryOfSecond = append(second);

        assertThat(retryOfFirst.duplicate()).isTrue();
        assertThat(retryOfFirst.firstOffset()).isZero();
        assertThat(retryOfFirst.lastOffset()).isEqualTo(2);
        assertThat(retryOfFirst.recordCount()).isZero();
        assertThat(retryOfSecond.firstOffset()).isEqualTo(7);
        assertThat(retryOfSecond.lastOffset()).isEqualTo(8);
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(storedOffsets()).hasSize(9);
    }

    @Test
    void aRetryOfAnyOfTheLastWindowOfBatchesIsADuplicateAndAnOlderOneIsOutOfOrder() {
        open(LogConfig.defaults(), true);
        int window = ProducerStateEntry.BATCHES_RETAINED;
        assertThat(window).isEqualTo(RecordBatch.PRODUCER_BATCHES_RETAINED).isGreaterThan(5);
        List<ByteBuffer> sent = new ArrayList<>();
        for (int sequence = 0; sequence <= window; sequence++) {
            sent.add(batch(PRODUCER, 0, sequence, 1));
            append(sent.get(sequence));
        }
        long end = log.logEndOffset();

        // The producer may have this many batches unacknowledged: the oldest of them is still recognised.
        LogAppendInfo oldestInWindow = append(sent.get(1));
        assertThat(oldestInWindow.duplicate()).isTrue();
        assertThat(oldestInWindow.firstOffset()).isEqualTo(1);
        assertThat(append(sent.get(window)).firstOffset()).isEqualTo(window);
        // One batch further back is beyond what a producer can have unacknowledged: refused, not appended.
        assertRefused(sent.get(0), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(log.producerStateEntry(PRODUCER).orElseThrow().batches()).hasSize(window);
    }

    @Test
    void underLogAppendTimeADuplicateCarriesTheOriginalAppendTime() {
        open(LogConfig.defaults().with(TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"), true);
        ByteBuffer first = batch(PRODUCER, 0, 0, 2);
        LogAppendInfo appended = append(first);
        time.advance(5_000);
        LogAppendInfo retry = append(first);
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.logAppendTimeMs()).isEqualTo(appended.logAppendTimeMs()).isNotEqualTo(RecordBatch.NO_TIMESTAMP);
    }

    @Test
    void refusedBatchesAppendNothing() {
        open(LogConfig.defaults(), true);
        append(batch(PRODUCER, 1, 0, 2));
        long end = log.logEndOffset();
        assertRefused(batch(PRODUCER, 1, 5, 1), ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertRefused(batch(PRODUCER, 0, 2, 1), ErrorCode.INVALID_PRODUCER_EPOCH);
        assertRefused(batch(issuedEnd, 0, 0, 1), ErrorCode.UNKNOWN_PRODUCER_ID);
        assertRefused(batch(7, 0, 3, 1), ErrorCode.UNKNOWN_PRODUCER_ID);
        assertRefused(batch(-1, -1, 3, 1), ErrorCode.INVALID_RECORD);     // a sequence without a producer id
        assertRefused(batch(PRODUCER, -2, 2, 1), ErrorCode.INVALID_RECORD); // a negative epoch
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(log.producerStateEntry(PRODUCER).orElseThrow().lastSequence()).isEqualTo(1);
    }

    private void assertRefused(ByteBuffer batch, ErrorCode code) {
        assertThatThrownBy(() -> append(batch)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(code));
    }

    @Test
    void aCleanRestartLoadsTheSnapshotWrittenAtTheLogEndAndStillKnowsTheLastBatch() throws Exception {
        open(LogConfig.defaults(), true);
        append(batch(PRODUCER, 0, 0, 3));
        ByteBuffer last = batch(PRODUCER, 0, 3, 3);
        append(last);
        log.close();
        assertThat(Files.exists(dir().resolve("00000000000000000006.snapshot"))).isTrue();

        open(LogConfig.defaults(), true);
        LogAppendInfo retry = append(last);
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.firstOffset()).isEqualTo(3);
        assertThat(append(batch(PRODUCER, 0, 6, 1)).firstOffset()).isEqualTo(6);
    }

    @Test
    void afterACrashTheStateIsRebuiltFromTheRollSnapshotAndTheLogAfterIt() throws Exception {
        open(LogConfig.defaults(), true);
        append(batch(PRODUCER, 0, 0, 2));
        log.roll();
        assertThat(log.producerSnapshotOffsets()).containsExactly(2L);
        List<ByteBuffer> tail = List.of(batch(PRODUCER, 0, 2, 2), batch(PRODUCER, 0, 4, 2), batch(PRODUCER, 0, 6, 2));
        tail.forEach(this::append);
        crash();

        open(LogConfig.defaults(), false);
        // The replay gives back the last batches (up to the window), not only the last: every batch since the roll is known.
        for (int i = 0; i < tail.size(); i++) {
            LogAppendInfo retry = append(tail.get(i));
            assertThat(retry.duplicate()).isTrue();
            assertThat(retry.firstOffset()).isEqualTo(2 + 2L * i);
        }
        assertThat(log.producerStateEntry(PRODUCER).orElseThrow().batches()).hasSize(4);
    }

    /** Drops the log as a crash would: no snapshot at the end (a clean close would write one). */
    private void crash() {
        log.closeForDeletion();
        log = null;
    }

    @Test
    void aCorruptSnapshotIsDeletedAndTheStateRebuiltFromTheLog() throws Exception {
        open(LogConfig.defaults(), true);
        append(batch(PRODUCER, 0, 0, 2));
        ByteBuffer last = batch(PRODUCER, 0, 2, 2);
        append(last);
        log.close();
        Path snapshot = dir().resolve("00000000000000000004.snapshot");
        byte[] bytes = Files.readAllBytes(snapshot);
        bytes[bytes.length - 1] ^= 0x5a;
        Files.write(snapshot, bytes);

        open(LogConfig.defaults(), true);
        assertThat(append(last).duplicate()).isTrue();
        // Rewritten after the replay.
        assertThat(ProducerSnapshotFile.read(snapshot)).hasSize(1);
    }

    @Test
    void aFollowerBuildsTheLeadersStateFromTheReplicatedBatches() {
        open(LogConfig.defaults(), true);
        append(batch(PRODUCER, 0, 0, 2));
        append(batch(PRODUCER, 0, 2, 3));
        append(batch(9, 4, 0, 1));
        ByteBuffer replicated = log.read(0, 1 << 20, Long.MAX_VALUE, false).records().readAllBytes();
        var leaderState = log.activeProducers();
        log.close();

        log = PartitionLog.builder(root.resolve("orders-1")).time(time).hadCleanShutdown(true).open();
        log.appendAsFollower(replicated);
        assertThat(log.activeProducers()).isEqualTo(leaderState);
    }

    @Test
    void truncationForgetsTheBatchesCutAndReloadsFromTheSnapshotsBelow() {
        open(LogConfig.defaults(), true);
        append(batch(PRODUCER, 0, 0, 2));
        log.roll();
        append(batch(PRODUCER, 0, 2, 2));
        log.roll();
        append(batch(PRODUCER, 0, 4, 2));
        assertThat(log.producerSnapshotOffsets()).containsExactly(2L, 4L);

        log.truncateTo(3); // cuts the batch at 2..3 and everything after
        assertThat(log.logEndOffset()).isEqualTo(2);
        assertThat(log.producerSnapshotOffsets()).containsExactly(2L);
        assertThat(log.producerStateEntry(PRODUCER).orElseThrow().lastSequence()).isEqualTo(1);
        // The producer's sequence 2 is next again (a new leader would take the retry).
        assertThat(append(batch(PRODUCER, 0, 2, 2)).duplicate()).isFalse();

        log.truncateFullyAndStartAt(100);
        assertThat(log.activeProducers()).isEmpty();
        assertThat(log.producerSnapshotOffsets()).isEmpty();
    }

    @Test
    void retentionDeletesTheSnapshotsOfDeletedSegmentsButKeepsTheState() {
        open(LogConfig.defaults().with(TopicConfig.FILE_DELETE_DELAY_MS, 0), true);
        append(batch(PRODUCER, 0, 0, 2));
        log.roll();
        append(batch(PRODUCER, 0, 2, 2));
        log.roll();
        log.updateHighWatermark(log.logEndOffset());
        assertThat(log.producerSnapshotOffsets()).containsExactly(2L, 4L);
        log.maybeIncrementLogStartOffset(4);
        assertThat(log.deleteOldSegments()).isEqualTo(2);
        assertThat(log.producerSnapshotOffsets()).containsExactly(4L);
        assertThat(log.producerStateEntry(PRODUCER).orElseThrow().lastSequence()).isEqualTo(3);
    }

    @Test
    void aProducerIdleForTheExpirationIsForgottenAndMustStartAgainAtZero() {
        open(LogConfig.defaults(), true);
        append(batch(PRODUCER, 0, 0, 2));
        time.advance(59_999);
        assertThat(log.removeExpiredProducers()).isZero();
        time.advance(1);
        assertThat(log.removeExpiredProducers()).isEqualTo(1);
        assertRefused(batch(PRODUCER, 0, 2, 1), ErrorCode.UNKNOWN_PRODUCER_ID);
        assertThat(append(batch(PRODUCER, 1, 0, 1)).duplicate()).isFalse();
    }

    @Test
    void snapshotsAtTheLogEndAboveARecoveredLogAreDeleted() throws Exception {
        open(LogConfig.defaults(), true);
        append(batch(PRODUCER, 0, 0, 2));
        log.close();
        // A snapshot from a future the log does not have (its segment was cut by recovery).
        ProducerSnapshotFile.write(dir().resolve("00000000000000000050.snapshot"), List.of(), false);
        open(LogConfig.defaults(), true);
        assertThat(log.producerSnapshotOffsets()).containsExactly(2L);
        assertThat(log.producerStateEntry(PRODUCER)).isPresent();
    }

    @Test
    void theCleanerKeepsEachKnownProducersLastBatchEvenWhenAllItsRecordsAreSuperseded() {
        open(CompactionFixtures.compactConfig(1024 * 1024), true);
        // The producer writes k0 then k1; a non-idempotent writer then supersedes both keys.
        log.appendAsLeader(keyedBatch(PRODUCER, 0, "k0", "a"), 0);
        log.appendAsLeader(keyedBatch(PRODUCER, 1, "k1", "b"), 0);
        log.appendAsLeader(CompactionFixtures.keyed(time.milliseconds(), "k0", "c", "k1", "d"), 0);
        log.roll();
        log.updateHighWatermark(log.logEndOffset());
        Cleaner cleaner = CompactionFixtures.directCleaner(new OffsetMap(1 << 20, 0.9), time, FailurePoints.NONE);
        assertThat(cleaner.clean(log, 0, log.activeSegment().baseOffset(), () -> { }).completed()).isTrue();

        List<RecordBatch> batches = CompactionFixtures.readBatches(log);
        assertThat(batches).extracting(RecordBatch::producerId).containsExactly(PRODUCER, -1L);
        RecordBatch kept = batches.get(0);
        assertThat(kept.recordCount()).as("the records are gone, the header stays").isZero();
        assertThat(kept.lastOffset()).isEqualTo(1);
        assertThat(kept.lastSequence()).isEqualTo(1);
        // A restart rebuilds the producer from that header, so its next batch is in sequence.
        log.close();
        Path dir = dir();
        for (Long offset : List.of(1L, 2L, 3L, 4L)) {
            try {
                Files.deleteIfExists(dir.resolve(LogFileNames.prefix(offset) + LogFileNames.SNAPSHOT_SUFFIX));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        open(CompactionFixtures.compactConfig(1024 * 1024), true);
        assertThat(log.producerStateEntry(PRODUCER).orElseThrow().lastSequence()).isEqualTo(1);
        assertThat(log.appendAsLeader(keyedBatch(PRODUCER, 2, "k2", "e"), 0).duplicate()).isFalse();
    }

    private ByteBuffer keyedBatch(long producerId, int sequence, String key, String value) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().producerId(producerId).producerEpoch((short) 0)
                .baseSequence(sequence).newBuilder();
        builder.append(time.milliseconds(), key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), null);
        return builder.build();
    }

    @Test
    void logAppendTimeIsMinusOneForADuplicateUnderCreateTime() {
        open(LogConfig.defaults(), true);
        ByteBuffer first = batch(PRODUCER, 0, 0, 1);
        append(first);
        assertThat(log.config().messageTimestampType()).isEqualTo(TimestampType.CREATE_TIME);
        assertThat(append(first).logAppendTimeMs()).isEqualTo(RecordBatch.NO_TIMESTAMP);
    }
}
