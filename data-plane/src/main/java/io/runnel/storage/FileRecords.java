package io.runnel.storage;

import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.Records;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Record batches stored in a file: a whole segment {@code .log} file that is appended to, or a read-only
 * slice {@code [start, start + size)} of one, which is what a read returns. Reads are positional
 * ({@link FileChannel#read(ByteBuffer, long)}), so they never move a shared file position and never
 * copy record by record: a slice is handed out as it is and copied once ({@link #readAllBytes()}) or
 * transferred ({@link #writeTo}).
 *
 * <p>On-disk format: batches in Kafka's RecordBatch v2 layout back to back, nothing else (no header,
 * no padding), so Kafka's own {@code FileRecords} reads the file.
 *
 * <p>Thread safety: one writer appends (under the owning log's lock); any number of threads read
 * concurrently. The size is published after the bytes are written, so a reader that bounds itself by
 * {@link #sizeInBytes()} never sees a partially appended batch. A slice never changes size; if its
 * segment is truncated or deleted under it, reading it fails with {@link StorageException}.
 */
public final class FileRecords implements Closeable {

    private static final FileRecords EMPTY = new FileRecords(null, null, 0, 0, true);

    private volatile Path file;
    private final FileChannel channel;
    private final int start;
    private final boolean isSlice;
    private final AtomicInteger size;

    private FileRecords(Path file, FileChannel channel, int start, int size, boolean isSlice) {
        this.file = file;
        this.channel = channel;
        this.start = start;
        this.isSlice = isSlice;
        this.size = new AtomicInteger(size);
    }

    /** An empty read result. */
    public static FileRecords empty() {
        return EMPTY;
    }

    /** Opens (creating if needed) a segment file for appending; its size is the file's length. */
    public static FileRecords open(Path file) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            long length = channel.size();
            if (length > Integer.MAX_VALUE) {
                channel.close();
                throw new StorageException("segment file " + file + " is " + length + " bytes, above the 2 GiB limit");
            }
            return new FileRecords(file, channel, 0, (int) length, false);
        } catch (IOException e) {
            throw new StorageException("cannot open segment file " + file, e);
        }
    }

    public Path file() {
        return file;
    }

    public FileChannel channel() {
        return channel;
    }

    /** Position of this view's first byte in the file. */
    public int startPosition() {
        return start;
    }

    public int sizeInBytes() {
        return size.get();
    }

    /**
     * Appends whole batches (the buffer's remaining bytes) at the end of the file. Returns the bytes written.
     * Does not fsync: see {@link #flush()}.
     */
    public int append(ByteBuffer batches) {
        if (isSlice) {
            throw new IllegalStateException("cannot append to a slice of " + file);
        }
        ByteBuffer source = batches.duplicate();
        int written = source.remaining();
        long position = size.get();
        try {
            while (source.hasRemaining()) {
                position += channel.write(source, position);
            }
        } catch (IOException e) {
            throw new StorageException("cannot append to " + file, e);
        }
        size.addAndGet(written);
        return written;
    }

    /** A read-only view of {@code [position, position + length)} of this view (bounded by its size). */
    public FileRecords slice(int position, int length) {
        int available = sizeInBytes();
        if (position < 0 || position > available) {
            throw new IllegalArgumentException("slice position " + position + " outside [0, " + available + "] of " + file);
        }
        int sliceSize = Math.min(length, available - position);
        if (sliceSize == 0) {
            return EMPTY;
        }
        return new FileRecords(file, channel, start + position, sliceSize, true);
    }

    /** The whole view in one positional read into a heap buffer (position 0, limit = size). */
    public ByteBuffer readAllBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(sizeInBytes());
        readInto(buffer, 0);
        buffer.flip();
        return buffer;
    }

    /** The whole view as {@link Records} (one copy into the heap). */
    public Records toRecords() {
        return Records.wrap(readAllBytes());
    }

    /** Fills {@code buffer}'s remaining bytes from {@code position} of this view. */
    public void readInto(ByteBuffer buffer, int position) {
        if (channel == null) {
            if (buffer.hasRemaining()) {
                throw new StorageException("read of " + buffer.remaining() + " bytes from an empty view");
            }
            return;
        }
        long filePosition = (long) start + position;
        try {
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, filePosition);
                if (read < 0) {
                    throw new EOFException("end of file at position " + filePosition);
                }
                filePosition += read;
            }
        } catch (IOException e) {
            throw new StorageException("cannot read " + file + " at position " + filePosition, e);
        }
    }

    /** Transfers {@code length} bytes from {@code offset} of this view to {@code target} (zero-copy where the OS can). */
    public long writeTo(WritableByteChannel target, long offset, int length) {
        if (channel == null) {
            return 0;
        }
        long count = Math.min(length, sizeInBytes() - offset);
        try {
            return channel.transferTo(start + offset, count, target);
        } catch (IOException e) {
            throw new StorageException("cannot transfer from " + file, e);
        }
    }

    /**
     * Reads the header of the batch at {@code position} of this view, or returns null when fewer than
     * {@link RecordBatch#HEADER_SIZE} bytes remain. Only the fixed header is read; see {@link BatchHeader}.
     */
    public BatchHeader readHeader(int position) {
        return readHeader(position, sizeInBytes());
    }

    BatchHeader readHeader(int position, int limit) {
        if (limit - position < RecordBatch.HEADER_SIZE) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        readInto(header, position);
        header.flip();
        return BatchHeader.parse(header, position);
    }

    /** The whole batch at {@code position} as a heap copy, or null when it does not fit in the view. */
    public RecordBatch readBatch(BatchHeader header) {
        if (header.position() + (long) header.sizeInBytes() > sizeInBytes() || header.sizeInBytes() < RecordBatch.HEADER_SIZE) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.allocate(header.sizeInBytes());
        readInto(buffer, header.position());
        buffer.flip();
        return RecordBatch.readFrom(buffer);
    }

    /** Forces the file's bytes (and metadata) to the device. */
    public void flush() {
        if (channel == null) {
            return;
        }
        try {
            channel.force(true);
        } catch (IOException e) {
            throw new StorageException("cannot fsync " + file, e);
        }
    }

    /** Cuts the file at {@code targetSize} bytes; returns the bytes removed. */
    public int truncateTo(int targetSize) {
        if (isSlice) {
            throw new IllegalStateException("cannot truncate a slice of " + file);
        }
        int current = sizeInBytes();
        if (targetSize < 0 || targetSize > current) {
            throw new IllegalArgumentException("cannot truncate " + file + " of " + current + " bytes to " + targetSize);
        }
        try {
            channel.truncate(targetSize);
        } catch (IOException e) {
            throw new StorageException("cannot truncate " + file, e);
        }
        size.set(targetSize);
        return current - targetSize;
    }

    public void renameTo(Path target) {
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            file = target;
        } catch (IOException e) {
            throw new StorageException("cannot rename " + file + " to " + target, e);
        }
    }

    /** Closes the file channel (a slice shares its parent's channel and closes nothing). */
    @Override
    public void close() {
        if (isSlice || channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            throw new StorageException("cannot close " + file, e);
        }
    }

    public void deleteIfExists() {
        close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StorageException("cannot delete " + file, e);
        }
    }

    @Override
    public String toString() {
        return "FileRecords(" + file + ", start=" + start + ", size=" + sizeInBytes() + ")";
    }

    /**
     * The fixed header fields of a batch stored at {@code position}, read without the records. Values are
     * as stored: {@link #isPlausible()} checks only what framing needs; the CRC is checked by reading the
     * whole batch.
     */
    public record BatchHeader(int position, long baseOffset, int sizeInBytes, int partitionLeaderEpoch, byte magic,
                              short attributes, int lastOffsetDelta, long maxTimestamp, long producerId,
                              short producerEpoch, int baseSequence, int recordCount) {

        static BatchHeader parse(ByteBuffer header, int position) {
            return new BatchHeader(position,
                    header.getLong(RecordBatch.BASE_OFFSET_OFFSET),
                    RecordBatch.LOG_OVERHEAD + header.getInt(RecordBatch.LENGTH_OFFSET),
                    header.getInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET),
                    header.get(RecordBatch.MAGIC_OFFSET),
                    header.getShort(RecordBatch.ATTRIBUTES_OFFSET),
                    header.getInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET),
                    header.getLong(RecordBatch.MAX_TIMESTAMP_OFFSET),
                    header.getLong(RecordBatch.PRODUCER_ID_OFFSET),
                    header.getShort(RecordBatch.PRODUCER_EPOCH_OFFSET),
                    header.getInt(RecordBatch.BASE_SEQUENCE_OFFSET),
                    header.getInt(RecordBatch.RECORDS_COUNT_OFFSET));
        }

        public long lastOffset() {
            return baseOffset + lastOffsetDelta;
        }

        public long nextOffset() {
            return lastOffset() + 1;
        }

        public int endPosition() {
            return position + sizeInBytes;
        }

        /** Magic 2, a length that holds the header, a non-negative offset delta. */
        public boolean isPlausible() {
            return magic == RecordBatch.MAGIC_V2 && sizeInBytes >= RecordBatch.HEADER_SIZE && lastOffsetDelta >= 0
                    && baseOffset >= 0;
        }
    }
}
