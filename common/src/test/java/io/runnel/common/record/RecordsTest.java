package io.runnel.common.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.errors.CorruptRecordException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Records}: whole batches only, partial tails, impossible headers, and views instead of copies. */
class RecordsTest {

    private static ByteBuffer batch(long baseOffset, String... values) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().baseOffset(baseOffset).newBuilder();
        for (String value : values) {
            builder.append(1000L, null, TestRecord.utf8(value), null);
        }
        return builder.build();
    }

    private static ByteBuffer concat(ByteBuffer... buffers) {
        int size = 0;
        for (ByteBuffer b : buffers) {
            size += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer b : buffers) {
            all.put(b.duplicate());
        }
        return all.flip();
    }

    private static List<Long> baseOffsets(Records records) {
        List<Long> offsets = new ArrayList<>();
        records.batches().forEach(b -> offsets.add(b.baseOffset()));
        return offsets;
    }

    @Test
    void emptyHasNoBatches() {
        assertThat(Records.EMPTY.batches()).isEmpty();
        assertThat(Records.EMPTY.sizeOfWholeBatches()).isZero();
        assertThat(Records.wrap(ByteBuffer.allocate(0)).sizeInBytes()).isZero();
    }

    @Test
    void iteratesBatchesInOrderAndCanIterateAgain() {
        Records records = Records.wrap(concat(batch(0, "a", "b"), batch(2, "c"), batch(3, "d", "e", "f")));
        assertThat(baseOffsets(records)).containsExactly(0L, 2L, 3L);
        assertThat(baseOffsets(records)).containsExactly(0L, 2L, 3L);
        assertThat(records.sizeOfWholeBatches()).isEqualTo(records.sizeInBytes());
    }

    @Test
    void stopsCleanlyAtATrailingPartialBatch() {
        ByteBuffer first = batch(0, "a");
        ByteBuffer second = batch(1, "b", "c");
        ByteBuffer all = concat(first, second);
        for (int cut : new int[] {first.limit() + 1, first.limit() + RecordBatch.LOG_OVERHEAD,
                first.limit() + RecordBatch.HEADER_SIZE, all.limit() - 1}) {
            Records records = Records.wrap(all.slice(0, cut));
            assertThat(baseOffsets(records)).as("cut at %d", cut).containsExactly(0L);
            assertThat(records.sizeOfWholeBatches()).isEqualTo(first.limit());
            assertThat(records.sizeInBytes()).isEqualTo(cut);
        }
    }

    @Test
    void impossibleBatchLengthIsCorrupt() {
        ByteBuffer first = batch(0, "a");
        for (int length : new int[] {-1, 0, RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD - 1, Integer.MIN_VALUE}) {
            ByteBuffer second = batch(1, "b");
            second.putInt(RecordBatch.LENGTH_OFFSET, length);
            Records records = Records.wrap(concat(first, second));
            assertThatThrownBy(() -> baseOffsets(records)).isInstanceOf(CorruptRecordException.class)
                    .hasMessageContaining("record batch at position " + first.limit() + " declares length " + length);
            assertThatThrownBy(records::sizeOfWholeBatches).isInstanceOf(CorruptRecordException.class);
        }
    }

    @Test
    void otherMagicIsCorrupt() {
        ByteBuffer batch = batch(0, "a");
        batch.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        assertThatThrownBy(() -> baseOffsets(Records.wrap(batch))).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("has magic 1");
    }

    @Test
    void wrapViewsFromThePositionWithoutMovingIt() {
        ByteBuffer batch = batch(5, "x");
        ByteBuffer padded = ByteBuffer.allocate(batch.limit() + 10);
        padded.position(10);
        padded.put(batch.duplicate());
        padded.position(10);
        Records records = Records.wrap(padded);
        assertThat(padded.position()).isEqualTo(10);
        assertThat(records.sizeInBytes()).isEqualTo(batch.limit());
        assertThat(baseOffsets(records)).containsExactly(5L);
    }

    @Test
    void uncompressedKeysAndValuesAreReadOnlyViewsOfTheBatchBuffer() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        builder.append(1L, TestRecord.utf8("key"), TestRecord.utf8("value"), null);
        ByteBuffer bytes = builder.build();
        Records records = Records.wrap(bytes);
        Record record = TestRecord.readAll(records.batches().iterator().next()).get(0);
        ByteBuffer value = record.value();
        assertThat(value.isReadOnly()).isTrue();
        assertThat(record.key().isReadOnly()).isTrue();

        // Writing into the batch buffer shows through the record: it was never copied.
        int valueIndex = bytes.limit() - 1 - "value".length();
        bytes.put(valueIndex, (byte) 'V');
        assertThat(TestRecord.bytes(record.value())).isEqualTo(TestRecord.utf8("Value"));
        assertThat(value.remaining()).isEqualTo(5);
        value.get();
        assertThat(record.value().remaining()).as("each call returns a fresh view").isEqualTo(5);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(CompressionType.class)
    void directBuffersWorkForReading(CompressionType type) {
        java.util.List<TestRecord> inputs = TestRecord.sample();
        ByteBuffer written = TestRecord.build(RecordBatchBuilder.spec().compression(type), inputs);
        ByteBuffer direct = ByteBuffer.allocateDirect(written.remaining());
        direct.put(written.duplicate()).flip();
        RecordBatch batch = Records.wrap(direct).batches().iterator().next();
        batch.ensureValid();
        java.util.List<Record> read = TestRecord.readAll(batch);
        for (int i = 0; i < inputs.size(); i++) {
            inputs.get(i).assertReadAs(read.get(i), i);
        }
    }

    @Test
    void readFromIgnoresTheCallersByteOrder() {
        ByteBuffer bytes = batch(8, "a", "b").order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(RecordBatch.sizeOfBatchAt(bytes)).isEqualTo(bytes.limit());
        RecordBatch batch = RecordBatch.readFrom(bytes);
        batch.ensureValid();
        assertThat(batch.baseOffset()).isEqualTo(8L);
    }

    @Test
    void batchViewsShareTheRecordsBuffer() {
        ByteBuffer bytes = concat(batch(0, "a"), batch(1, "b"));
        Records records = Records.wrap(bytes);
        RecordBatch second = null;
        for (RecordBatch b : records.batches()) {
            second = b;
        }
        second.setBaseOffset(42L);
        assertThat(baseOffsets(records)).containsExactly(0L, 42L);
    }
}
