package io.runnel.common.record;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.xerial.snappy.Snappy;
import org.xerial.snappy.SnappyError;

/**
 * Reads snappy-java's "xerial" stream framing from a buffer:
 * <pre>
 * header  8 bytes  magic 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
 *         4 bytes  version (big-endian int32)
 *         4 bytes  minimum compatible version (int32, must be 1)
 * chunks  4 bytes  compressed length n (big-endian int32), then n bytes of raw snappy
 * </pre>
 * A second header may follow a chunk (concatenated streams). The stream must end exactly after a chunk.
 *
 * <p>Bounds: a chunk's length must fit in the remaining input, and the decompressed length it declares
 * may not exceed {@value #EXPANSION_MAX}x its compressed length (snappy's densest element, a 3-byte
 * copy of 64 bytes, expands about 21x), so memory is bounded by the batch size. Not thread-safe.
 */
final class SnappyFramedInputStream extends InputStream {

    private static final byte[] MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    private static final int HEADER_BYTES = MAGIC.length + 8;
    private static final int COMPATIBLE_VERSION = 1;
    static final int EXPANSION_MAX = 32;

    private final ByteBuffer in;
    private byte[] chunk = new byte[0];
    private byte[] compressed = new byte[0];
    private int chunkPosition;
    private int chunkLimit;
    private boolean headerRead;

    SnappyFramedInputStream(ByteBuffer compressed) {
        this.in = compressed.duplicate();
    }

    @Override
    public int read() throws IOException {
        if (!ensureChunk()) {
            return -1;
        }
        return chunk[chunkPosition++] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!ensureChunk()) {
            return -1;
        }
        int n = Math.min(length, chunkLimit - chunkPosition);
        System.arraycopy(chunk, chunkPosition, bytes, offset, n);
        chunkPosition += n;
        return n;
    }

    /** Decompresses the next non-empty chunk when the current one is used up; false at the end. */
    private boolean ensureChunk() throws IOException {
        while (chunkPosition == chunkLimit) {
            if (!headerRead) {
                readHeader();
            }
            if (!in.hasRemaining()) {
                return false;
            }
            if (startsWithMagic()) {
                headerRead = false;
                continue;
            }
            readChunk();
        }
        return true;
    }

    private void readHeader() throws IOException {
        if (in.remaining() < HEADER_BYTES || !startsWithMagic()) {
            throw new IOException("snappy stream does not start with the xerial header");
        }
        in.position(in.position() + MAGIC.length);
        in.getInt(); // version: informational
        int compatibleVersion = in.getInt();
        if (compatibleVersion != COMPATIBLE_VERSION) {
            throw new IOException("snappy stream needs reader version " + compatibleVersion + "; this reader is "
                    + COMPATIBLE_VERSION);
        }
        headerRead = true;
    }

    private boolean startsWithMagic() {
        if (in.remaining() < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (in.get(in.position() + i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private void readChunk() throws IOException {
        if (in.remaining() < 4) {
            throw new IOException("snappy stream ends inside a chunk length (" + in.remaining() + " bytes left)");
        }
        int compressedLength = in.getInt();
        if (compressedLength <= 0 || compressedLength > in.remaining()) {
            throw new IOException("snappy chunk length " + compressedLength + " does not fit the " + in.remaining()
                    + " bytes left");
        }
        if (compressed.length < compressedLength) {
            compressed = new byte[compressedLength];
        }
        in.get(compressed, 0, compressedLength);
        try {
            int uncompressedLength = Snappy.uncompressedLength(compressed, 0, compressedLength);
            if (uncompressedLength < 0 || uncompressedLength > (long) compressedLength * EXPANSION_MAX) {
                throw new IOException("snappy chunk of " + compressedLength + " bytes declares " + uncompressedLength
                        + " uncompressed bytes, more than snappy can encode");
            }
            if (chunk.length < uncompressedLength) {
                chunk = new byte[uncompressedLength];
            }
            chunkLimit = Snappy.uncompress(compressed, 0, compressedLength, chunk, 0);
            chunkPosition = 0;
        } catch (SnappyError e) {
            // snappy-java reports some malformed input as an Error; it is bad input, not a broken JVM.
            throw new IOException("snappy chunk is malformed: " + e.getMessage(), e);
        }
    }

    @Override
    public int available() {
        return chunkLimit - chunkPosition;
    }
}
