package io.runnel.common.record;

import io.runnel.common.errors.CorruptRecordException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.NoSuchElementException;

/**
 * Iterates the records of an uncompressed batch in place: each record's key, value and headers are
 * read-only slices of the batch buffer. Validates framing as it goes (see {@link RecordReader}) and
 * that the records end exactly at the batch end. Holds no resources; not thread-safe.
 */
final class BufferRecordIterator implements CloseableIterator<Record> {

    private final RecordReader reader;
    private final ByteBuffer cursor;
    private final ByteBuffer source;
    private final int end;

    BufferRecordIterator(RecordBatch batch) {
        this.reader = new RecordReader(batch);
        this.cursor = batch.buffer();
        this.source = cursor.asReadOnlyBuffer();
        this.end = cursor.limit();
        cursor.position(RecordBatch.RECORDS_OFFSET);
        if (reader.recordCount() == 0 && end != RecordBatch.RECORDS_OFFSET) {
            throw reader.trailingBytes((end - RecordBatch.RECORDS_OFFSET) + " bytes");
        }
    }

    @Override
    public boolean hasNext() {
        return reader.hasMore();
    }

    @Override
    public Record next() {
        if (!reader.hasMore()) {
            throw new NoSuchElementException("all " + reader.recordCount() + " records were read");
        }
        int start = cursor.position();
        if (start == end) {
            throw reader.missingRecords();
        }
        int bodyLength;
        try {
            bodyLength = ByteUtils.readVarint(cursor);
        } catch (BufferUnderflowException e) {
            throw reader.corrupt("record " + reader.recordsRead() + " length is cut off by the end of the batch");
        } catch (CorruptRecordException e) {
            throw reader.corrupt("record " + reader.recordsRead() + " length: " + e.getMessage());
        }
        int bodyStart = cursor.position();
        reader.checkBodyLength(bodyLength, end - bodyStart);
        int bodyEnd = bodyStart + bodyLength;
        cursor.limit(bodyEnd);
        Record record = reader.read(cursor, source, bodyEnd - start);
        cursor.limit(end);
        if (!reader.hasMore() && bodyEnd != end) {
            throw reader.trailingBytes((end - bodyEnd) + " bytes");
        }
        return record;
    }

    @Override
    public void close() {
        // Nothing to release: the records are views of the batch buffer.
    }
}
