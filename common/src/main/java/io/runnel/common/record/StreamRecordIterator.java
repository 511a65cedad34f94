package io.runnel.common.record;

import io.runnel.common.errors.CorruptRecordException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.NoSuchElementException;

/**
 * Iterates the records of a compressed batch while decompressing it: one record's bytes at a time are
 * read from the codec stream into an array of their own, which the record's key, value and headers
 * then share (read-only).
 *
 * <p>Memory bound: a record's declared length may not exceed the limit given at construction, and the
 * record's array grows as decompressed bytes actually arrive (starting at {@value #BODY_CHUNK_BYTES}
 * bytes), so a corrupt length costs at most twice the bytes the stream really holds.
 *
 * <p>Holds the decompressor (native memory for zstd) until {@link #close()}, which happens by itself
 * once the last record has been read or on the first error. Not thread-safe.
 */
final class StreamRecordIterator implements CloseableIterator<Record> {

    static final int STAGING_BYTES = 8 * 1024;
    static final int BODY_CHUNK_BYTES = 64 * 1024;
    private static final int EMPTY_READS_MAX = 1024;

    private final RecordReader reader;
    private final CompressionType compressionType;
    private final int recordSizeBytesMax;
    private final byte[] staging = new byte[STAGING_BYTES];
    private InputStream in;
    private int stagingPosition;
    private int stagingLimit;

    StreamRecordIterator(RecordBatch batch, CompressionCodec codec, int recordSizeBytesMax) {
        this.reader = new RecordReader(batch);
        this.compressionType = codec.type();
        this.recordSizeBytesMax = recordSizeBytesMax;
        if (reader.recordCount() == 0 && batch.sizeInBytes() > RecordBatch.RECORDS_OFFSET) {
            throw reader.trailingBytes((batch.sizeInBytes() - RecordBatch.RECORDS_OFFSET) + " compressed bytes");
        }
        if (reader.recordCount() > 0) {
            ByteBuffer compressed = batch.buffer();
            compressed.position(RecordBatch.RECORDS_OFFSET);
            try {
                this.in = codec.wrapForInput(compressed);
            } catch (IOException | RuntimeException e) {
                throw reader.corrupt(compressionType.configName + " data cannot be opened: " + e.getMessage());
            }
        }
    }

    /** False once all records were read, and after an error (the iterator closed itself). */
    @Override
    public boolean hasNext() {
        return in != null && reader.hasMore();
    }

    @Override
    public Record next() {
        if (!hasNext()) {
            throw new NoSuchElementException(reader.recordsRead() + " of " + reader.recordCount()
                    + " records were read and the iterator is closed");
        }
        try {
            Record record = readRecord();
            if (!reader.hasMore()) {
                if (stagingPosition < stagingLimit || fill()) {
                    throw reader.trailingBytes("more decompressed bytes");
                }
                close();
            }
            return record;
        } catch (IOException | RuntimeException e) {
            close();
            if (e instanceof CorruptRecordException corrupt) {
                throw corrupt;
            }
            throw reader.corrupt(compressionType.configName + " decompression failed at record " + reader.recordsRead()
                    + ": " + e);
        }
    }

    private Record readRecord() throws IOException {
        int lengthBytes = 0;
        int raw = 0;
        while (true) {
            int b = readByte();
            if (b < 0) {
                if (lengthBytes == 0) {
                    throw reader.missingRecords();
                }
                throw reader.corrupt("record " + reader.recordsRead() + " length is cut off by the end of the data");
            }
            raw |= (b & 0x7f) << (7 * lengthBytes);
            lengthBytes++;
            if ((b & 0x80) == 0) {
                break;
            }
            if (lengthBytes == ByteUtils.VARINT_BYTES_MAX) {
                throw reader.corrupt("record " + reader.recordsRead() + " length varint is longer than "
                        + ByteUtils.VARINT_BYTES_MAX + " bytes");
            }
        }
        int bodyLength = (raw >>> 1) ^ -(raw & 1);
        reader.checkBodyLength(bodyLength, recordSizeBytesMax);
        byte[] body = readBody(bodyLength);
        ByteBuffer cursor = ByteBuffer.wrap(body);
        return reader.read(cursor, cursor.asReadOnlyBuffer(), lengthBytes + bodyLength);
    }

    private byte[] readBody(int bodyLength) throws IOException {
        byte[] body = new byte[Math.min(bodyLength, BODY_CHUNK_BYTES)];
        int filled = 0;
        while (filled < bodyLength) {
            if (filled == body.length) {
                body = Arrays.copyOf(body, (int) Math.min(bodyLength, 2L * body.length));
            }
            int n = readBytes(body, filled, body.length - filled);
            if (n < 0) {
                throw reader.corrupt("record " + reader.recordsRead() + " declares length " + bodyLength
                        + " but the decompressed data ends after " + filled + " of them");
            }
            filled += n;
        }
        return body;
    }

    private int readByte() throws IOException {
        if (stagingPosition == stagingLimit && !fill()) {
            return -1;
        }
        return staging[stagingPosition++] & 0xff;
    }

    private int readBytes(byte[] target, int offset, int length) throws IOException {
        if (stagingPosition < stagingLimit) {
            int n = Math.min(length, stagingLimit - stagingPosition);
            System.arraycopy(staging, stagingPosition, target, offset, n);
            stagingPosition += n;
            return n;
        }
        if (length < STAGING_BYTES) {
            return fill() ? readBytes(target, offset, length) : -1;
        }
        // Large remainders go straight from the decompressor into the record's array.
        for (int attempt = 0; attempt < EMPTY_READS_MAX; attempt++) {
            int n = in.read(target, offset, length);
            if (n != 0) {
                return n;
            }
        }
        throw new IOException("decompressor returned no bytes " + EMPTY_READS_MAX + " times in a row");
    }

    /** Refills the staging buffer; false at the end of the decompressed data. */
    private boolean fill() throws IOException {
        stagingPosition = 0;
        stagingLimit = 0;
        // InputStream.read may return 0 without being at the end; a stream that keeps doing so is broken.
        for (int attempt = 0; attempt < EMPTY_READS_MAX; attempt++) {
            int n = in.read(staging, 0, staging.length);
            if (n != 0) {
                stagingLimit = Math.max(n, 0);
                return n > 0;
            }
        }
        throw new IOException("decompressor returned no bytes " + EMPTY_READS_MAX + " times in a row");
    }

    @Override
    public void close() {
        if (in != null) {
            InputStream stream = in;
            in = null;
            try {
                stream.close();
            } catch (IOException e) {
                // Closing a decompressor only releases memory; there is no data to lose.
            }
        }
    }
}
