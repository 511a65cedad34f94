package io.runnel.common.record;

import io.runnel.common.errors.CorruptRecordException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A view of zero or more v2 record batches laid back to back in one buffer: a produce payload, a fetch
 * response, a slice of a log segment. Nothing is copied; batches are views of this buffer.
 *
 * <p>{@link #batches()} yields whole batches only. A trailing partial batch (fetch responses may end in
 * one, cut at the size limit) ends the iteration quietly; a batch header whose length field is smaller
 * than a batch header, or whose magic is not 2, throws {@link CorruptRecordException} because nothing
 * after it can be framed.
 *
 * <p>Immutable as a view and safe to share between threads as long as nobody writes into the buffer;
 * each {@link #batches()} iteration has its own position.
 */
public final class Records {

    public static final Records EMPTY = new Records(ByteBuffer.allocate(0));

    private final ByteBuffer buffer;

    private Records(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /** Views the bytes between {@code buffer}'s position and limit (positions do not move). */
    public static Records wrap(ByteBuffer buffer) {
        return new Records(buffer.slice());
    }

    /** Size of the whole view in bytes, including any trailing partial batch. */
    public int sizeInBytes() {
        return buffer.limit();
    }

    /** The viewed bytes, position 0 to limit {@link #sizeInBytes()}; a duplicate the caller may move. */
    public ByteBuffer buffer() {
        return buffer.duplicate();
    }

    /** The whole batches, in order. Each call starts a new pass over the buffer. */
    public Iterable<RecordBatch> batches() {
        return BatchIterator::new;
    }

    /** Bytes from the start up to the end of the last whole batch; the rest is a partial batch, if any. */
    public int sizeOfWholeBatches() {
        int position = 0;
        while (true) {
            int size = wholeBatchSizeAt(position);
            if (size < 0) {
                return position;
            }
            position += size;
        }
    }

    /**
     * Size of the whole batch at {@code position}, or -1 when the bytes there are a partial batch (or none).
     *
     * @throws CorruptRecordException when the header present cannot belong to a v2 batch
     */
    private int wholeBatchSizeAt(int position) {
        int remaining = buffer.limit() - position;
        if (remaining < RecordBatch.LOG_OVERHEAD) {
            return -1;
        }
        int length = buffer.getInt(position + RecordBatch.LENGTH_OFFSET);
        if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD) {
            throw new CorruptRecordException("record batch at position " + position + " declares length " + length
                    + ", less than the " + (RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD) + " bytes of a v2 header");
        }
        if (length > remaining - RecordBatch.LOG_OVERHEAD) {
            return -1;
        }
        byte magic = buffer.get(position + RecordBatch.MAGIC_OFFSET);
        if (magic != RecordBatch.MAGIC_V2) {
            throw new CorruptRecordException("record batch at position " + position + " has magic " + magic
                    + "; only magic 2 (RecordBatch v2) is supported");
        }
        return RecordBatch.LOG_OVERHEAD + length;
    }

    @Override
    public String toString() {
        return "Records(size=" + sizeInBytes() + ")";
    }

    private final class BatchIterator implements Iterator<RecordBatch> {
        private int position;
        private int nextSize = Integer.MIN_VALUE;

        @Override
        public boolean hasNext() {
            if (nextSize == Integer.MIN_VALUE) {
                nextSize = wholeBatchSizeAt(position);
            }
            return nextSize > 0;
        }

        @Override
        public RecordBatch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("no whole batch at position " + position);
            }
            ByteBuffer view = buffer.duplicate();
            view.position(position);
            RecordBatch batch = RecordBatch.readFrom(view);
            position += nextSize;
            nextSize = Integer.MIN_VALUE;
            return batch;
        }
    }
}
