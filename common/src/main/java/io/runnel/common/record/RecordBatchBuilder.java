package io.runnel.common.record;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Builds one v2 record batch (layout: {@link RecordBatch}, records: {@link Record}). The producer's hot
 * path: each append writes the record's varints and bytes straight into the output buffer (uncompressed)
 * or into a reused staging buffer that is fed to the codec in pieces of about
 * {@value #STAGING_BYTES} bytes (compressed), so records stream through the compressor as they are
 * appended and no per-record objects are created.
 *
 * <pre>{@code
 * RecordBatchBuilder builder = RecordBatchBuilder.spec()
 *         .compression(CompressionType.LZ4)
 *         .producerId(id).producerEpoch(epoch).baseSequence(seq)
 *         .initialCapacityBytes(16384).writeLimitBytes(16384)
 *         .newBuilder();
 * while (builder.hasRoomFor(ts, key, value, headers)) builder.append(ts, key, value, headers);
 * ByteBuffer batch = builder.build();
 * }</pre>
 *
 * <p><b>Size limit.</b> {@link #hasRoomFor} compares {@link #estimatedSizeInBytes()} plus the next
 * record against the write limit ({@code batch.size}); the first record is always admitted, as in
 * Kafka, so one oversized record still makes a batch. The limit is advisory: {@code append} never
 * refuses a record and the buffer grows as needed.
 *
 * <p><b>Compressed size estimate.</b> Until the batch is built the compressed size is unknown (codecs
 * buffer a block before emitting anything), so it is estimated as: header + a
 * {@value #CODEC_FRAMING_BYTES_ALLOWANCE}-byte framing allowance + uncompressed record bytes x the
 * spec's estimated compression ratio x {@value #COMPRESSION_ESTIMATE_FACTOR}. The ratio defaults to 1.0
 * (assume nothing shrinks), which never overfills a batch with incompressible data and underfills it
 * with compressible data; a producer that tracks observed ratios per topic (read
 * {@link #compressionRatio()} after {@link #build()}) can pass a smaller one, like Kafka's
 * compression-ratio estimator.
 *
 * <p>Not thread-safe: one thread appends and builds. After {@link #build()} or {@link #abort()} no
 * record can be appended.
 */
public final class RecordBatchBuilder {

    /** Pessimism over the estimated compression ratio (Kafka uses the same factor). */
    static final double COMPRESSION_ESTIMATE_FACTOR = 1.05;
    /** Bytes allowed for a codec's own framing (gzip 18, snappy 16 + 4 per chunk, lz4 7 + 4 + 4, zstd about 12). */
    static final int CODEC_FRAMING_BYTES_ALLOWANCE = 32;
    /** Records of a compressed batch are handed to the codec in pieces of about this size. */
    static final int STAGING_BYTES = 16 * 1024;
    static final int INITIAL_CAPACITY_BYTES_DEFAULT = 16 * 1024;

    private final CompressionCodec codec;
    private final TimestampType timestampType;
    private final long logAppendTimeMs;
    private final long baseOffset;
    private final long producerId;
    private final short producerEpoch;
    private final int baseSequence;
    private final boolean transactional;
    private final boolean control;
    private final int partitionLeaderEpoch;
    private final int writeLimitBytes;
    private final double compressionRatioEstimate;
    private final long deleteHorizonMs;
    private final ByteBufferOutputStream out;

    private ByteBuffer staging;
    private OutputStream codecStream;
    private int numRecords;
    private long lastOffset;
    /** The lastOffset the header declares when it must stay above the last record's (compaction); else -1. */
    private long lastOffsetOverride = -1;
    private long baseTimestamp;
    private long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private long uncompressedRecordsBytes;
    private ByteBuffer built;
    private boolean aborted;

    /** A spec with Kafka's defaults: no compression, CreateTime, offset 0, no producer, no limit. */
    public static Spec spec() {
        return new Spec();
    }

    private RecordBatchBuilder(Spec spec) {
        if (spec.transactional && spec.producerId == RecordBatch.NO_PRODUCER_ID) {
            throw new IllegalArgumentException("a transactional batch needs a producerId");
        }
        this.codec = spec.compressionType == CompressionType.NONE ? null
                : CompressionCodec.of(spec.compressionType, spec.compressionLevel);
        this.timestampType = spec.timestampType;
        this.logAppendTimeMs = spec.logAppendTimeMs;
        this.baseOffset = spec.baseOffset;
        this.producerId = spec.producerId;
        this.producerEpoch = spec.producerEpoch;
        this.baseSequence = spec.baseSequence;
        this.transactional = spec.transactional;
        this.control = spec.control;
        this.partitionLeaderEpoch = spec.partitionLeaderEpoch;
        this.writeLimitBytes = spec.writeLimitBytes;
        this.compressionRatioEstimate = spec.estimatedCompressionRatio;
        this.deleteHorizonMs = spec.deleteHorizonMs;
        ByteBuffer buffer = ByteBuffer.allocate(Math.max(RecordBatch.HEADER_SIZE,
                spec.initialCapacityBytes >= 0 ? spec.initialCapacityBytes
                        : Math.min(spec.writeLimitBytes, INITIAL_CAPACITY_BYTES_DEFAULT)));
        this.out = new ByteBufferOutputStream(buffer);
        out.position(RecordBatch.HEADER_SIZE);
        this.lastOffset = baseOffset - 1;
        if (codec != null) {
            staging = ByteBuffer.allocate(STAGING_BYTES);
        }
    }

    // ---- appending ---------------------------------------------------------------------------

    /**
     * Appends a record at the next offset (baseOffset for the first) and returns that offset.
     *
     * @param timestamp ms, or {@link RecordBatch#NO_TIMESTAMP}
     * @param key       the key's bytes, or null for no key
     * @param value     the value's bytes, or null for a tombstone
     * @param headers   may be null or empty; header values may be null
     */
    public long append(long timestamp, byte[] key, byte[] value, Header[] headers) {
        return appendRecord(lastOffset + 1, timestamp, key, value, headers, false);
    }

    /**
     * Appends a record at an explicit offset, which must be above the last one appended and not below
     * baseOffset (gaps are allowed, as after compaction). Returns {@code offset}.
     */
    public long appendWithOffset(long offset, long timestamp, ByteBuffer key, ByteBuffer value, Header[] headers) {
        return appendRecord(offset, timestamp, key, value, headers, false);
    }

    /** Copies a record read from another batch, keeping its offset and timestamp (re-compression, compaction). */
    public long append(Record record) {
        return appendRecord(record.offset(), record.timestamp(), record.key(), record.value(), record.headers(), false);
    }

    /**
     * Appends a control record (key: version 0 and {@code type}) at the next offset; only into a control
     * batch. Returns its offset.
     */
    private long appendControlRecord(long timestamp, ControlRecordType type, ByteBuffer value) {
        return appendRecord(lastOffset + 1, timestamp, type.keyBytes(), value, null, true);
    }

    /**
     * Makes the header declare {@code offset} as the batch's last offset although the last record appended
     * is below it. Log compaction uses this to keep a rewritten batch's offset range (and so its producer's
     * last sequence) when it drops the batch's last records, as Kafka does. Call after the last append.
     */
    public void overrideLastOffset(long offset) {
        if (built != null || aborted) {
            throw new IllegalStateException("the batch was already " + (aborted ? "aborted" : "built"));
        }
        if (offset < lastOffset || offset - baseOffset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("last offset " + offset + " must be at least the last appended offset "
                    + lastOffset + " and within Integer.MAX_VALUE of baseOffset " + baseOffset);
        }
        this.lastOffsetOverride = offset;
    }

    /**
     * True when a record with these fields fits under the write limit by the current estimate, or when
     * the batch is still empty (the first record always fits). False once built, aborted or full.
     */
    public boolean hasRoomFor(long timestamp, byte[] key, byte[] value, Header[] headers) {
        return hasRoomFor(timestamp, lengthOf(key), lengthOf(value), headers);
    }

    private boolean hasRoomFor(long timestamp, int keyLength, int valueLength, Header[] headers) {
        if (built != null || aborted) {
            return false;
        }
        if (numRecords == 0) {
            return true;
        }
        if (isFull()) {
            return false;
        }
        long recordSize = recordSize(bodySize(timestamp - baseTimestamp, (int) (lastOffset + 1 - baseOffset),
                keyLength, valueLength, headers));
        return estimatedSizeInBytes() + estimatedOutputBytes(recordSize) <= writeLimitBytes;
    }

    private long appendRecord(long offset, long timestamp, Object key, Object value, Header[] headers, boolean controlRecord) {
        checkAppendable(controlRecord);
        if (offset <= lastOffset || offset - baseOffset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " must be above the last offset " + lastOffset
                    + " and within Integer.MAX_VALUE of baseOffset " + baseOffset);
        }
        if (timestamp < 0 && timestamp != RecordBatch.NO_TIMESTAMP) {
            throw new IllegalArgumentException("timestamp " + timestamp + " is negative; only -1 (none) may be");
        }
        if (numRecords == 0) {
            baseTimestamp = deleteHorizonMs != RecordBatch.NO_TIMESTAMP ? deleteHorizonMs : timestamp;
        }
        long timestampDelta = timestamp - baseTimestamp;
        int offsetDelta = (int) (offset - baseOffset);
        int keyLength = lengthOf(key);
        int valueLength = lengthOf(value);
        long bodySize = bodySize(timestampDelta, offsetDelta, keyLength, valueLength, headers);
        int recordSize = (int) recordSize(bodySize);
        ByteBuffer target = targetFor(recordSize);
        ByteUtils.writeVarint((int) bodySize, target);
        target.put((byte) 0); // record attributes: unused
        ByteUtils.writeVarlong(timestampDelta, target);
        ByteUtils.writeVarint(offsetDelta, target);
        writeBytes(target, keyLength, key);
        writeBytes(target, valueLength, value);
        writeHeaders(target, headers);
        numRecords++;
        lastOffset = offset;
        if (timestamp > maxTimestamp) {
            maxTimestamp = timestamp;
        }
        uncompressedRecordsBytes += recordSize;
        return offset;
    }

    private void checkAppendable(boolean controlRecord) {
        if (built != null || aborted) {
            throw new IllegalStateException("the batch was already " + (aborted ? "aborted" : "built"));
        }
        if (controlRecord != control) {
            throw new IllegalStateException(control ? "a control batch holds only control records"
                    : "control records go only into a control batch");
        }
    }

    /** Body size (after the length varint) of a record with these fields; long so that overflow shows. */
    private static long bodySize(long timestampDelta, int offsetDelta, int keyLength, int valueLength, Header[] headers) {
        long size = 1 + ByteUtils.sizeOfVarlong(timestampDelta) + ByteUtils.sizeOfVarint(offsetDelta)
                + ByteUtils.sizeOfVarint(keyLength) + Math.max(0, keyLength)
                + ByteUtils.sizeOfVarint(valueLength) + Math.max(0, valueLength);
        int headerCount = headers == null ? 0 : headers.length;
        size += ByteUtils.sizeOfVarint(headerCount);
        for (int i = 0; i < headerCount; i++) {
            Header header = Objects.requireNonNull(headers[i], "header");
            int headerKeyLength = ByteUtils.utf8Length(header.key());
            int headerValueLength = header.value() == null ? -1 : header.value().length;
            size += ByteUtils.sizeOfVarint(headerKeyLength) + headerKeyLength
                    + ByteUtils.sizeOfVarint(headerValueLength) + Math.max(0, headerValueLength);
        }
        return size;
    }

    private static long recordSize(long bodySize) {
        if (bodySize > Integer.MAX_VALUE - ByteUtils.VARINT_BYTES_MAX - RecordBatch.HEADER_SIZE) {
            throw new IllegalArgumentException("a record of " + bodySize + " bytes cannot fit in a batch");
        }
        return ByteUtils.sizeOfVarint((int) bodySize) + bodySize;
    }

    private static int lengthOf(Object bytes) {
        if (bytes == null) {
            return -1;
        }
        return bytes instanceof byte[] array ? array.length : ((ByteBuffer) bytes).remaining();
    }

    private static void writeBytes(ByteBuffer target, int length, Object bytes) {
        ByteUtils.writeVarint(length, target);
        if (length <= 0) {
            return;
        }
        if (bytes instanceof byte[] array) {
            target.put(array);
        } else {
            ByteBuffer source = (ByteBuffer) bytes;
            int position = target.position();
            target.put(position, source, source.position(), length);
            target.position(position + length);
        }
    }

    private static void writeHeaders(ByteBuffer target, Header[] headers) {
        int headerCount = headers == null ? 0 : headers.length;
        ByteUtils.writeVarint(headerCount, target);
        for (int i = 0; i < headerCount; i++) {
            Header header = headers[i];
            ByteUtils.writeVarint(ByteUtils.utf8Length(header.key()), target);
            ByteUtils.writeUtf8(header.key(), target);
            byte[] value = header.value();
            if (value == null) {
                ByteUtils.writeVarint(-1, target);
            } else {
                ByteUtils.writeVarint(value.length, target);
                target.put(value);
            }
        }
    }

    /** Where the next record of {@code recordSize} bytes is written, with room for it. */
    private ByteBuffer targetFor(int recordSize) {
        if (codec == null) {
            out.ensureRemaining(recordSize);
            return out.buffer();
        }
        if (staging.remaining() < recordSize) {
            flushStaging();
            if (staging.capacity() < recordSize) {
                staging = ByteBuffer.allocate(recordSize);
            }
        }
        return staging;
    }

    /** Feeds the staged records to the codec, opening it on first use. */
    private void flushStaging() {
        if (staging.position() == 0) {
            return;
        }
        try {
            if (codecStream == null) {
                codecStream = codec.wrapForOutput(out);
            }
            codecStream.write(staging.array(), 0, staging.position());
        } catch (IOException e) {
            throw new UncheckedIOException(codec.type().configName + " compression failed", e);
        }
        staging.clear();
    }

    // ---- size ------------------------------------------------------------------------------

    /**
     * The batch's size if built now: exact for an uncompressed batch, an estimate for a compressed one
     * (see the class comment). Exact after {@link #build()}.
     */
    public int estimatedSizeInBytes() {
        if (built != null) {
            return built.limit();
        }
        if (codec == null) {
            return out.position();
        }
        return (int) Math.min(Integer.MAX_VALUE, RecordBatch.HEADER_SIZE + CODEC_FRAMING_BYTES_ALLOWANCE
                + estimatedOutputBytes(uncompressedRecordsBytes));
    }

    private long estimatedOutputBytes(long uncompressedBytes) {
        if (codec == null) {
            return uncompressedBytes;
        }
        return (long) Math.ceil(uncompressedBytes * compressionRatioEstimate * COMPRESSION_ESTIMATE_FACTOR);
    }

    /** True once built or aborted, or when the estimate has reached the write limit (with at least one record). */
    public boolean isFull() {
        return built != null || aborted || (numRecords > 0 && estimatedSizeInBytes() >= writeLimitBytes);
    }

    /**
     * After {@link #build()}: compressed records bytes / uncompressed records bytes (1.0 for an
     * uncompressed or empty batch). Before: the ratio the estimate assumes.
     */
    public double compressionRatio() {
        if (codec == null) {
            return 1.0;
        }
        if (built == null) {
            return compressionRatioEstimate;
        }
        return uncompressedRecordsBytes == 0 ? 1.0
                : (double) (built.limit() - RecordBatch.HEADER_SIZE) / uncompressedRecordsBytes;
    }

    // ---- finishing ---------------------------------------------------------------------------

    /**
     * Finishes the batch: completes compression, writes the header and the CRC-32C, and returns the
     * batch's bytes positioned 0..size (a view of the builder's buffer). With no records appended it
     * returns an empty buffer, as Kafka does: there is no batch. Later calls return the same bytes (a
     * fresh view each time).
     */
    public ByteBuffer build() {
        if (aborted) {
            throw new IllegalStateException("the batch was aborted");
        }
        if (built != null) {
            return built.duplicate();
        }
        if (numRecords == 0) {
            releaseCodec();
            built = ByteBuffer.allocate(0);
            return built.duplicate();
        }
        if (codec != null) {
            flushStaging();
            try {
                if (codecStream == null) {
                    codecStream = codec.wrapForOutput(out);
                }
                codecStream.close();
            } catch (IOException e) {
                throw new UncheckedIOException(codec.type().configName + " compression failed", e);
            }
            codecStream = null;
            staging = null;
        }
        ByteBuffer buffer = out.buffer();
        int size = buffer.position();
        writeHeader(buffer, size);
        built = buffer.slice(0, size);
        return built.duplicate();
    }

    /** Drops the batch without building it and releases the codec (zstd's native memory). Idempotent. */
    public void abort() {
        if (built != null) {
            return;
        }
        aborted = true;
        releaseCodec();
    }

    private void releaseCodec() {
        staging = null;
        if (codecStream != null) {
            OutputStream stream = codecStream;
            codecStream = null;
            try {
                stream.close();
            } catch (IOException e) {
                // The bytes are discarded; closing only frees the codec's memory.
            }
        }
    }

    private short attributes() {
        int attributes = codec == null ? 0 : codec.type().id;
        if (timestampType == TimestampType.LOG_APPEND_TIME) {
            attributes |= RecordBatch.TIMESTAMP_TYPE_MASK;
        }
        if (transactional) {
            attributes |= RecordBatch.TRANSACTIONAL_FLAG_MASK;
        }
        if (control) {
            attributes |= RecordBatch.CONTROL_FLAG_MASK;
        }
        if (deleteHorizonMs != RecordBatch.NO_TIMESTAMP) {
            attributes |= RecordBatch.DELETE_HORIZON_FLAG_MASK;
        }
        return (short) attributes;
    }

    private void writeHeader(ByteBuffer buffer, int size) {
        boolean stampAppendTime = timestampType == TimestampType.LOG_APPEND_TIME && logAppendTimeMs != RecordBatch.NO_TIMESTAMP;
        buffer.putLong(RecordBatch.BASE_OFFSET_OFFSET, baseOffset);
        buffer.putInt(RecordBatch.LENGTH_OFFSET, size - RecordBatch.LOG_OVERHEAD);
        buffer.putInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
        buffer.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC_V2);
        buffer.putShort(RecordBatch.ATTRIBUTES_OFFSET, attributes());
        long declaredLastOffset = Math.max(lastOffset, lastOffsetOverride);
        buffer.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, (int) (declaredLastOffset - baseOffset));
        buffer.putLong(RecordBatch.BASE_TIMESTAMP_OFFSET, baseTimestamp);
        buffer.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, stampAppendTime ? logAppendTimeMs : maxTimestamp);
        buffer.putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId);
        buffer.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch);
        buffer.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence);
        buffer.putInt(RecordBatch.RECORDS_COUNT_OFFSET, numRecords);
        RecordBatch.writeChecksum(buffer.slice(0, size));
    }

    /**
     * Builds the control batch holding one end-transaction marker: the spec's producer and offset
     * fields, with the transactional and control bits set and no compression (Kafka never compresses
     * markers).
     */
    public static ByteBuffer buildEndTransactionMarker(Spec spec, long timestampMs, EndTransactionMarker marker) {
        RecordBatchBuilder builder = spec.copy()
                .compression(CompressionType.NONE)
                .transactional(true)
                .control(true)
                .newBuilder();
        builder.appendControlRecord(timestampMs, marker.type(), marker.valueBytes());
        return builder.build();
    }

    @Override
    public String toString() {
        return "RecordBatchBuilder(baseOffset=" + baseOffset + ", records=" + numRecords + ", compression="
                + (codec == null ? CompressionType.NONE : codec.type()) + ", estimatedSize=" + estimatedSizeInBytes() + ")";
    }

    /**
     * What a {@link RecordBatchBuilder} writes: a mutable, fluent value, copied by
     * {@link #newBuilder()} (so one spec can start many builders). Defaults are Kafka's for a batch with
     * no producer state. Not thread-safe.
     */
    public static final class Spec {
        private CompressionType compressionType = CompressionType.NONE;
        private int compressionLevel = CompressionCodec.DEFAULT_LEVEL;
        private TimestampType timestampType = TimestampType.CREATE_TIME;
        private long logAppendTimeMs = RecordBatch.NO_TIMESTAMP;
        private long baseOffset;
        private long producerId = RecordBatch.NO_PRODUCER_ID;
        private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
        private int baseSequence = RecordBatch.NO_SEQUENCE;
        private boolean transactional;
        private boolean control;
        private int partitionLeaderEpoch = RecordBatch.NO_PARTITION_LEADER_EPOCH;
        private int initialCapacityBytes = -1;
        private int writeLimitBytes = Integer.MAX_VALUE;
        private double estimatedCompressionRatio = 1.0;
        private long deleteHorizonMs = RecordBatch.NO_TIMESTAMP;

        private Spec() {
        }

        /** Compression at the codec's default level. */
        public Spec compression(CompressionType type) {
            return compression(type, CompressionCodec.DEFAULT_LEVEL);
        }

        /** Compression at {@code level}; checked against the codec's range when the builder starts. */
        public Spec compression(CompressionType type, int level) {
            this.compressionType = Objects.requireNonNull(type, "compression type");
            this.compressionLevel = level;
            return this;
        }

        /** LogAppendTime, stamped as {@code timeMs} into maxTimestamp (which readers give every record). */
        public Spec logAppendTimeMs(long timeMs) {
            this.timestampType = TimestampType.LOG_APPEND_TIME;
            this.logAppendTimeMs = timeMs;
            return this;
        }

        public Spec baseOffset(long offset) {
            this.baseOffset = offset;
            return this;
        }

        public Spec producerId(long id) {
            this.producerId = id;
            return this;
        }

        public Spec producerEpoch(short epoch) {
            this.producerEpoch = epoch;
            return this;
        }

        public Spec baseSequence(int sequence) {
            this.baseSequence = sequence;
            return this;
        }

        public Spec transactional(boolean isTransactional) {
            this.transactional = isTransactional;
            return this;
        }

        /** A control batch holds only control records ({@link #appendControlRecord}). */
        private Spec control(boolean isControl) {
            this.control = isControl;
            return this;
        }

        public Spec partitionLeaderEpoch(int epoch) {
            this.partitionLeaderEpoch = epoch;
            return this;
        }

        /** First buffer size; defaults to the write limit, at most 16 KiB. */
        public Spec initialCapacityBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("initial capacity " + bytes + " is negative");
            }
            this.initialCapacityBytes = bytes;
            return this;
        }

        /** The size {@link #hasRoomFor} keeps the batch under ({@code batch.size}); unlimited by default. */
        public Spec writeLimitBytes(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("write limit " + bytes + " must be positive");
            }
            this.writeLimitBytes = bytes;
            return this;
        }

        /** Assumed compressed/uncompressed ratio for the size estimate of a compressed batch; default 1.0. */
        public Spec estimatedCompressionRatio(double ratio) {
            if (!(ratio > 0) || Double.isInfinite(ratio)) {
                throw new IllegalArgumentException("compression ratio estimate " + ratio + " must be positive");
            }
            this.estimatedCompressionRatio = ratio;
            return this;
        }

        /**
         * Marks the batch as carrying a delete horizon (set by log compaction): baseTimestamp holds
         * {@code timeMs} and record timestamps are written relative to it.
         */
        public Spec deleteHorizonMs(long timeMs) {
            if (timeMs < 0) {
                throw new IllegalArgumentException("delete horizon " + timeMs + " is negative");
            }
            this.deleteHorizonMs = timeMs;
            return this;
        }

        /** An independent copy of this spec. */
        public Spec copy() {
            Spec copy = new Spec();
            copy.compressionType = compressionType;
            copy.compressionLevel = compressionLevel;
            copy.timestampType = timestampType;
            copy.logAppendTimeMs = logAppendTimeMs;
            copy.baseOffset = baseOffset;
            copy.producerId = producerId;
            copy.producerEpoch = producerEpoch;
            copy.baseSequence = baseSequence;
            copy.transactional = transactional;
            copy.control = control;
            copy.partitionLeaderEpoch = partitionLeaderEpoch;
            copy.initialCapacityBytes = initialCapacityBytes;
            copy.writeLimitBytes = writeLimitBytes;
            copy.estimatedCompressionRatio = estimatedCompressionRatio;
            copy.deleteHorizonMs = deleteHorizonMs;
            return copy;
        }

        /**
         * A builder for this spec.
         *
         * @throws IllegalArgumentException for a compression level the codec lacks, or a transactional
         *                                  batch without a producerId
         */
        public RecordBatchBuilder newBuilder() {
            return new RecordBatchBuilder(this);
        }
    }
}
