package io.runnel.common.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.errors.CorruptRecordException;
import io.runnel.common.testing.Gen;
import io.runnel.common.testing.PropertyCheck;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Properties of the batch codec over random records and every compression type: exact round trips,
 * CRC detection of any single corrupted byte, clean handling of truncation, and a decoder that answers
 * any damage to the records section with CorruptRecordException or correct records, never anything else.
 * Inputs come from a seeded {@link Gen}; a failure names the seed that replays it ({@link PropertyCheck}).
 */
class RecordBatchProperties {

    /** Characters of header keys: no unpaired surrogates, which UTF-8 cannot carry (they would read back as '?'). */
    private static final String HEADER_KEY_CHARS =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._ü€ключ";

    static List<TestRecord> recordList(Gen gen) {
        return gen.listOf(1, 25, () -> record(gen));
    }

    private static TestRecord record(Gen gen) {
        long timestamp = gen.frequency(
                Gen.weighted(1, () -> RecordBatch.NO_TIMESTAMP),
                Gen.weighted(10, () -> gen.longBetween(1_600_000_000_000L, 1_600_000_100_000L)),
                Gen.weighted(2, () -> gen.longBetween(0, Long.MAX_VALUE / 4)));
        byte[] key = gen.nullOr(0.15, () -> gen.bytes(300));
        byte[] value = gen.nullOr(0.15, () -> gen.bytes(300));
        Header[] headers = gen.nullOr(0.3, () -> gen.listOf(0, 3, () -> new Header(gen.string(HEADER_KEY_CHARS, 12),
                gen.nullOr(0.15, () -> gen.bytes(300)))).toArray(Header[]::new));
        return new TestRecord(timestamp, key, value, headers);
    }

    static List<List<TestRecord>> batchList(Gen gen) {
        return gen.listOf(1, 4, () -> recordList(gen));
    }

    @Test
    void recordsRoundTripExactly() {
        PropertyCheck.forAll(300, gen -> {
            List<TestRecord> inputs = recordList(gen);
            CompressionType type = gen.anyOf(CompressionType.class);
            int baseOffset = gen.intBetween(0, 1 << 20);
            ByteBuffer built = TestRecord.build(RecordBatchBuilder.spec().compression(type).baseOffset(baseOffset)
                    .initialCapacityBytes(64), inputs);
            List<RecordBatch> batches = batchesOf(built);
            assertThat(batches).hasSize(1);
            RecordBatch batch = batches.get(0);
            batch.ensureValid();
            assertThat(batch.compressionType()).isEqualTo(type);
            assertThat(batch.recordCount()).isEqualTo(inputs.size());
            assertThat(batch.lastOffset()).isEqualTo(baseOffset + inputs.size() - 1L);
            assertThat(batch.maxTimestamp()).isEqualTo(inputs.stream().mapToLong(TestRecord::timestamp).max().orElseThrow());
            List<Record> read = TestRecord.readAll(batch);
            assertThat(read).hasSize(inputs.size());
            for (int i = 0; i < inputs.size(); i++) {
                inputs.get(i).assertReadAs(read.get(i), baseOffset + i);
            }
        });
    }

    @Test
    void batchesBackToBackAreSeparatedExactly() {
        PropertyCheck.forAll(100, gen -> {
            List<List<TestRecord>> batchInputs = batchList(gen);
            CompressionType type = gen.anyOf(CompressionType.class);
            List<ByteBuffer> built = buildAll(batchInputs, type);
            Records records = Records.wrap(concat(built));
            assertThat(records.sizeOfWholeBatches()).isEqualTo(records.sizeInBytes());
            int b = 0;
            long offset = 0;
            for (RecordBatch batch : records.batches()) {
                assertThat(TestRecord.bytes(batch.buffer())).isEqualTo(TestRecord.bytes(built.get(b)));
                List<Record> read = TestRecord.readAll(batch);
                List<TestRecord> inputs = batchInputs.get(b);
                assertThat(read).hasSize(inputs.size());
                for (int i = 0; i < inputs.size(); i++) {
                    inputs.get(i).assertReadAs(read.get(i), offset + i);
                }
                offset += inputs.size();
                b++;
            }
            assertThat(b).isEqualTo(batchInputs.size());
        });
    }

    @Test
    void anySingleCorruptedByteUnderTheCrcIsDetected() {
        PropertyCheck.forAll(300, gen -> {
            List<TestRecord> inputs = recordList(gen);
            CompressionType type = gen.anyOf(CompressionType.class);
            int where = gen.intBetween(0, Integer.MAX_VALUE);
            int xor = gen.intBetween(1, 255);
            ByteBuffer built = TestRecord.build(RecordBatchBuilder.spec().compression(type), inputs);
            int covered = built.limit() - RecordBatch.ATTRIBUTES_OFFSET;
            int index = RecordBatch.ATTRIBUTES_OFFSET + where % covered;
            built.put(index, (byte) (built.get(index) ^ xor));
            RecordBatch batch = RecordBatch.readFrom(built);
            assertThat(batch.isValid()).isFalse();
            assertThatThrownBy(batch::ensureValid).isInstanceOf(CorruptRecordException.class).hasMessageContaining("CRC");
        });
    }

    @Test
    void truncationLeavesOnlyTheWholeBatchesBeforeTheCut() {
        PropertyCheck.forAll(200, gen -> {
            List<List<TestRecord>> batchInputs = batchList(gen);
            CompressionType type = gen.anyOf(CompressionType.class);
            int cut = gen.intBetween(0, Integer.MAX_VALUE);
            List<ByteBuffer> built = buildAll(batchInputs, type);
            ByteBuffer all = concat(built);
            int length = cut % (all.limit() + 1);
            Records truncated = Records.wrap(all.slice(0, length));

            int wholeBatches = 0;
            int wholeBytes = 0;
            for (ByteBuffer batch : built) {
                if (wholeBytes + batch.limit() > length) {
                    break;
                }
                wholeBytes += batch.limit();
                wholeBatches++;
            }
            assertThat(truncated.sizeOfWholeBatches()).isEqualTo(wholeBytes);
            List<RecordBatch> read = new ArrayList<>();
            truncated.batches().forEach(read::add);
            assertThat(read).hasSize(wholeBatches);
            long offset = 0;
            for (int b = 0; b < wholeBatches; b++) {
                read.get(b).ensureValid();
                List<Record> records = TestRecord.readAll(read.get(b));
                List<TestRecord> inputs = batchInputs.get(b);
                assertThat(records).hasSize(inputs.size());
                for (int i = 0; i < inputs.size(); i++) {
                    inputs.get(i).assertReadAs(records.get(i), offset + i);
                }
                offset += inputs.size();
            }
        });
    }

    /**
     * With the CRC deliberately not checked, damage anywhere after the batch's length field makes the
     * decoder either fail with CorruptRecordException or read records; it never throws anything else,
     * never loops and never allocates without bound.
     */
    @Test
    void damagedRecordsFailOnlyWithCorruptRecordException() {
        PropertyCheck.forAll(400, gen -> {
            List<TestRecord> inputs = recordList(gen);
            CompressionType type = gen.anyOf(CompressionType.class);
            List<Integer> wheres = gen.listOf(1, 4, () -> gen.intBetween(0, Integer.MAX_VALUE));
            int xor = gen.intBetween(1, 255);
            ByteBuffer built = TestRecord.build(RecordBatchBuilder.spec().compression(type), inputs);
            int damageable = built.limit() - RecordBatch.ATTRIBUTES_OFFSET;
            for (int where : wheres) {
                int index = RecordBatch.ATTRIBUTES_OFFSET + where % damageable;
                built.put(index, (byte) (built.get(index) ^ xor));
            }
            try {
                for (RecordBatch batch : Records.wrap(built).batches()) {
                    try (CloseableIterator<Record> it = batch.records()) {
                        while (it.hasNext()) {
                            Record r = it.next();
                            r.headers();
                            assertThat(r.sizeInBytes()).isPositive();
                        }
                    }
                }
            } catch (CorruptRecordException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        });
    }

    @Test
    void varintsRoundTripAndMatchTheirSize() {
        Gen.INT_EDGES.forEach(RecordBatchProperties::checkVarint);
        PropertyCheck.forAll(1000, gen -> checkVarint(gen.anyInt()));
    }

    private static void checkVarint(int value) {
        ByteBuffer buffer = ByteBuffer.allocate(ByteUtils.VARINT_BYTES_MAX);
        ByteUtils.writeVarint(value, buffer);
        assertThat(buffer.position()).as("size of %d", value).isEqualTo(ByteUtils.sizeOfVarint(value));
        ByteBuffer kafka = ByteBuffer.allocate(ByteUtils.VARINT_BYTES_MAX);
        org.apache.kafka.common.utils.ByteUtils.writeVarint(value, kafka);
        assertThat(buffer.array()).as("bytes of %d", value).isEqualTo(kafka.array());
        buffer.flip();
        assertThat(ByteUtils.readVarint(buffer)).isEqualTo(value);
        assertThat(buffer.hasRemaining()).isFalse();
    }

    @Test
    void varlongsRoundTripAndMatchTheirSize() throws Exception {
        for (long value : Gen.LONG_EDGES) {
            checkVarlong(value);
        }
        PropertyCheck.forAll(1000, gen -> checkVarlong(gen.anyLong()));
    }

    private static void checkVarlong(long value) throws java.io.IOException {
        ByteBuffer buffer = ByteBuffer.allocate(ByteUtils.VARLONG_BYTES_MAX);
        ByteUtils.writeVarlong(value, buffer);
        assertThat(buffer.position()).as("size of %d", value).isEqualTo(ByteUtils.sizeOfVarlong(value));
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        ByteUtils.writeVarlong(value, new java.io.DataOutputStream(stream));
        assertThat(stream.toByteArray()).isEqualTo(java.util.Arrays.copyOf(buffer.array(), buffer.position()));
        ByteBuffer kafka = ByteBuffer.allocate(ByteUtils.VARLONG_BYTES_MAX);
        org.apache.kafka.common.utils.ByteUtils.writeVarlong(value, kafka);
        assertThat(buffer.array()).as("bytes of %d", value).isEqualTo(kafka.array());
        buffer.flip();
        assertThat(ByteUtils.readVarlong(buffer)).isEqualTo(value);
        assertThat(buffer.hasRemaining()).isFalse();
    }

    @Test
    void varintStreamWriterMatchesBufferWriter() throws Exception {
        for (int value : Gen.INT_EDGES) {
            checkVarintStream(value);
        }
        PropertyCheck.forAll(300, gen -> checkVarintStream(gen.anyInt()));
    }

    private static void checkVarintStream(int value) throws java.io.IOException {
        ByteBuffer buffer = ByteBuffer.allocate(ByteUtils.VARINT_BYTES_MAX);
        ByteUtils.writeVarint(value, buffer);
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        ByteUtils.writeVarint(value, new java.io.DataOutputStream(stream));
        assertThat(stream.toByteArray()).as("bytes of %d", value).isEqualTo(java.util.Arrays.copyOf(buffer.array(), buffer.position()));
    }

    private static List<ByteBuffer> buildAll(List<List<TestRecord>> batchInputs, CompressionType type) {
        List<ByteBuffer> built = new ArrayList<>();
        long offset = 0;
        for (List<TestRecord> inputs : batchInputs) {
            built.add(TestRecord.build(RecordBatchBuilder.spec().compression(type).baseOffset(offset), inputs));
            offset += inputs.size();
        }
        return built;
    }

    private static ByteBuffer concat(List<ByteBuffer> buffers) {
        ByteBuffer all = ByteBuffer.allocate(buffers.stream().mapToInt(ByteBuffer::remaining).sum());
        buffers.forEach(b -> all.put(b.duplicate()));
        return all.flip();
    }

    private static List<RecordBatch> batchesOf(ByteBuffer buffer) {
        List<RecordBatch> batches = new ArrayList<>();
        Records.wrap(buffer).batches().forEach(batches::add);
        return batches;
    }
}
