package io.runnel.storage;

import io.runnel.common.record.CloseableIterator;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.record.Records;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds batches for storage tests and reads records back. */
final class TestBatches {

    private TestBatches() {
    }

    /** One uncompressed batch of {@code count} records with values of {@code valueBytes}, all at {@code timestamp}. */
    static ByteBuffer batch(int count, int valueBytes, long timestamp) {
        return batch(count, valueBytes, timestamp, CompressionType.NONE);
    }

    static ByteBuffer batch(int count, int valueBytes, long timestamp, CompressionType compression) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(compression).newBuilder();
        for (int i = 0; i < count; i++) {
            byte[] value = new byte[valueBytes];
            value[0 % Math.max(1, valueBytes)] = valueBytes == 0 ? 0 : (byte) i;
            builder.append(timestamp + i, ("k" + i).getBytes(StandardCharsets.UTF_8), valueBytes == 0 ? null : value, null);
        }
        return builder.build();
    }

    /** Several buffers back to back in one. */
    static ByteBuffer concat(ByteBuffer... parts) {
        int size = 0;
        for (ByteBuffer part : parts) {
            size += part.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer part : parts) {
            all.put(part.duplicate());
        }
        return all.flip();
    }

    /** Offsets of every record in the buffer's batches. */
    static List<Long> offsets(ByteBuffer buffer) {
        List<Long> offsets = new ArrayList<>();
        for (RecordBatch batch : Records.wrap(buffer).batches()) {
            try (CloseableIterator<Record> records = batch.records()) {
                records.forEachRemaining(r -> offsets.add(r.offset()));
            }
        }
        return offsets;
    }

    static List<RecordBatch> batches(ByteBuffer buffer) {
        List<RecordBatch> list = new ArrayList<>();
        Records.wrap(buffer).batches().forEach(list::add);
        return list;
    }

    /** All bytes of a log's segments, concatenated (what a reader from the start sees). */
    static byte[] allBytes(PartitionLog log) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (LogSegment segment : log.segments()) {
            ByteBuffer bytes = segment.log().slice(0, segment.sizeInBytes()).readAllBytes();
            out.write(bytes.array(), 0, bytes.remaining());
        }
        return out.toByteArray();
    }
}
