package io.runnel.common.record;

import io.runnel.common.errors.CorruptRecordException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * A read-mostly view of one Kafka RecordBatch v2 (magic 2) held in a {@link ByteBuffer}, without copying.
 *
 * <pre>
 * offset  size  field
 *      0     8  baseOffset            (not covered by the CRC: the leader writes it on append)
 *      8     4  batchLength           (bytes after this field, i.e. sizeInBytes - 12)
 *     12     4  partitionLeaderEpoch  (not covered by the CRC)
 *     16     1  magic                 (2)
 *     17     4  crc                   (CRC-32C of bytes 21 .. end, unsigned)
 *     21     2  attributes            bits 0-2 compression, 3 timestamp type, 4 transactional,
 *                                     5 control batch, 6 delete-horizon present
 *     23     4  lastOffsetDelta
 *     27     8  baseTimestamp
 *     35     8  maxTimestamp
 *     43     8  producerId            (-1: none)
 *     51     2  producerEpoch
 *     53     4  baseSequence
 *     57     4  recordCount
 *     61     .  records (compressed as a whole when compression != none)
 * </pre>
 * All integers are big-endian. The view's buffer has position 0 at the batch start and limit at its
 * end. Records (see {@link Record} for their layout) are read with {@link #records()}, which validates
 * their framing; docs/record-format.md describes the whole format and the limits enforced.
 *
 * <p>Thread-safety: the accessors and {@link #records()} only read with absolute indexes, so several
 * threads may read one batch at once. The setters rewrite fields in place and need exclusive access.
 */
public final class RecordBatch {

    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORDS_COUNT_OFFSET = 57;
    public static final int RECORDS_OFFSET = 61;

    /** baseOffset + batchLength: the bytes before the length-covered part. */
    public static final int LOG_OVERHEAD = 12;
    /** Size of a batch with no records. */
    public static final int HEADER_SIZE = RECORDS_OFFSET;
    /** Bytes needed to read magic: LOG_OVERHEAD + partitionLeaderEpoch + magic. */
    public static final int HEADER_SIZE_UP_TO_MAGIC = MAGIC_OFFSET + 1;

    /**
     * Default bound on one record's decompressed size when iterating a compressed batch: 128 MiB. A
     * larger declared length is reported as corrupt instead of being allocated.
     */
    public static final int DECOMPRESSED_RECORD_SIZE_BYTES_MAX = 128 * 1024 * 1024;

    /**
     * Batches of one producer that a partition remembers for duplicate detection, and so the most batches of
     * a partition an idempotent producer keeps unacknowledged: any batch it may retry is then among those the
     * partition remembers. Kafka remembers 5 and sends one batch per partition per request (so 5 requests in
     * flight); Runnel has one produce request per partition in flight (gRPC calls on one connection may be
     * served in any order), so a request carries up to this many batches of a partition, and its window
     * matches what a non-idempotent producer keeps in flight with default settings (1 MiB requests of
     * 16 KiB batches: 64). Each remembered batch costs a few dozen bytes of broker heap per producer and
     * partition (docs/limits.md).
     */
    public static final int PRODUCER_BATCHES_RETAINED = 64;

    public static final byte MAGIC_V2 = 2;
    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;
    public static final long NO_TIMESTAMP = -1L;

    static final int COMPRESSION_CODEC_MASK = 0x07;
    static final int TIMESTAMP_TYPE_MASK = 0x08;
    static final int TRANSACTIONAL_FLAG_MASK = 0x10;
    static final int CONTROL_FLAG_MASK = 0x20;
    static final int DELETE_HORIZON_FLAG_MASK = 0x40;

    private final ByteBuffer buffer;

    private RecordBatch(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /**
     * Views the batch that starts at {@code buffer.position()}. Only checks that the declared length fits
     * in the remaining bytes; call {@link #ensureValid()} to check magic and CRC.
     */
    public static RecordBatch readFrom(ByteBuffer buffer) {
        int start = buffer.position();
        int remaining = buffer.remaining();
        if (remaining < LOG_OVERHEAD) {
            throw new CorruptRecordException("record batch truncated: " + remaining + " bytes, header needs " + LOG_OVERHEAD);
        }
        int length = lengthFieldAt(buffer, start);
        int size = LOG_OVERHEAD + length;
        if (length < HEADER_SIZE - LOG_OVERHEAD) {
            throw new CorruptRecordException("record batch length " + length + " is smaller than the v2 header ("
                    + (HEADER_SIZE - LOG_OVERHEAD) + ")");
        }
        if (size > remaining) {
            throw new CorruptRecordException("record batch truncated: declares " + size + " bytes, " + remaining + " present");
        }
        ByteBuffer slice = buffer.duplicate();
        slice.position(start).limit(start + size);
        return new RecordBatch(slice.slice());
    }

    /**
     * Size in bytes of the batch starting at {@code buffer.position()}, or -1 when fewer than
     * {@link #LOG_OVERHEAD} bytes remain. Does not check that the whole batch is present.
     */
    public static int sizeOfBatchAt(ByteBuffer buffer) {
        if (buffer.remaining() < LOG_OVERHEAD) {
            return -1;
        }
        return LOG_OVERHEAD + lengthFieldAt(buffer, buffer.position());
    }

    /** The batchLength field of the batch at {@code start}, big-endian whatever the buffer's byte order. */
    private static int lengthFieldAt(ByteBuffer buffer, int start) {
        int length = buffer.getInt(start + LENGTH_OFFSET);
        return buffer.order() == ByteOrder.BIG_ENDIAN ? length : Integer.reverseBytes(length);
    }

    /** The batch's bytes: position 0 .. limit = sizeInBytes. A duplicate; the caller may move its position. */
    public ByteBuffer buffer() {
        return buffer.duplicate();
    }

    public int sizeInBytes() {
        return buffer.limit();
    }

    public long baseOffset() {
        return buffer.getLong(BASE_OFFSET_OFFSET);
    }

    public int batchLength() {
        return buffer.getInt(LENGTH_OFFSET);
    }

    public int partitionLeaderEpoch() {
        return buffer.getInt(PARTITION_LEADER_EPOCH_OFFSET);
    }

    public byte magic() {
        return buffer.get(MAGIC_OFFSET);
    }

    /** The stored CRC-32C, unsigned. */
    public long checksum() {
        return Integer.toUnsignedLong(buffer.getInt(CRC_OFFSET));
    }

    public short attributes() {
        return buffer.getShort(ATTRIBUTES_OFFSET);
    }

    public CompressionType compressionType() {
        return CompressionType.forId(attributes() & COMPRESSION_CODEC_MASK);
    }

    public TimestampType timestampType() {
        return (attributes() & TIMESTAMP_TYPE_MASK) == 0 ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL_FLAG_MASK) != 0;
    }

    public boolean isControlBatch() {
        return (attributes() & CONTROL_FLAG_MASK) != 0;
    }

    public boolean hasDeleteHorizonMs() {
        return (attributes() & DELETE_HORIZON_FLAG_MASK) != 0;
    }

    public int lastOffsetDelta() {
        return buffer.getInt(LAST_OFFSET_DELTA_OFFSET);
    }

    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    public long nextOffset() {
        return lastOffset() + 1;
    }

    public long baseTimestamp() {
        return buffer.getLong(BASE_TIMESTAMP_OFFSET);
    }

    public long maxTimestamp() {
        return buffer.getLong(MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buffer.getLong(PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buffer.getShort(PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buffer.getInt(BASE_SEQUENCE_OFFSET);
    }

    /** The sequence of the last record; wraps at Integer.MAX_VALUE like Kafka. */
    public int lastSequence() {
        int base = baseSequence();
        if (base == NO_SEQUENCE) {
            return NO_SEQUENCE;
        }
        long last = (long) base + lastOffsetDelta();
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    public int recordCount() {
        return buffer.getInt(RECORDS_COUNT_OFFSET);
    }

    /** True when {@code attributes} (a batch header's attributes field) mark a control batch. */
    public static boolean isControlBatch(short attributes) {
        return (attributes & CONTROL_FLAG_MASK) != 0;
    }

    /** True when {@code attributes} (a batch header's attributes field) mark a transactional batch. */
    public static boolean isTransactional(short attributes) {
        return (attributes & TRANSACTIONAL_FLAG_MASK) != 0;
    }

    /**
     * {@code sequence + increment} for a producer's sequence numbers, which wrap from Integer.MAX_VALUE
     * to 0 (Kafka's rule). {@code sequence} and {@code increment} are non-negative.
     */
    public static int incrementSequence(int sequence, int increment) {
        if (sequence > Integer.MAX_VALUE - increment) {
            return increment - (Integer.MAX_VALUE - sequence) - 1;
        }
        return sequence + increment;
    }

    /** {@code sequence - decrement}, the inverse of {@link #incrementSequence}. */
    public static int decrementSequence(int sequence, int decrement) {
        if (sequence < decrement) {
            return Integer.MAX_VALUE - (decrement - sequence) + 1;
        }
        return sequence - decrement;
    }

    /** CRC-32C over attributes .. end, computed now. */
    public long computeChecksum() {
        return checksumOf(buffer);
    }

    /** The CRC-32C of the batch in {@code batch} (index 0 .. limit): the bytes from attributes to the end. */
    private static long checksumOf(ByteBuffer batch) {
        CRC32C crc = new CRC32C();
        crc.update(batch.slice(ATTRIBUTES_OFFSET, batch.limit() - ATTRIBUTES_OFFSET));
        return crc.getValue();
    }

    /** Computes the CRC-32C of the batch in {@code batch} (index 0 .. limit) and writes it into its header. */
    static void writeChecksum(ByteBuffer batch) {
        batch.putInt(CRC_OFFSET, (int) checksumOf(batch));
    }

    public boolean isValid() {
        return magic() == MAGIC_V2 && checksum() == computeChecksum();
    }

    /** Throws CORRUPT_MESSAGE naming the problem when magic or CRC is wrong. */
    public void ensureValid() {
        if (magic() != MAGIC_V2) {
            throw new CorruptRecordException("record batch at offset " + baseOffset() + " has magic " + magic()
                    + "; only magic 2 (RecordBatch v2) is supported");
        }
        long stored = checksum();
        long computed = computeChecksum();
        if (stored != computed) {
            throw new CorruptRecordException("record batch at offset " + baseOffset() + " is corrupt: stored CRC "
                    + stored + " != computed " + computed);
        }
    }

    /**
     * Iterates the batch's records, decompressing as it goes when the batch is compressed, with the
     * default bound {@link #DECOMPRESSED_RECORD_SIZE_BYTES_MAX} on one record's decompressed size.
     *
     * @see #records(int)
     */
    public CloseableIterator<Record> records() {
        return records(DECOMPRESSED_RECORD_SIZE_BYTES_MAX);
    }

    /**
     * Iterates the batch's records in order. Each record's framing is validated as it is read: its
     * length varint must match the bytes its fields take, key and value lengths must be -1 or fit,
     * header keys may not be null, offset deltas must increase and stay within lastOffsetDelta, and the
     * records must number exactly {@link #recordCount()} and end exactly at the end of the batch (or of
     * the decompressed data). Any violation throws {@link CorruptRecordException} naming it, from
     * {@code next()}. The CRC is not checked here: call {@link #ensureValid()} first where it matters.
     *
     * <p>For an uncompressed batch, keys and values are views of this batch's buffer. For a compressed
     * one, each record's bytes are decompressed into an array of their own; the iterator holds the
     * decompressor until it is exhausted, fails, or is closed, so use try-with-resources.
     *
     * @param decompressedRecordSizeBytesMax the largest decompressed record accepted, in bytes
     *                                       (ignored for uncompressed batches, which are bounded by their size)
     */
    public CloseableIterator<Record> records(int decompressedRecordSizeBytesMax) {
        int compressionId = attributes() & COMPRESSION_CODEC_MASK;
        if (compressionId > CompressionType.ZSTD.id) {
            throw new CorruptRecordException("record batch at offset " + baseOffset() + " has unknown compression type id "
                    + compressionId);
        }
        CompressionType type = CompressionType.forId(compressionId);
        if (type == CompressionType.NONE) {
            return new BufferRecordIterator(this);
        }
        return new StreamRecordIterator(this, CompressionCodec.of(type), decompressedRecordSizeBytesMax);
    }

    /** Writes baseOffset (not covered by the CRC). */
    public void setBaseOffset(long baseOffset) {
        buffer.putLong(BASE_OFFSET_OFFSET, baseOffset);
    }

    /** Writes partitionLeaderEpoch (not covered by the CRC). */
    public void setPartitionLeaderEpoch(int epoch) {
        buffer.putInt(PARTITION_LEADER_EPOCH_OFFSET, epoch);
    }

    /**
     * Rewrites the producer id, epoch and base sequence and recomputes the CRC. An idempotent producer
     * uses this when it moves a batch it has already built to a new epoch (sequences restart at 0) or
     * gives the parts of a split batch their sequences.
     */
    public void setProducerState(long producerId, short producerEpoch, int baseSequence) {
        buffer.putLong(PRODUCER_ID_OFFSET, producerId);
        buffer.putShort(PRODUCER_EPOCH_OFFSET, producerEpoch);
        buffer.putInt(BASE_SEQUENCE_OFFSET, baseSequence);
        writeChecksum(buffer);
    }

    /**
     * Sets the timestamp type and, for LogAppendTime, the max timestamp; recomputes the CRC. The leader
     * uses this to stamp LogAppendTime without touching the records.
     */
    public void setMaxTimestamp(TimestampType type, long maxTimestamp) {
        short attributes = attributes();
        short updated = (short) (type == TimestampType.LOG_APPEND_TIME
                ? attributes | TIMESTAMP_TYPE_MASK : attributes & ~TIMESTAMP_TYPE_MASK);
        buffer.putShort(ATTRIBUTES_OFFSET, updated);
        buffer.putLong(MAX_TIMESTAMP_OFFSET, maxTimestamp);
        writeChecksum(buffer);
    }

    @Override
    public String toString() {
        return "RecordBatch(baseOffset=" + baseOffset() + ", lastOffset=" + lastOffset() + ", size=" + sizeInBytes()
                + ", count=" + recordCount() + ", compression=" + compressionType() + ", epoch=" + partitionLeaderEpoch() + ")";
    }
}
