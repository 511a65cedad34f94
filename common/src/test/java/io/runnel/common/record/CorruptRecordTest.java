package io.runnel.common.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.errors.CorruptRecordException;
import io.runnel.proto.ErrorCode;
import java.nio.ByteBuffer;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Malformed batches under a correct CRC, for every compression type: each is rejected by
 * {@link RecordBatch#records()} with CorruptRecordException (CORRUPT_MESSAGE) naming the problem.
 */
class CorruptRecordTest {

    private static AbstractThrowableAssert<?, ? extends Throwable> assertReadFails(RecordBatch batch) {
        return assertThatThrownBy(() -> TestRecord.readAll(batch))
                .isInstanceOf(CorruptRecordException.class)
                .satisfies(e -> assertThat(((CorruptRecordException) e).code()).isEqualTo(ErrorCode.CORRUPT_MESSAGE));
    }

    private static byte[] concat(RawBatch.Bytes... parts) {
        RawBatch.Bytes all = RawBatch.bytes();
        for (RawBatch.Bytes part : parts) {
            all.raw(part.toByteArray());
        }
        return all.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void wellFormedRawBatchReads(CompressionType type) {
        byte[] records = concat(RawBatch.bytes().record(RawBatch.body(0, "k", "v"), 0),
                RawBatch.bytes().record(RawBatch.body(1, null, "w"), 0));
        List<Record> read = TestRecord.readAll(RawBatch.batch(type, 2, 1, records));
        assertThat(read).hasSize(2);
        assertThat(TestRecord.bytes(read.get(1).value())).isEqualTo(TestRecord.utf8("w"));
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void recordLengthLongerThanItsFieldsIsRejected(CompressionType type) {
        byte[] records = concat(RawBatch.bytes().record(RawBatch.body(0, "k", "v"), +1), RawBatch.bytes().i8(0));
        assertReadFails(RawBatch.batch(type, 1, 0, records))
                .hasMessageContaining("record 0 declares length 9 but its fields end after 8 bytes");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void recordLengthShorterThanItsFieldsIsRejected(CompressionType type) {
        byte[] records = RawBatch.bytes().record(RawBatch.body(0, "key", "value"), -2).toByteArray();
        // body: attributes, timestampDelta, offsetDelta (1 each), key (1 + 3), value (1 + 5), headerCount (1) = 14 bytes
        assertReadFails(RawBatch.batch(type, 1, 0, records))
                .hasMessageContaining("record 0 has value length 5 but only 4 bytes remain in the record's declared length 12");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void fewerRecordsThanRecordCountIsRejected(CompressionType type) {
        byte[] records = concat(RawBatch.bytes().record(RawBatch.body(0, "a", "1"), 0),
                RawBatch.bytes().record(RawBatch.body(1, "b", "2"), 0));
        assertReadFails(RawBatch.batch(type, 3, 2, records))
                .hasMessageContaining("recordCount is 3 but the records end after 2");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void moreRecordsThanRecordCountIsRejected(CompressionType type) {
        byte[] records = concat(RawBatch.bytes().record(RawBatch.body(0, "a", "1"), 0),
                RawBatch.bytes().record(RawBatch.body(1, "b", "2"), 0));
        assertReadFails(RawBatch.batch(type, 1, 1, records))
                .hasMessageContaining("recordCount is 1 but")
                .hasMessageContaining("follow the last record");
    }

    @Test
    void negativeRecordCountIsRejected() {
        RecordBatch batch = RawBatch.batch(CompressionType.NONE, -1, 0, new byte[0]);
        assertThatThrownBy(batch::records).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("recordCount -1 is negative");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void negativeKeyLengthOtherThanMinusOneIsRejected(CompressionType type) {
        RawBatch.Bytes body = RawBatch.bytes().i8(0).varlong(0).varint(0).varint(-2).varint(1).raw(new byte[] {'v'})
                .varint(0);
        assertReadFails(RawBatch.batch(type, 1, 0, RawBatch.bytes().record(body, 0).toByteArray()))
                .hasMessageContaining("key length -2; only -1 (absent) may be negative");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void negativeValueLengthOtherThanMinusOneIsRejected(CompressionType type) {
        RawBatch.Bytes body = RawBatch.bytes().i8(0).varlong(0).varint(0).varint(-1).varint(-7).varint(0)
                .raw(new byte[4]);
        assertReadFails(RawBatch.batch(type, 1, 0, RawBatch.bytes().record(body, 0).toByteArray()))
                .hasMessageContaining("value length -7");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void keyLongerThanTheRecordIsRejected(CompressionType type) {
        RawBatch.Bytes body = RawBatch.bytes().i8(0).varlong(0).varint(0).varint(1_000_000).raw(new byte[] {1, 2, 3});
        assertReadFails(RawBatch.batch(type, 1, 0, RawBatch.bytes().record(body, 0).toByteArray()))
                .hasMessageContaining("key length 1000000 but only 3 bytes remain in the record's declared length");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void nullHeaderKeyIsRejected(CompressionType type) {
        RawBatch.Bytes body = RawBatch.bytes().i8(0).varlong(0).varint(0).varint(-1).varint(-1)
                .varint(1).varint(-1).varint(-1);
        assertReadFails(RawBatch.batch(type, 1, 0, RawBatch.bytes().record(body, 0).toByteArray()))
                .hasMessageContaining("header 0 has key length -1")
                .hasMessageContaining("header keys may not be null");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void impossibleHeaderCountIsRejected(CompressionType type) {
        RawBatch.Bytes body = RawBatch.bytes().i8(0).varlong(0).varint(0).varint(-1).varint(-1)
                .varint(Integer.MAX_VALUE).varint(0).varint(0);
        assertReadFails(RawBatch.batch(type, 1, 0, RawBatch.bytes().record(body, 0).toByteArray()))
                .hasMessageContaining("declares " + Integer.MAX_VALUE + " headers");
    }

    @Test
    void hugeDeclaredRecordLengthInAnUncompressedBatchIsRejectedWithoutAllocating() {
        byte[] records = RawBatch.bytes().varint(Integer.MAX_VALUE).raw(RawBatch.body(0, "k", "v").toByteArray())
                .toByteArray();
        assertReadFails(RawBatch.batch(CompressionType.NONE, 1, 0, records))
                .hasMessageContaining("record 0 declares length " + Integer.MAX_VALUE + " but only");
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void hugeDeclaredRecordLengthInACompressedBatchIsRejected(CompressionType type) {
        byte[] beyondLimit = RawBatch.bytes().varint(Integer.MAX_VALUE).raw(RawBatch.body(0, "k", "v").toByteArray())
                .toByteArray();
        assertReadFails(RawBatch.batch(type, 1, 0, beyondLimit))
                .hasMessageContaining("record 0 declares length " + Integer.MAX_VALUE + " but only "
                        + RecordBatch.DECOMPRESSED_RECORD_SIZE_BYTES_MAX + " bytes can follow it");
        // Within the limit but far beyond the data: read as it arrives, so only the real bytes are allocated.
        byte[] withinLimit = RawBatch.bytes().varint(100 << 20).raw(RawBatch.body(0, "k", "v").toByteArray())
                .toByteArray();
        assertReadFails(RawBatch.batch(type, 1, 0, withinLimit))
                .hasMessageContaining("record 0 declares length " + (100 << 20)
                        + " but the decompressed data ends after 8 of them");
    }

    @Test
    void callerChosenDecompressedRecordLimitApplies() {
        byte[] records = RawBatch.bytes().record(RawBatch.body(0, "k", "v".repeat(500)), 0).toByteArray();
        RecordBatch batch = RawBatch.batch(CompressionType.GZIP, 1, 0, records);
        assertThatThrownBy(() -> batch.records(100).next()).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("but only 100 bytes can follow it");
        assertThat(TestRecord.readAll(batch)).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void offsetDeltasMustIncrease(CompressionType type) {
        byte[] records = concat(RawBatch.bytes().record(RawBatch.body(1, "a", "1"), 0),
                RawBatch.bytes().record(RawBatch.body(1, "b", "2"), 0));
        assertReadFails(RawBatch.batch(type, 2, 1, records))
                .hasMessageContaining("record 1 has offsetDelta 1; expected more than 1");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void offsetDeltaBeyondLastOffsetDeltaIsRejected(CompressionType type) {
        byte[] records = RawBatch.bytes().record(RawBatch.body(5, "a", "1"), 0).toByteArray();
        assertReadFails(RawBatch.batch(type, 1, 2, records))
                .hasMessageContaining("offsetDelta 5; expected more than -1 and at most lastOffsetDelta 2");
    }

    @Test
    void overlongVarintIsRejected() {
        byte[] records = RawBatch.bytes().raw(new byte[] {-1, -1, -1, -1, -1, -1, 0}).toByteArray();
        assertReadFails(RawBatch.batch(CompressionType.NONE, 1, 0, records))
                .hasMessageContaining("record batch at offset 0: record 0 length: varint is longer than 5 bytes");
        RawBatch.Bytes body = RawBatch.bytes().i8(0).varlong(0).raw(new byte[] {-1, -1, -1, -1, -1, -1, 0}).varint(-1)
                .varint(-1).varint(0);
        assertReadFails(RawBatch.batch(CompressionType.NONE, 1, 0, RawBatch.bytes().record(body, 0).toByteArray()))
                .hasMessageContaining("record 0 offsetDelta: varint is longer than 5 bytes");
        assertReadFails(RawBatch.batch(CompressionType.LZ4, 1, 0, records)).hasMessageContaining("longer than 5 bytes");
    }

    @Test
    void recordTooShortToHoldAnyFieldsIsRejected() {
        byte[] records = RawBatch.bytes().varint(2).i8(0).i8(0).toByteArray();
        assertReadFails(RawBatch.batch(CompressionType.NONE, 1, 0, records))
                .hasMessageContaining("declares length 2, less than the 6 bytes any record needs");
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void garbageInsteadOfCompressedDataIsRejected(CompressionType type) {
        byte[] garbage = new byte[200];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 37 + 11);
        }
        ByteBuffer b = RawBatch.batch(CompressionType.NONE, 1, 0, garbage).buffer();
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) type.id);
        RawBatch.fixCrc(b);
        RecordBatch batch = RecordBatch.readFrom(b);
        batch.ensureValid();
        assertReadFails(batch).hasMessageContaining(type.configName);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void truncatedCompressedDataIsRejected(CompressionType type) {
        RawBatch.Bytes records = RawBatch.bytes();
        for (int i = 0; i < 50; i++) {
            records.record(RawBatch.body(i, "key-" + i, "value-" + i), 0);
        }
        byte[] compressed = RawBatch.compress(type, records.toByteArray());
        ByteBuffer b = RawBatch.batch(CompressionType.NONE, 50, 49, java.util.Arrays.copyOf(compressed, compressed.length - 5))
                .buffer();
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) type.id);
        RawBatch.fixCrc(b);
        assertReadFails(RecordBatch.readFrom(b));
    }

    @Test
    void unknownCompressionTypeIsRejected() {
        ByteBuffer b = RawBatch.batch(CompressionType.NONE, 1, 0, RawBatch.bytes().record(RawBatch.body(0, "k", "v"), 0)
                .toByteArray()).buffer();
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) 6);
        RawBatch.fixCrc(b);
        RecordBatch batch = RecordBatch.readFrom(b);
        assertThatThrownBy(batch::records).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("unknown compression type id 6");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void recordsAfterAnEmptyCountAreRejected(CompressionType type) {
        byte[] records = RawBatch.bytes().record(RawBatch.body(0, "k", "v"), 0).toByteArray();
        RecordBatch batch = RawBatch.batch(type, 0, 0, records);
        assertThatThrownBy(batch::records).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("recordCount is 0 but");
    }

    @Test
    void emptyBatchReadsAsNoRecords() {
        RecordBatch batch = RawBatch.batch(CompressionType.NONE, 0, 0, new byte[0]);
        assertThat(TestRecord.readAll(batch)).isEmpty();
    }
}
