package io.runnel.common.record;

import io.runnel.common.errors.CorruptRecordException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * Decodes and validates record bodies of one batch, in order, against the batch header: framing (every
 * length fits the record and the fields use exactly the record's declared length), offset deltas
 * (strictly increasing, never past lastOffsetDelta) and the record count.
 *
 * <p>Used by both record iterators; the uncompressed one hands it slices of the batch buffer, the
 * streaming one the decompressed bytes of one record. Not thread-safe: one instance per iteration.
 */
final class RecordReader {

    /** attributes + one byte each for timestampDelta, offsetDelta, keyLength, valueLength, headerCount. */
    static final int RECORD_BODY_BYTES_MIN = 6;

    private final long baseOffset;
    private final long baseTimestamp;
    private final boolean logAppendTime;
    private final long maxTimestamp;
    private final int baseSequence;
    private final int lastOffsetDelta;
    private final int recordCount;
    private int recordsRead;
    private int previousOffsetDelta = -1;
    private int bodyLength;

    RecordReader(RecordBatch batch) {
        this.baseOffset = batch.baseOffset();
        this.baseTimestamp = batch.baseTimestamp();
        this.logAppendTime = batch.timestampType() == TimestampType.LOG_APPEND_TIME;
        this.maxTimestamp = batch.maxTimestamp();
        this.baseSequence = batch.baseSequence();
        this.lastOffsetDelta = batch.lastOffsetDelta();
        this.recordCount = batch.recordCount();
        if (recordCount < 0) {
            throw corrupt("recordCount " + recordCount + " is negative");
        }
    }

    int recordCount() {
        return recordCount;
    }

    int recordsRead() {
        return recordsRead;
    }

    boolean hasMore() {
        return recordsRead < recordCount;
    }

    /**
     * Checks a record's declared body length before its bytes are touched. {@code available} is how many
     * bytes could at most follow (the rest of the batch, or a decompression limit).
     */
    void checkBodyLength(int bodyLength, long available) {
        if (bodyLength < RECORD_BODY_BYTES_MIN) {
            throw corrupt("record " + recordsRead + " declares length " + bodyLength
                    + ", less than the " + RECORD_BODY_BYTES_MIN + " bytes any record needs");
        }
        if (bodyLength > available) {
            throw corrupt("record " + recordsRead + " declares length " + bodyLength + " but only " + available
                    + " bytes can follow it");
        }
    }

    /**
     * Decodes the record body between {@code cursor.position()} and {@code cursor.limit()}; key, value and
     * headers become slices of {@code source} (read-only, same indexes as {@code cursor}).
     */
    Record read(ByteBuffer cursor, ByteBuffer source, int sizeInBytes) {
        int bodyStart = cursor.position();
        int bodyEnd = cursor.limit();
        int index = recordsRead;
        bodyLength = bodyEnd - bodyStart;
        try {
            cursor.get(); // attributes: unused in v2 records
            long timestampDelta = varlong(cursor, "timestampDelta");
            int offsetDelta = varint(cursor, "offsetDelta");
            if (offsetDelta <= previousOffsetDelta || offsetDelta > lastOffsetDelta) {
                throw corrupt("record " + index + " has offsetDelta " + offsetDelta + "; expected more than "
                        + previousOffsetDelta + " and at most lastOffsetDelta " + lastOffsetDelta);
            }
            ByteBuffer key = sliceBytes(cursor, source, "key");
            ByteBuffer value = sliceBytes(cursor, source, "value");
            int headerCount = varint(cursor, "headerCount");
            // Each header takes at least two bytes (two length varints), which bounds a corrupt count.
            if (headerCount < 0 || headerCount > cursor.remaining() / 2) {
                throw corrupt("record " + index + " declares " + headerCount + " headers in "
                        + cursor.remaining() + " remaining bytes");
            }
            int headersStart = cursor.position();
            for (int h = 0; h < headerCount; h++) {
                skipHeader(cursor, index, h);
            }
            ByteBuffer headersWire = headerCount == 0 ? null : source.slice(headersStart, cursor.position() - headersStart);
            if (cursor.position() != bodyEnd) {
                throw corrupt("record " + index + " declares length " + (bodyEnd - bodyStart)
                        + " but its fields end after " + (cursor.position() - bodyStart) + " bytes");
            }
            previousOffsetDelta = offsetDelta;
            recordsRead++;
            long timestamp = logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta;
            return new Record(baseOffset + offsetDelta, offsetDelta, timestamp, sequenceOf(offsetDelta), sizeInBytes,
                    key, value, headersWire, headerCount);
        } catch (BufferUnderflowException e) {
            throw corrupt("record " + index + " declares length " + (bodyEnd - bodyStart)
                    + " but its fields need more bytes than that");
        }
    }

    private ByteBuffer sliceBytes(ByteBuffer cursor, ByteBuffer source, String field) {
        int length = varint(cursor, field + "Length");
        if (length == -1) {
            return null;
        }
        if (length < -1) {
            throw corrupt("record " + recordsRead + " has " + field + " length " + length
                    + "; only -1 (absent) may be negative");
        }
        if (length > cursor.remaining()) {
            throw corrupt("record " + recordsRead + " has " + field + " length " + length + " but only "
                    + cursor.remaining() + " bytes remain in the record's declared length " + bodyLength);
        }
        int start = cursor.position();
        cursor.position(start + length);
        return source.slice(start, length);
    }

    private void skipHeader(ByteBuffer cursor, int index, int header) {
        int keyLength = varint(cursor, "header key length");
        if (keyLength < 0 || keyLength > cursor.remaining()) {
            throw corrupt("record " + index + " header " + header + " has key length " + keyLength + " with "
                    + cursor.remaining() + " bytes remaining in the record's declared length " + bodyLength
                    + " (header keys may not be null)");
        }
        cursor.position(cursor.position() + keyLength);
        int valueLength = varint(cursor, "header value length");
        if (valueLength < -1 || valueLength > cursor.remaining()) {
            throw corrupt("record " + index + " header " + header + " has value length " + valueLength + " with "
                    + cursor.remaining() + " bytes remaining in the record's declared length " + bodyLength);
        }
        if (valueLength > 0) {
            cursor.position(cursor.position() + valueLength);
        }
    }

    /** Reads a varint field, naming the field and record if its encoding is too long. */
    private int varint(ByteBuffer cursor, String field) {
        try {
            return ByteUtils.readVarint(cursor);
        } catch (CorruptRecordException e) {
            throw corrupt("record " + recordsRead + " " + field + ": " + e.getMessage());
        }
    }

    private long varlong(ByteBuffer cursor, String field) {
        try {
            return ByteUtils.readVarlong(cursor);
        } catch (CorruptRecordException e) {
            throw corrupt("record " + recordsRead + " " + field + ": " + e.getMessage());
        }
    }

    private int sequenceOf(int offsetDelta) {
        if (baseSequence == RecordBatch.NO_SEQUENCE) {
            return RecordBatch.NO_SEQUENCE;
        }
        long sequence = (long) baseSequence + offsetDelta;
        return (int) (sequence > Integer.MAX_VALUE ? sequence - Integer.MAX_VALUE - 1 : sequence);
    }

    /** The error for a batch that holds fewer records than its recordCount. */
    CorruptRecordException missingRecords() {
        return corrupt("recordCount is " + recordCount + " but the records end after " + recordsRead);
    }

    /** The error for bytes after the last record the recordCount announces. */
    CorruptRecordException trailingBytes(String detail) {
        return corrupt("recordCount is " + recordCount + " but " + detail + " follow the last record");
    }

    CorruptRecordException corrupt(String problem) {
        return new CorruptRecordException("record batch at offset " + baseOffset + ": " + problem);
    }
}
