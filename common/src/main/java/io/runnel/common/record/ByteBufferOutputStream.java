package io.runnel.common.record;

import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * An {@link OutputStream} that writes into a {@link ByteBuffer} and replaces it with a larger one when
 * a write does not fit. The batch builder writes record fields straight into {@link #buffer()} after
 * {@link #ensureRemaining(int)}, and hands this stream to compression codecs as their sink.
 *
 * <p>Growth: to at least the bytes needed, and by at least half the current capacity, so a batch that
 * outgrows its initial buffer is copied O(log n) times. A buffer handed in keeps its kind (heap or
 * direct) when replaced. After growth, earlier references to {@link #buffer()} are stale.
 *
 * <p>{@link #close()} does nothing: the bytes stay readable. Not thread-safe.
 */
public final class ByteBufferOutputStream extends OutputStream {

    /** Largest array size the JVM reliably allocates. */
    private static final int CAPACITY_BYTES_MAX = Integer.MAX_VALUE - 8;

    private ByteBuffer buffer;

    /** A stream over a new heap buffer of {@code initialCapacityBytes}. */
    public ByteBufferOutputStream(int initialCapacityBytes) {
        this(ByteBuffer.allocate(initialCapacityBytes));
    }

    /** A stream that writes into {@code buffer} from its current position until it needs more room. */
    public ByteBufferOutputStream(ByteBuffer buffer) {
        this.buffer = buffer;
        buffer.limit(buffer.capacity());
    }

    @Override
    public void write(int b) {
        ensureRemaining(1);
        buffer.put((byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        ensureRemaining(length);
        buffer.put(bytes, offset, length);
    }

    /** Writes the remaining bytes of {@code source} without moving its position. */
    public void write(ByteBuffer source) {
        int length = source.remaining();
        ensureRemaining(length);
        int position = buffer.position();
        buffer.put(position, source, source.position(), length);
        buffer.position(position + length);
    }

    /** The current buffer; its position is the write position. Replaced when the stream grows. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int position() {
        return buffer.position();
    }

    /** Moves the write position (within the current capacity). */
    public void position(int position) {
        ensureCapacity(position);
        buffer.position(position);
    }

    public int remaining() {
        return buffer.remaining();
    }

    /** Makes sure {@code bytes} more can be written at the position without growing again. */
    public void ensureRemaining(int bytes) {
        if (bytes > buffer.remaining()) {
            grow((long) buffer.position() + bytes);
        }
    }

    private void ensureCapacity(int capacity) {
        if (capacity > buffer.capacity()) {
            grow(capacity);
        }
    }

    private void grow(long capacityNeeded) {
        if (capacityNeeded > CAPACITY_BYTES_MAX) {
            throw new IllegalStateException("a buffer of " + capacityNeeded + " bytes is larger than the largest array ("
                    + CAPACITY_BYTES_MAX + ")");
        }
        long expanded = buffer.capacity() + (long) (buffer.capacity() >> 1);
        int capacity = (int) Math.min(CAPACITY_BYTES_MAX, Math.max(capacityNeeded, expanded));
        ByteBuffer larger = buffer.isDirect() ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        int position = buffer.position();
        buffer.flip();
        larger.put(buffer);
        larger.position(position);
        buffer = larger;
    }

    @Override
    public void close() {
        // Nothing to release: the written bytes must stay readable through buffer().
    }
}
