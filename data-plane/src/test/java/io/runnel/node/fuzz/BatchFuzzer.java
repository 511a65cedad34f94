package io.runnel.node.fuzz;

import io.runnel.common.record.CompressionType;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.Random;

/**
 * The {@code records} of produce requests: valid Kafka v2 batches in every codec, and byte-level
 * mutations of them, with the CRC recomputed (so validation past the CRC is reached) or left as it is.
 * Everything comes from the given {@link Random}, so a seed replays it. Not thread-safe.
 */
final class BatchFuzzer {

    /** Header fields a mutation may overwrite: offset and width in bytes. */
    private static final int[][] HEADER_FIELDS = {
            {RecordBatch.BASE_OFFSET_OFFSET, 8}, {RecordBatch.LENGTH_OFFSET, 4},
            {RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, 4}, {RecordBatch.MAGIC_OFFSET, 1},
            {RecordBatch.ATTRIBUTES_OFFSET, 2}, {RecordBatch.LAST_OFFSET_DELTA_OFFSET, 4},
            {RecordBatch.BASE_TIMESTAMP_OFFSET, 8}, {RecordBatch.MAX_TIMESTAMP_OFFSET, 8},
            {RecordBatch.PRODUCER_ID_OFFSET, 8}, {RecordBatch.PRODUCER_EPOCH_OFFSET, 2},
            {RecordBatch.BASE_SEQUENCE_OFFSET, 4}, {RecordBatch.RECORDS_COUNT_OFFSET, 4},
    };
    private static final long[] BOUNDARY_VALUES = {0, 1, -1, -2, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
            Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, 0x10, 0x20, 0x40, 0x100};
    private static final byte[] BOUNDARY_BYTES = {0x00, (byte) 0xff, 0x7f, (byte) 0x80, 0x01, (byte) 0xfe};
    /** A value just above the default max.message.bytes, so that RECORD_TOO_LARGE is reached now and then. */
    static final int LARGE_VALUE_BYTES = 1_100_000;

    private final Random random;

    BatchFuzzer(Random random) {
        this.random = random;
    }

    /** Plausible {@code records}: one valid batch, sometimes two or three. */
    ByteBuffer plausibleRecords() {
        return random.nextInt(5) != 0 ? validBatch() : concat(validBatch(), validBatch(),
                random.nextBoolean() ? validBatch() : ByteBuffer.allocate(0));
    }

    /** Odd {@code records}: mostly a mutated batch; sometimes nothing, random bytes, or a batch too large. */
    ByteBuffer oddRecords() {
        int roll = random.nextInt(100);
        if (roll < 10) {
            return ByteBuffer.allocate(0);
        }
        if (roll < 18) {
            return ByteBuffer.wrap(bytes(random.nextInt(200)));
        }
        if (roll < 21) {
            return bigBatch();
        }
        if (roll < 28) {
            return concat(validBatch(), mutated(validBatch()));
        }
        return mutated(validBatch());
    }

    /** A well-formed batch: a random codec, 1 to 5 records, random keys, values and headers, now's time. */
    ByteBuffer validBatch() {
        CompressionType[] codecs = CompressionType.values();
        RecordBatchBuilder.Spec spec = RecordBatchBuilder.spec().compression(codecs[random.nextInt(codecs.length)]);
        int producerRoll = random.nextInt(10);
        if (producerRoll == 0) {
            spec.producerId(random.nextInt(1000)).producerEpoch((short) 0).baseSequence(random.nextInt(100));
        } else if (producerRoll == 1) {
            spec.producerId(random.nextInt(1000)).producerEpoch((short) 1).baseSequence(0).transactional(true);
        }
        RecordBatchBuilder builder = spec.newBuilder();
        int count = 1 + random.nextInt(5);
        long now = System.currentTimeMillis();
        for (int i = 0; i < count; i++) {
            byte[] key = random.nextInt(3) == 0 ? null : bytes(random.nextInt(20));
            byte[] value = random.nextInt(10) == 0 ? null : bytes(random.nextInt(200));
            Header[] headers = new Header[random.nextInt(3)];
            for (int h = 0; h < headers.length; h++) {
                headers[h] = new Header("h" + h, random.nextBoolean() ? null : bytes(random.nextInt(10)));
            }
            builder.append(now + random.nextInt(1000) - 500, key, value, headers);
        }
        return builder.build();
    }

    private ByteBuffer bigBatch() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        builder.append(System.currentTimeMillis(), null, bytes(LARGE_VALUE_BYTES), null);
        return builder.build();
    }

    /** One to four random mutations of {@code batch}; then, more often than not, a recomputed CRC. */
    ByteBuffer mutated(ByteBuffer batch) {
        ByteBuffer current = batch;
        int mutations = 1 + random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            current = mutateOnce(current);
        }
        if (random.nextInt(10) < 6) {
            fixCrc(current);
        }
        return current;
    }

    private ByteBuffer mutateOnce(ByteBuffer batch) {
        int size = batch.remaining();
        switch (random.nextInt(8)) {
            case 0 -> {
                if (size > 0) {
                    int at = random.nextInt(size);
                    batch.put(at, (byte) (batch.get(at) ^ (1 << random.nextInt(8))));
                }
                return batch;
            }
            case 1 -> {
                if (size > 0) {
                    batch.put(random.nextInt(size), BOUNDARY_BYTES[random.nextInt(BOUNDARY_BYTES.length)]);
                }
                return batch;
            }
            case 2, 3 -> {
                int[] field = HEADER_FIELDS[random.nextInt(HEADER_FIELDS.length)];
                if (field[0] + field[1] <= size) {
                    long value = BOUNDARY_VALUES[random.nextInt(BOUNDARY_VALUES.length)];
                    switch (field[1]) {
                        case 1 -> batch.put(field[0], (byte) value);
                        case 2 -> batch.putShort(field[0], (short) value);
                        case 4 -> batch.putInt(field[0], (int) value);
                        default -> batch.putLong(field[0], value);
                    }
                }
                return batch;
            }
            case 4 -> {
                ByteBuffer cut = batch.duplicate();
                cut.limit(random.nextInt(size + 1));
                return copy(cut);
            }
            case 5 -> {
                return concat(batch, ByteBuffer.wrap(bytes(1 + random.nextInt(20))));
            }
            case 6 -> {
                return concat(batch, batch.duplicate());
            }
            default -> {
                // A record field: lengths and varints live just after the header.
                if (size > RecordBatch.RECORDS_OFFSET) {
                    int at = RecordBatch.RECORDS_OFFSET + random.nextInt(Math.min(16, size - RecordBatch.RECORDS_OFFSET));
                    batch.put(at, BOUNDARY_BYTES[random.nextInt(BOUNDARY_BYTES.length)]);
                }
                return batch;
            }
        }
    }

    /** Recomputes the CRC of the batch at the start of {@code buffer}, over as much of it as its length claims. */
    static void fixCrc(ByteBuffer buffer) {
        if (buffer.remaining() < RecordBatch.RECORDS_OFFSET) {
            return;
        }
        long declaredEnd = RecordBatch.LOG_OVERHEAD + (long) buffer.getInt(RecordBatch.LENGTH_OFFSET);
        int end = (int) Math.max(RecordBatch.ATTRIBUTES_OFFSET, Math.min(buffer.remaining(), declaredEnd));
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        ByteBuffer covered = buffer.duplicate();
        covered.position(RecordBatch.ATTRIBUTES_OFFSET).limit(end);
        crc.update(covered);
        buffer.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
    }

    private byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

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

    private static ByteBuffer copy(ByteBuffer source) {
        ByteBuffer copy = ByteBuffer.allocate(source.remaining());
        copy.put(source.duplicate()).flip();
        return copy;
    }
}
