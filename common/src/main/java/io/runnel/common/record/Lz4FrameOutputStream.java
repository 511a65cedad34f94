package io.runnel.common.record;

import java.io.IOException;
import java.io.OutputStream;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Writes one LZ4 frame in the shape Kafka writes for v2 batches:
 * <pre>
 * magic   4 bytes  0x184D2204, little-endian
 * FLG     1 byte   0x60: version 01, independent blocks; no block checksum, content size or checksum
 * BD      1 byte   0x40: block maximum size 64 KiB
 * HC      1 byte   (xxHash32(FLG, BD; seed 0) >> 8) &amp; 0xFF
 * blocks  4 bytes  little-endian size; high bit set = stored uncompressed; then the block's bytes
 * end     4 bytes  0
 * </pre>
 * Input is cut into 64 KiB blocks; a block that does not shrink is stored uncompressed. Closing writes
 * the last block and the end mark, then closes the sink. Not thread-safe.
 */
final class Lz4FrameOutputStream extends OutputStream {

    static final int MAGIC = 0x184D2204;
    static final int FLG_VERSION = 0x40;
    static final int FLG_BLOCK_INDEPENDENCE = 0x20;
    static final int FLG_BLOCK_CHECKSUM = 0x10;
    static final int FLG_CONTENT_SIZE = 0x08;
    static final int FLG_CONTENT_CHECKSUM = 0x04;
    static final int FLG_DICTIONARY_ID = 0x01;
    /** BD code 4: 64 KiB blocks, what Kafka writes. */
    static final int BLOCK_SIZE_CODE = 4;
    static final int UNCOMPRESSED_BLOCK_FLAG = 0x80000000;

    private final OutputStream sink;
    private final LZ4Compressor compressor;
    private final byte[] block;
    private final byte[] compressedBlock;
    private final byte[] sizeField = new byte[4];
    private int blockPosition;
    private boolean closed;

    Lz4FrameOutputStream(OutputStream sink, LZ4Compressor compressor) throws IOException {
        this.sink = sink;
        this.compressor = compressor;
        this.block = new byte[blockSizeBytes(BLOCK_SIZE_CODE)];
        this.compressedBlock = new byte[compressor.maxCompressedLength(block.length)];
        writeHeader();
    }

    /** Block maximum size of a BD block-size code (4..7: 64 KiB, 256 KiB, 1 MiB, 4 MiB). */
    static int blockSizeBytes(int code) {
        return 1 << (2 * code + 8);
    }

    /** The frame's header checksum byte over the descriptor bytes. */
    static int headerChecksum(byte[] descriptor, int offset, int length) {
        XXHash32 hash = XXHashFactory.fastestInstance().hash32();
        return (hash.hash(descriptor, offset, length, 0) >> 8) & 0xFF;
    }

    private void writeHeader() throws IOException {
        byte[] header = new byte[7];
        ByteUtils.writeIntLE(header, 0, MAGIC);
        header[4] = (byte) (FLG_VERSION | FLG_BLOCK_INDEPENDENCE);
        header[5] = (byte) (BLOCK_SIZE_CODE << 4);
        header[6] = (byte) headerChecksum(header, 4, 2);
        sink.write(header);
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        if (blockPosition == block.length) {
            writeBlock();
        }
        block[blockPosition++] = (byte) b;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        ensureOpen();
        while (length > 0) {
            if (blockPosition == block.length) {
                writeBlock();
            }
            int n = Math.min(length, block.length - blockPosition);
            System.arraycopy(bytes, offset, block, blockPosition, n);
            blockPosition += n;
            offset += n;
            length -= n;
        }
    }

    private void writeBlock() throws IOException {
        if (blockPosition == 0) {
            return;
        }
        int compressedLength = compressor.compress(block, 0, blockPosition, compressedBlock, 0, compressedBlock.length);
        if (compressedLength >= blockPosition) {
            writeSize(blockPosition | UNCOMPRESSED_BLOCK_FLAG);
            sink.write(block, 0, blockPosition);
        } else {
            writeSize(compressedLength);
            sink.write(compressedBlock, 0, compressedLength);
        }
        blockPosition = 0;
    }

    private void writeSize(int size) throws IOException {
        ByteUtils.writeIntLE(sizeField, 0, size);
        sink.write(sizeField);
    }

    /** Writes the pending partial block (a frame may hold blocks shorter than the maximum). */
    @Override
    public void flush() throws IOException {
        ensureOpen();
        writeBlock();
        sink.flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writeBlock();
            writeSize(0);
            sink.flush();
        } finally {
            sink.close();
        }
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("lz4 frame stream is closed");
        }
    }
}
