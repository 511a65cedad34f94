package io.runnel.storage;

import static io.runnel.storage.TestBatches.batch;
import static io.runnel.storage.TestBatches.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.time.MockTime;
import io.runnel.proto.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every rejection names its error, and a rejected request leaves the log exactly as it was. */
class BadInputTest {

    @TempDir
    Path root;

    final MockTime time = new MockTime();
    PartitionLog log;

    @BeforeEach
    void open() {
        log = PartitionLog.builder(root.resolve("t-0")).time(time).hadCleanShutdown(true)
                .config(LogConfig.defaults().with(TopicConfig.MAX_MESSAGE_BYTES, 2000)
                        .with(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, 60_000))
                .open();
        log.appendAsLeader(batch(3, 10, now()), 1);
        log.appendAsLeader(batch(2, 10, now()), 2);
    }

    @AfterEach
    void close() {
        log.close();
    }

    long now() {
        return time.milliseconds();
    }

    static void fixCrc(ByteBuffer batch) {
        RecordBatch view = RecordBatch.readFrom(batch.duplicate());
        batch.putInt(batch.position() + RecordBatch.CRC_OFFSET, (int) view.computeChecksum());
    }

    /** Appends as leader, expects {@code code}, and checks nothing changed. */
    ApiException rejectedAsLeader(ByteBuffer request, ErrorCode code) {
        return rejected(() -> log.appendAsLeader(request, 3), code);
    }

    ApiException rejected(Supplier<LogAppendInfo> append, ErrorCode code) {
        long endOffset = log.logEndOffset();
        long size = log.sizeInBytes();
        byte[] bytes = TestBatches.allBytes(log);
        List<LeaderEpochFileCache.EpochEntry> epochs = log.leaderEpochCache().entries();
        ApiException e = catchThrowableOfType(ApiException.class, append::get);
        assertThat(e).as("rejected").isNotNull();
        assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
        assertThat(log.logEndOffset()).isEqualTo(endOffset);
        assertThat(log.sizeInBytes()).isEqualTo(size);
        assertThat(TestBatches.allBytes(log)).isEqualTo(bytes);
        assertThat(log.leaderEpochCache().entries()).isEqualTo(epochs);
        assertThat(log.logEndOffsetMetadata().relativePositionInSegment()).isEqualTo((int) size);
        return e;
    }

    @Test
    void aRecordWithoutAKeyOnACompactedTopicIsInvalidRecordNamingTheTopic() {
        log.updateConfig(log.config().with(TopicConfig.CLEANUP_POLICY, TopicConfig.CLEANUP_POLICY_COMPACT));
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        builder.append(now(), "key".getBytes(), "keyed".getBytes(), null);
        builder.append(now(), (byte[]) null, "no key".getBytes(), null);

        ApiException e = rejectedAsLeader(concat(batch(2, 10, now()), builder.build()), ErrorCode.INVALID_RECORD);

        assertThat(e.getMessage()).contains("topic t", "compact", "record 1");
    }

    @Test
    void badMagic() {
        ByteBuffer b = batch(2, 10, now());
        b.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        assertThat(rejectedAsLeader(b, ErrorCode.CORRUPT_MESSAGE)).hasMessageContaining("magic 1");
        assertThat(rejected(() -> log.appendAsFollower(b), ErrorCode.CORRUPT_MESSAGE)).hasMessageContaining("magic");
    }

    @Test
    void lengthShorterThanHeader() {
        ByteBuffer b = batch(2, 10, now());
        b.putInt(RecordBatch.LENGTH_OFFSET, 20);
        assertThat(rejectedAsLeader(b, ErrorCode.CORRUPT_MESSAGE)).hasMessageContaining("batchLength 20");
    }

    @Test
    void lengthLongerThanRequest() {
        ByteBuffer b = batch(2, 10, now());
        b.putInt(RecordBatch.LENGTH_OFFSET, b.remaining());
        assertThat(rejectedAsLeader(b, ErrorCode.CORRUPT_MESSAGE)).hasMessageContaining("only");
    }

    @Test
    void trailingBytes() {
        ByteBuffer request = concat(batch(2, 10, now()), ByteBuffer.wrap(new byte[5]));
        assertThat(rejectedAsLeader(request, ErrorCode.CORRUPT_MESSAGE)).hasMessageContaining("trailing");
    }

    @Test
    void crcMismatch() {
        ByteBuffer b = batch(2, 10, now());
        b.put(b.limit() - 3, (byte) (b.get(b.limit() - 3) ^ 0x5a));
        assertThat(rejectedAsLeader(b, ErrorCode.CORRUPT_MESSAGE)).hasMessageContaining("CRC");
        assertThat(rejected(() -> log.appendAsFollower(b), ErrorCode.CORRUPT_MESSAGE)).hasMessageContaining("CRC");
    }

    @Test
    void recordCountDisagreesWithLastOffsetDelta() {
        ByteBuffer b = batch(3, 10, now());
        b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 5);
        fixCrc(b);
        assertThat(rejectedAsLeader(b, ErrorCode.INVALID_RECORD)).hasMessageContaining("lastOffsetDelta 5")
                .hasMessageContaining("recordCount 3");
    }

    @Test
    void zeroRecords() {
        ByteBuffer b = batch(1, 10, now());
        b.putInt(RecordBatch.RECORDS_COUNT_OFFSET, 0);
        b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, -1);
        fixCrc(b);
        assertThat(rejectedAsLeader(b, ErrorCode.INVALID_RECORD)).hasMessageContaining("recordCount 0");
    }

    @Test
    void nonContiguousOffsetDeltas() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        builder.appendWithOffset(0, now(), null, ByteBuffer.wrap(new byte[3]), null);
        builder.appendWithOffset(2, now(), null, ByteBuffer.wrap(new byte[3]), null);
        builder.appendWithOffset(3, now(), null, ByteBuffer.wrap(new byte[3]), null);
        ByteBuffer b = builder.build();
        b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, 2); // count 3 now agrees; the deltas 0, 2, 3 do not
        fixCrc(b);
        assertThat(rejectedAsLeader(b, ErrorCode.INVALID_RECORD)).hasMessageContaining("offsetDelta 2");
    }

    @Test
    void followerOffsetsMustIncrease() {
        ByteBuffer first = batch(2, 10, now());
        RecordBatch.readFrom(first.duplicate()).setBaseOffset(100);
        ByteBuffer second = batch(2, 10, now());
        RecordBatch.readFrom(second.duplicate()).setBaseOffset(101);
        assertThat(rejected(() -> log.appendAsFollower(concat(first, second)), ErrorCode.INVALID_RECORD))
                .hasMessageContaining("baseOffset 101");
        ByteBuffer behind = batch(1, 10, now());
        RecordBatch.readFrom(behind.duplicate()).setBaseOffset(2);
        assertThat(rejected(() -> log.appendAsFollower(behind), ErrorCode.INVALID_RECORD)).hasMessageContaining("below");
    }

    @Test
    void batchAboveMaxMessageBytes() {
        ByteBuffer b = batch(3, 1000, now());
        assertThat(rejectedAsLeader(b, ErrorCode.RECORD_TOO_LARGE)).hasMessageContaining("max.message.bytes 2000");
    }

    @Test
    void batchLargerThanASegment() {
        log.updateConfig(log.config().with(LogConfig.INTERNAL_SEGMENT_BYTES, 500));
        // A small batch first: the whole request is refused, the small batch with it.
        ByteBuffer b = concat(batch(1, 10, now()), batch(3, 200, now()));
        assertThat(rejectedAsLeader(b, ErrorCode.RECORD_LIST_TOO_LARGE)).hasMessageContaining("segment.bytes 500")
                .hasMessageContaining("record batch of ");
    }

    @Test
    void timestampTooFarInTheFuture() {
        ByteBuffer b = batch(2, 10, now() + 2 * 3_600_000L);
        assertThat(rejectedAsLeader(b, ErrorCode.INVALID_TIMESTAMP)).hasMessageContaining("timestamp " + (now() + 7_200_000L));
    }

    @Test
    void timestampTooOld() {
        ByteBuffer b = batch(2, 10, now() - 120_000L);
        assertThat(rejectedAsLeader(b, ErrorCode.INVALID_TIMESTAMP)).hasMessageContaining("before.max.ms");
    }

    @Test
    void logAppendTimeIgnoresProducerTimestamps() {
        log.updateConfig(log.config().with(TopicConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        LogAppendInfo info = log.appendAsLeader(batch(2, 10, now() - 10_000_000L), 3);
        assertThat(info.maxTimestamp()).isEqualTo(now());
    }

    @Test
    void controlBatchFromClient() {
        ByteBuffer b = RecordBatchBuilder.buildEndTransactionMarker(RecordBatchBuilder.spec().producerId(7)
                .producerEpoch((short) 0).transactional(true), now(),
                new io.runnel.common.record.EndTransactionMarker(io.runnel.common.record.ControlRecordType.COMMIT, 0));
        assertThat(rejectedAsLeader(b, ErrorCode.INVALID_RECORD)).hasMessageContaining("control");
        assertThat(log.appendAsLeader(b.duplicate(), 3, AppendOrigin.COORDINATOR).recordCount()).isEqualTo(1);
    }

    @Test
    void oneBadBatchAmongGoodOnesRejectsTheWholeRequest() {
        ByteBuffer bad = batch(2, 10, now());
        bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 1));
        ByteBuffer request = concat(batch(2, 10, now()), bad, batch(2, 10, now()));
        rejectedAsLeader(request, ErrorCode.CORRUPT_MESSAGE);
        // the good batches of the failed request were not rewritten either
        assertThat(RecordBatch.readFrom(request.duplicate()).baseOffset()).isZero();
    }

    // ---- issue 11: what Kafka's broker validates besides framing and CRC (defects 4 and 6)

    /** One uncompressed record at {@code now()}, whose timestampDelta byte (zig-zag 0) sits at this index. */
    private static final int FIRST_RECORD_TIMESTAMP_DELTA = RecordBatch.RECORDS_OFFSET + 2;

    private ByteBuffer oneRecord() {
        ByteBuffer b = batch(1, 10, now());
        assertThat(b.get(FIRST_RECORD_TIMESTAMP_DELTA)).isZero();
        return b;
    }

    private ByteBuffer withOneRecord(RecordBatchBuilder builder) {
        builder.append(now(), null, new byte[3], null);
        return builder.build();
    }

    @Test
    void aRequestWithoutAnyBatchIsRefused() {
        assertThat(rejectedAsLeader(ByteBuffer.allocate(0), ErrorCode.INVALID_RECORD)).hasMessageContaining("no record batch");
    }

    @Test
    void attributeBitsV2DoesNotDefineAreRefused() {
        for (int bit = 7; bit < 16; bit++) {
            ByteBuffer b = oneRecord();
            b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) (b.getShort(RecordBatch.ATTRIBUTES_OFFSET) | (1 << bit)));
            fixCrc(b);
            assertThat(rejectedAsLeader(b, ErrorCode.INVALID_RECORD)).as("bit %d", bit).hasMessageContaining("does not define");
        }
    }

    @Test
    void theDeleteHorizonBitIsTheCleanersNotAClients() {
        ByteBuffer b = oneRecord();
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) (b.getShort(RecordBatch.ATTRIBUTES_OFFSET) | 0x40));
        fixCrc(b);
        assertThat(rejectedAsLeader(b, ErrorCode.INVALID_RECORD)).hasMessageContaining("delete-horizon");
    }

    @Test
    void aTransactionalBatchNeedsAProducerId() {
        ByteBuffer b = oneRecord();
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) (b.getShort(RecordBatch.ATTRIBUTES_OFFSET) | 0x10));
        fixCrc(b);
        assertThat(rejectedAsLeader(b, ErrorCode.INVALID_RECORD)).hasMessageContaining("transactional but has no producerId");
    }

    @Test
    void producerFieldsMustBeConsistent() {
        ByteBuffer negativeId = oneRecord();
        negativeId.putLong(RecordBatch.PRODUCER_ID_OFFSET, -5);
        fixCrc(negativeId);
        assertThat(rejectedAsLeader(negativeId, ErrorCode.INVALID_RECORD)).hasMessageContaining("producerId -5");

        ByteBuffer epochWithoutId = oneRecord();
        epochWithoutId.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, (short) 3);
        fixCrc(epochWithoutId);
        assertThat(rejectedAsLeader(epochWithoutId, ErrorCode.INVALID_RECORD)).hasMessageContaining("producerEpoch 3");

        ByteBuffer sequenceWithoutId = oneRecord();
        sequenceWithoutId.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, 7);
        fixCrc(sequenceWithoutId);
        assertThat(rejectedAsLeader(sequenceWithoutId, ErrorCode.INVALID_RECORD)).hasMessageContaining("baseSequence 7");

        ByteBuffer idWithoutEpoch = withOneRecord(RecordBatchBuilder.spec().producerId(7).producerEpoch((short) -1)
                .baseSequence(0).newBuilder());
        assertThat(rejectedAsLeader(idWithoutEpoch, ErrorCode.INVALID_RECORD)).hasMessageContaining("producerEpoch -1");

        ByteBuffer idempotent = withOneRecord(RecordBatchBuilder.spec().producerId(7).producerEpoch((short) 0)
                .baseSequence(0).newBuilder());
        assertThat(log.appendAsLeader(idempotent, 3).recordCount()).isEqualTo(1);
    }

    @Test
    void aRecordTimestampThatOverflowsIsRefused() {
        ByteBuffer b = oneRecord();
        b.put(FIRST_RECORD_TIMESTAMP_DELTA, (byte) 20); // zig-zag 10
        b.putLong(RecordBatch.BASE_TIMESTAMP_OFFSET, Long.MAX_VALUE - 5);
        fixCrc(b);
        assertThat(rejectedAsLeader(b, ErrorCode.INVALID_TIMESTAMP)).hasMessageContaining("overflows");
    }

    @Test
    void aMaxTimestampBelowTheBaseTimestampIsRefused() {
        ByteBuffer b = oneRecord();
        b.put(FIRST_RECORD_TIMESTAMP_DELTA, (byte) 9); // zig-zag -5: the only record lies before the base
        fixCrc(b);
        assertThat(rejectedAsLeader(b, ErrorCode.INVALID_TIMESTAMP)).hasMessageContaining("baseTimestamp " + now());
    }
}
