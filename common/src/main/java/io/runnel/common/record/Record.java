package io.runnel.common.record;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One record as read from a {@link RecordBatch}: its absolute offset and timestamp (resolved against the
 * batch header), its key, value and headers.
 *
 * <p>Wire layout of a record inside a batch (all varints zig-zag encoded, see {@link ByteUtils}):
 * <pre>
 * length          varint   bytes that follow, up to the end of the headers
 * attributes      int8     unused, written as 0
 * timestampDelta  varlong  timestamp - batch baseTimestamp
 * offsetDelta     varint   offset - batch baseOffset
 * keyLength       varint   -1 for no key
 * key             bytes
 * valueLength     varint   -1 for no value
 * value           bytes
 * headerCount     varint
 * headers         headerCount x (keyLength varint, key UTF-8 bytes, valueLength varint (-1: null), value)
 * </pre>
 *
 * <p>{@link #key()} and {@link #value()} are read-only views: for an uncompressed batch they share the
 * batch's buffer (nothing is copied), for a compressed one they share this record's decompressed bytes.
 * Each call returns a fresh view, so callers may move its position. Headers are kept in wire form and
 * decoded by each {@link #headers()} call.
 *
 * <p>Immutable and thread-safe, provided nobody writes into the underlying batch buffer.
 */
public final class Record {

    private static final Header[] NO_HEADERS = new Header[0];

    private final long offset;
    private final int offsetDelta;
    private final long timestamp;
    private final int sequence;
    private final int sizeInBytes;
    private final ByteBuffer key;
    private final ByteBuffer value;
    private final ByteBuffer headersWire;
    private final int headerCount;

    Record(long offset, int offsetDelta, long timestamp, int sequence, int sizeInBytes,
           ByteBuffer key, ByteBuffer value, ByteBuffer headersWire, int headerCount) {
        this.offset = offset;
        this.offsetDelta = offsetDelta;
        this.timestamp = timestamp;
        this.sequence = sequence;
        this.sizeInBytes = sizeInBytes;
        this.key = key;
        this.value = value;
        this.headersWire = headersWire;
        this.headerCount = headerCount;
    }

    /** The record's absolute offset: batch baseOffset + offsetDelta. */
    public long offset() {
        return offset;
    }

    /** Offset relative to the batch's baseOffset. */
    public int offsetDelta() {
        return offsetDelta;
    }

    /**
     * The record's timestamp in ms: baseTimestamp + timestampDelta for CreateTime batches, the batch's
     * maxTimestamp for LogAppendTime batches (the broker's stamp applies to every record).
     */
    public long timestamp() {
        return timestamp;
    }

    /** baseSequence + offsetDelta (wrapping past Integer.MAX_VALUE to 0), or -1 when the batch has none. */
    public int sequence() {
        return sequence;
    }

    /** Bytes the record takes in the (uncompressed) record stream, including its length varint. */
    public int sizeInBytes() {
        return sizeInBytes;
    }

    public boolean hasKey() {
        return key != null;
    }

    public boolean hasValue() {
        return value != null;
    }

    /** A read-only view of the key, or null when the record has none. */
    public ByteBuffer key() {
        return key == null ? null : key.duplicate();
    }

    /** A read-only view of the value, or null (a tombstone) when the record has none. */
    public ByteBuffer value() {
        return value == null ? null : value.duplicate();
    }

    /** Key length in bytes, or -1 when absent. */
    public int keySize() {
        return key == null ? -1 : key.remaining();
    }

    /** Value length in bytes, or -1 when absent. */
    public int valueSize() {
        return value == null ? -1 : value.remaining();
    }

    public int headerCount() {
        return headerCount;
    }

    /**
     * The headers, decoded now into a new array (keys as UTF-8 strings, values copied). Their framing was
     * validated when the record was read.
     */
    public Header[] headers() {
        if (headerCount == 0) {
            return NO_HEADERS;
        }
        ByteBuffer in = headersWire.duplicate();
        Header[] headers = new Header[headerCount];
        for (int i = 0; i < headerCount; i++) {
            int keyLength = ByteUtils.readVarint(in);
            byte[] keyBytes = new byte[keyLength];
            in.get(keyBytes);
            int valueLength = ByteUtils.readVarint(in);
            byte[] valueBytes = null;
            if (valueLength >= 0) {
                valueBytes = new byte[valueLength];
                in.get(valueBytes);
            }
            headers[i] = new Header(new String(keyBytes, StandardCharsets.UTF_8), valueBytes);
        }
        return headers;
    }

    @Override
    public String toString() {
        return "Record(offset=" + offset + ", timestamp=" + timestamp + ", key=" + keySize() + " bytes, value="
                + valueSize() + " bytes, headers=" + headerCount + ")";
    }
}
