package io.runnel.common.record;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses gzip data (RFC 1952) held whole in a {@link ByteBuffer}: one or more members, each a
 * header, a raw deflate stream and a trailer whose CRC-32 and length are checked; after the last member
 * there must be nothing at all. The JDK's {@link java.util.zip.GZIPInputStream} silently ignores bytes
 * after a member that do not start another one, which let a batch with junk after its compressed records
 * be stored while the other codecs refused it.
 *
 * <p>The deflate stream is read straight from the buffer (no copy) into the caller's array; memory is
 * the inflater's fixed window. Not thread-safe; {@link #close()} frees the inflater's native memory.
 */
final class GzipFrameInputStream extends InputStream {

    private static final int MAGIC_1 = 0x1f;
    private static final int MAGIC_2 = 0x8b;
    private static final int METHOD_DEFLATE = 8;
    private static final int FLAG_HEADER_CRC = 0x02;
    private static final int FLAG_EXTRA = 0x04;
    private static final int FLAG_NAME = 0x08;
    private static final int FLAG_COMMENT = 0x10;
    private static final int FLAGS_RESERVED = 0xe0;
    /** Magic, method, flags, mtime, extra flags, OS. */
    private static final int FIXED_HEADER_BYTES = 10;
    private static final int TRAILER_BYTES = 8;
    /** inflate() calls in a row that may make no progress before the data is called broken. */
    private static final int STALLED_CALLS_MAX = 1024;

    private final ByteBuffer input;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final int startPosition;
    private long memberBytes;
    private boolean ended;
    private boolean closed;

    /** Reads {@code compressed}'s remaining bytes (its position is not moved); checks the first header now. */
    GzipFrameInputStream(ByteBuffer compressed) throws IOException {
        this.input = compressed.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.startPosition = input.position();
        try {
            startMember();
        } catch (IOException | RuntimeException e) {
            inflater.end();
            throw e;
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (closed) {
            throw new IOException("gzip stream is closed");
        }
        if (length == 0) {
            return 0;
        }
        for (int stalled = 0; stalled < STALLED_CALLS_MAX && !ended; stalled++) {
            int n;
            try {
                n = inflater.inflate(target, offset, length);
            } catch (DataFormatException e) {
                throw new IOException("gzip data at byte " + position() + " is not a valid deflate stream: " + e.getMessage(), e);
            }
            if (n > 0) {
                crc.update(target, offset, n);
                memberBytes += n;
                return n;
            }
            if (inflater.finished()) {
                endMember();
            } else if (inflater.needsDictionary()) {
                throw new IOException("gzip data asks for a preset dictionary, which gzip does not have");
            } else if (inflater.needsInput()) {
                throw new IOException("gzip data ends inside a deflate stream, after " + (input.limit() - startPosition)
                        + " bytes");
            }
        }
        if (ended) {
            return -1;
        }
        throw new IOException("gzip inflater made no progress " + STALLED_CALLS_MAX + " times in a row");
    }

    /** Reads a member header and hands the member's deflate stream to the inflater. */
    private void startMember() throws IOException {
        need(FIXED_HEADER_BYTES, "a gzip header");
        int headerStart = input.position();
        int magic1 = input.get() & 0xff;
        int magic2 = input.get() & 0xff;
        if (magic1 != MAGIC_1 || magic2 != MAGIC_2) {
            throw new IOException(String.format("not gzip data: byte %d starts with 0x%02x%02x, not the gzip magic 0x1f8b",
                    headerStart - startPosition, magic1, magic2));
        }
        int method = input.get() & 0xff;
        if (method != METHOD_DEFLATE) {
            throw new IOException("gzip compression method " + method + " is not deflate (8)");
        }
        int flags = input.get() & 0xff;
        if ((flags & FLAGS_RESERVED) != 0) {
            throw new IOException(String.format("gzip header flags 0x%02x set reserved bits", flags));
        }
        input.position(input.position() + 6); // mtime, extra flags, OS: informational
        if ((flags & FLAG_EXTRA) != 0) {
            need(2, "the gzip extra field length");
            int extraLength = input.getShort() & 0xffff;
            need(extraLength, "the gzip extra field");
            input.position(input.position() + extraLength);
        }
        if ((flags & FLAG_NAME) != 0) {
            skipZeroTerminated("file name");
        }
        if ((flags & FLAG_COMMENT) != 0) {
            skipZeroTerminated("comment");
        }
        if ((flags & FLAG_HEADER_CRC) != 0) {
            CRC32 headerCrc = new CRC32();
            headerCrc.update(input.duplicate().position(headerStart).limit(input.position()));
            need(2, "the gzip header CRC");
            int stored = input.getShort() & 0xffff;
            if (stored != (int) (headerCrc.getValue() & 0xffff)) {
                throw new IOException("gzip header CRC mismatch");
            }
        }
        inflater.reset();
        crc.reset();
        memberBytes = 0;
        // The inflater reads the rest of the buffer and advances its position as it consumes bytes.
        inflater.setInput(input);
    }

    /** Checks the trailer of the member just inflated; starts the next member or ends the data. */
    private void endMember() throws IOException {
        need(TRAILER_BYTES, "the gzip trailer");
        long storedCrc = input.getInt() & 0xffffffffL;
        long storedSize = input.getInt() & 0xffffffffL;
        if (storedCrc != crc.getValue()) {
            throw new IOException("gzip CRC-32 mismatch: the trailer says " + storedCrc + ", the data gives " + crc.getValue());
        }
        if (storedSize != (memberBytes & 0xffffffffL)) {
            throw new IOException("gzip length mismatch: the trailer says " + storedSize + " bytes, the data has "
                    + memberBytes);
        }
        if (!input.hasRemaining()) {
            ended = true;
            return;
        }
        if (input.remaining() >= 2 && (input.get(input.position()) & 0xff) == MAGIC_1
                && (input.get(input.position() + 1) & 0xff) == MAGIC_2) {
            startMember();
            return;
        }
        throw new IOException(input.remaining() + " trailing bytes follow the gzip data (at byte " + position() + ")");
    }

    private void need(int bytes, String what) throws IOException {
        if (input.remaining() < bytes) {
            throw new IOException("gzip data ends inside " + what + " at byte " + position());
        }
    }

    private void skipZeroTerminated(String what) throws IOException {
        while (true) {
            need(1, "the gzip header's " + what);
            if (input.get() == 0) {
                return;
            }
        }
    }

    private int position() {
        return input.position() - startPosition;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            inflater.end();
        }
    }
}
