package io.runnel.common.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.errors.CorruptRecordException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the batch codec over random records and every compression type: exact round trips,
 * CRC detection of any single corrupted byte, clean handling of truncation, and a decoder that answers
 * any damage to the records section with CorruptRecordException or correct records, never anything else.
 */
class RecordBatchProperties {

    @Provide
    Arbitrary<List<TestRecord>> recordLists() {
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        Arbitrary<byte[]> nullableBytes = bytes.injectNull(0.15);
        // Keys without unpaired surrogates, which UTF-8 cannot carry (they would read back as '?').
        Arbitrary<String> headerKeys = Arbitraries.strings().alpha().numeric().withChars("-._ü€ключ").ofMaxLength(12);
        Arbitrary<Header> header = Combinators.combine(headerKeys, nullableBytes).as(Header::new);
        Arbitrary<Header[]> headers = header.array(Header[].class).ofMaxSize(3).injectNull(0.3);
        Arbitrary<Long> timestamps = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(RecordBatch.NO_TIMESTAMP)),
                net.jqwik.api.Tuple.of(10, Arbitraries.longs().between(1_600_000_000_000L, 1_600_000_100_000L)),
                net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(0, Long.MAX_VALUE / 4)));
        Arbitrary<TestRecord> record = Combinators.combine(timestamps, nullableBytes, nullableBytes, headers)
                .as(TestRecord::new);
        return record.list().ofMinSize(1).ofMaxSize(25);
    }

    @Provide
    Arbitrary<List<List<TestRecord>>> batchLists() {
        return recordLists().list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 300)
    void recordsRoundTripExactly(@ForAll("recordLists") List<TestRecord> inputs, @ForAll CompressionType type,
                                 @ForAll @IntRange(min = 0, max = 1 << 20) int baseOffset) {
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
    }

    @Property(tries = 100)
    void batchesBackToBackAreSeparatedExactly(@ForAll("batchLists") List<List<TestRecord>> batchInputs,
                                              @ForAll CompressionType type) {
        List<ByteBuffer> built = buildAll(batchInputs, type);
        Records records = Records.wrap(concat(built));
        assertThat(records.sizeOfWholeBatches()).isEqualTo(records.sizeInBytes());
        int b = 0;
        long offset = 0;
        for (RecordBatch batch : records.batches()) {
            assertThat(TestRecord.bytes(batch.buffer())).isEqualTo(TestRecord.bytes(built.get(b)));
            List<Record> read = TestRecord.readAll(batch);
            List<TestRecord> inputs = batchInputs.get(b);
            for (int i = 0; i < inputs.size(); i++) {
                inputs.get(i).assertReadAs(read.get(i), offset + i);
            }
            offset += inputs.size();
            b++;
        }
        assertThat(b).isEqualTo(batchInputs.size());
    }

    @Property(tries = 300)
    void anySingleCorruptedByteUnderTheCrcIsDetected(@ForAll("recordLists") List<TestRecord> inputs,
                                                      @ForAll CompressionType type,
                                                      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
                                                      @ForAll @IntRange(min = 1, max = 255) int xor) {
        ByteBuffer built = TestRecord.build(RecordBatchBuilder.spec().compression(type), inputs);
        int covered = built.limit() - RecordBatch.ATTRIBUTES_OFFSET;
        int index = RecordBatch.ATTRIBUTES_OFFSET + where % covered;
        built.put(index, (byte) (built.get(index) ^ xor));
        RecordBatch batch = RecordBatch.readFrom(built);
        assertThat(batch.isValid()).isFalse();
        assertThatThrownBy(batch::ensureValid).isInstanceOf(CorruptRecordException.class).hasMessageContaining("CRC");
    }

    @Property(tries = 200)
    void truncationLeavesOnlyTheWholeBatchesBeforeTheCut(@ForAll("batchLists") List<List<TestRecord>> batchInputs,
                                                         @ForAll CompressionType type,
                                                         @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int cut) {
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
    }

    /**
     * With the CRC deliberately not checked, damage anywhere after the batch's length field makes the
     * decoder either fail with CorruptRecordException or read records; it never throws anything else,
     * never loops and never allocates without bound.
     */
    @Property(tries = 400)
    void damagedRecordsFailOnlyWithCorruptRecordException(@ForAll("recordLists") List<TestRecord> inputs,
                                                          @ForAll CompressionType type,
                                                          @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 0, max = Integer.MAX_VALUE) Integer> wheres,
                                                          @ForAll @IntRange(min = 1, max = 255) int xor) {
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
    }

    @Property(tries = 1000)
    void varintsRoundTripAndMatchTheirSize(@ForAll int value) {
        ByteBuffer buffer = ByteBuffer.allocate(ByteUtils.VARINT_BYTES_MAX);
        ByteUtils.writeVarint(value, buffer);
        assertThat(buffer.position()).isEqualTo(ByteUtils.sizeOfVarint(value));
        ByteBuffer kafka = ByteBuffer.allocate(ByteUtils.VARINT_BYTES_MAX);
        org.apache.kafka.common.utils.ByteUtils.writeVarint(value, kafka);
        assertThat(buffer.array()).isEqualTo(kafka.array());
        buffer.flip();
        assertThat(ByteUtils.readVarint(buffer)).isEqualTo(value);
        assertThat(buffer.hasRemaining()).isFalse();
    }

    @Property(tries = 1000)
    void varlongsRoundTripAndMatchTheirSize(@ForAll long value) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(ByteUtils.VARLONG_BYTES_MAX);
        ByteUtils.writeVarlong(value, buffer);
        assertThat(buffer.position()).isEqualTo(ByteUtils.sizeOfVarlong(value));
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        ByteUtils.writeVarlong(value, new java.io.DataOutputStream(stream));
        assertThat(stream.toByteArray()).isEqualTo(java.util.Arrays.copyOf(buffer.array(), buffer.position()));
        buffer.flip();
        assertThat(ByteUtils.readVarlong(buffer)).isEqualTo(value);
        assertThat(buffer.hasRemaining()).isFalse();
    }

    @Property(tries = 300)
    void varintStreamWriterMatchesBufferWriter(@ForAll int value) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(ByteUtils.VARINT_BYTES_MAX);
        ByteUtils.writeVarint(value, buffer);
        java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
        ByteUtils.writeVarint(value, new java.io.DataOutputStream(stream));
        assertThat(stream.toByteArray()).isEqualTo(java.util.Arrays.copyOf(buffer.array(), buffer.position()));
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
