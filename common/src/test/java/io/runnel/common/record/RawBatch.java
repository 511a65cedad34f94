package io.runnel.common.record;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Hand-assembles batches and records byte by byte, so tests can write exactly the malformed input a
 * well-behaved builder never would, under a correct CRC.
 */
final class RawBatch {

    private RawBatch() {
    }

    /** A byte sink with the record format's field writers. */
    static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes i8(int b) {
            out.write(b);
            return this;
        }

        Bytes varint(int value) {
            ByteBuffer buffer = ByteBuffer.allocate(ByteUtils.VARINT_BYTES_MAX);
            ByteUtils.writeVarint(value, buffer);
            out.write(buffer.array(), 0, buffer.position());
            return this;
        }

        Bytes varlong(long value) {
            ByteBuffer buffer = ByteBuffer.allocate(ByteUtils.VARLONG_BYTES_MAX);
            ByteUtils.writeVarlong(value, buffer);
            out.write(buffer.array(), 0, buffer.position());
            return this;
        }

        Bytes raw(byte[] bytes) {
            out.write(bytes, 0, bytes.length);
            return this;
        }

        /** Appends {@code body} preceded by {@code body length + lengthError} as a varint. */
        Bytes record(Bytes body, int lengthError) {
            byte[] bodyBytes = body.toByteArray();
            return varint(bodyBytes.length + lengthError).raw(bodyBytes);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    static Bytes bytes() {
        return new Bytes();
    }

    /** A well-formed record body: attributes, timestamp delta 0, the offset delta, key and value, no headers. */
    static Bytes body(int offsetDelta, String key, String value) {
        Bytes body = bytes().i8(0).varlong(0).varint(offsetDelta);
        byte[] k = TestRecord.utf8(key);
        byte[] v = TestRecord.utf8(value);
        body.varint(k == null ? -1 : k.length);
        if (k != null) {
            body.raw(k);
        }
        body.varint(v == null ? -1 : v.length);
        if (v != null) {
            body.raw(v);
        }
        return body.varint(0);
    }

    /** A batch at offset 0 whose records section is {@code records}, compressed with {@code type}, with a valid CRC. */
    static RecordBatch batch(CompressionType type, int recordCount, int lastOffsetDelta, byte[] records) {
        byte[] payload = type == CompressionType.NONE ? records : compress(type, records);
        ByteBuffer b = ByteBuffer.allocate(RecordBatch.HEADER_SIZE + payload.length);
        b.putLong(RecordBatch.BASE_OFFSET_OFFSET, 0L);
        b.putInt(RecordBatch.LENGTH_OFFSET, b.capacity() - RecordBatch.LOG_OVERHEAD);
        b.putInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, -1);
        b.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC_V2);
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) type.id);
        b.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, lastOffsetDelta);
        b.putLong(RecordBatch.BASE_TIMESTAMP_OFFSET, 1000L);
        b.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, 1000L);
        b.putLong(RecordBatch.PRODUCER_ID_OFFSET, -1L);
        b.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, (short) -1);
        b.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, -1);
        b.putInt(RecordBatch.RECORDS_COUNT_OFFSET, recordCount);
        b.put(RecordBatch.RECORDS_OFFSET, payload);
        fixCrc(b);
        RecordBatch batch = RecordBatch.readFrom(b);
        batch.ensureValid();
        return batch;
    }

    static void fixCrc(ByteBuffer batch) {
        CRC32C crc = new CRC32C();
        crc.update(batch.slice(RecordBatch.ATTRIBUTES_OFFSET, batch.limit() - RecordBatch.ATTRIBUTES_OFFSET));
        batch.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
    }

    static byte[] compress(CompressionType type, byte[] data) {
        ByteBufferOutputStream sink = new ByteBufferOutputStream(64);
        try (OutputStream out = CompressionCodec.of(type).wrapForOutput(sink)) {
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer buffer = sink.buffer().flip();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
