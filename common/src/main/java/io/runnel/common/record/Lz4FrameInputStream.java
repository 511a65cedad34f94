package io.runnel.common.record;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.StreamingXXHash32;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Reads one LZ4 frame (see {@link Lz4FrameOutputStream} for the layout) from a buffer. Accepts every
 * option of the frame format except dependent blocks and dictionaries: an optional content size
 * (checked at the end), block checksums and a content checksum (both verified), and any block maximum
 * size from 64 KiB to 4 MiB. The header checksum is verified. Nothing may follow the frame.
 *
 * <p>Memory is one block of at most the frame's declared maximum (4 MiB at most); block lengths are
 * checked against that maximum and the remaining input before use. Not thread-safe.
 */
final class Lz4FrameInputStream extends InputStream {

    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();
    private static final XXHash32 HASH = XXHashFactory.fastestInstance().hash32();

    private final ByteBuffer in;
    private final boolean blockChecksum;
    private final long contentSize;
    private final StreamingXXHash32 contentHash;
    private final int blockSizeMax;
    private final byte[] block;
    private int blockPosition;
    private int blockLimit;
    private long contentRead;
    private boolean finished;

    Lz4FrameInputStream(ByteBuffer compressed) throws IOException {
        this.in = compressed.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < 7) {
            throw new IOException("lz4 frame header truncated: " + in.remaining() + " bytes");
        }
        int magic = in.getInt();
        if (magic != Lz4FrameOutputStream.MAGIC) {
            throw new IOException("not an lz4 frame: magic 0x" + Integer.toHexString(magic));
        }
        int descriptorStart = in.position();
        int flg = in.get() & 0xff;
        int bd = in.get() & 0xff;
        if ((flg & 0xC0) != Lz4FrameOutputStream.FLG_VERSION) {
            throw new IOException("lz4 frame version " + (flg >> 6) + " is not 1");
        }
        if ((flg & 0x02) != 0 || (bd & 0x8F) != 0) {
            throw new IOException("lz4 frame descriptor has reserved bits set (FLG 0x" + Integer.toHexString(flg)
                    + ", BD 0x" + Integer.toHexString(bd) + ")");
        }
        if ((flg & Lz4FrameOutputStream.FLG_BLOCK_INDEPENDENCE) == 0) {
            throw new IOException("lz4 frames with dependent blocks are not supported");
        }
        if ((flg & Lz4FrameOutputStream.FLG_DICTIONARY_ID) != 0) {
            throw new IOException("lz4 frames with a dictionary are not supported");
        }
        int blockSizeCode = (bd >> 4) & 0x07;
        if (blockSizeCode < 4) {
            throw new IOException("lz4 frame block maximum size code " + blockSizeCode + " is undefined");
        }
        this.blockSizeMax = Lz4FrameOutputStream.blockSizeBytes(blockSizeCode);
        this.blockChecksum = (flg & Lz4FrameOutputStream.FLG_BLOCK_CHECKSUM) != 0;
        boolean hasContentSize = (flg & Lz4FrameOutputStream.FLG_CONTENT_SIZE) != 0;
        if (hasContentSize && in.remaining() < 9) {
            throw new IOException("lz4 frame header truncated inside the content size");
        }
        this.contentSize = hasContentSize ? in.getLong() : -1;
        int descriptorLength = in.position() - descriptorStart;
        byte[] descriptor = new byte[descriptorLength];
        in.get(descriptorStart, descriptor);
        int expectedChecksum = Lz4FrameOutputStream.headerChecksum(descriptor, 0, descriptorLength);
        if (!in.hasRemaining()) {
            throw new IOException("lz4 frame header truncated before its checksum");
        }
        int storedChecksum = in.get() & 0xff;
        if (storedChecksum != expectedChecksum) {
            throw new IOException("lz4 frame header checksum " + storedChecksum + " != computed " + expectedChecksum);
        }
        this.contentHash = (flg & Lz4FrameOutputStream.FLG_CONTENT_CHECKSUM) != 0
                ? XXHashFactory.fastestJavaInstance().newStreamingHash32(0) : null;
        this.block = new byte[blockSizeMax];
    }

    @Override
    public int read() throws IOException {
        if (!ensureBlock()) {
            return -1;
        }
        return block[blockPosition++] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!ensureBlock()) {
            return -1;
        }
        int n = Math.min(length, blockLimit - blockPosition);
        System.arraycopy(block, blockPosition, bytes, offset, n);
        blockPosition += n;
        return n;
    }

    @Override
    public int available() {
        return blockLimit - blockPosition;
    }

    private boolean ensureBlock() throws IOException {
        while (blockPosition == blockLimit) {
            if (finished) {
                return false;
            }
            readBlock();
        }
        return true;
    }

    private void readBlock() throws IOException {
        if (in.remaining() < 4) {
            throw new IOException("lz4 frame truncated: no end mark");
        }
        int sizeField = in.getInt();
        if (sizeField == 0) {
            finish();
            return;
        }
        boolean stored = (sizeField & Lz4FrameOutputStream.UNCOMPRESSED_BLOCK_FLAG) != 0;
        int size = sizeField & ~Lz4FrameOutputStream.UNCOMPRESSED_BLOCK_FLAG;
        int checksumBytes = blockChecksum ? 4 : 0;
        if (size > blockSizeMax || size + checksumBytes > in.remaining()) {
            throw new IOException("lz4 block size " + size + " exceeds the frame's maximum " + blockSizeMax
                    + " or the " + in.remaining() + " bytes left");
        }
        int start = in.position();
        if (blockChecksum) {
            int stored32 = in.getInt(start + size);
            int computed = HASH.hash(in, start, size, 0);
            if (stored32 != computed) {
                throw new IOException("lz4 block checksum mismatch");
            }
        }
        if (stored) {
            in.get(start, block, 0, size);
            blockLimit = size;
        } else {
            try {
                blockLimit = DECOMPRESSOR.decompress(in, start, size, ByteBuffer.wrap(block), 0, blockSizeMax);
            } catch (LZ4Exception e) {
                throw new IOException("lz4 block is malformed: " + e.getMessage(), e);
            }
        }
        in.position(start + size + checksumBytes);
        blockPosition = 0;
        contentRead += blockLimit;
        if (contentHash != null) {
            contentHash.update(block, 0, blockLimit);
        }
    }

    private void finish() throws IOException {
        finished = true;
        if (contentHash != null) {
            if (in.remaining() < 4) {
                throw new IOException("lz4 frame truncated inside its content checksum");
            }
            if (in.getInt() != contentHash.getValue()) {
                throw new IOException("lz4 frame content checksum mismatch");
            }
        }
        if (contentSize >= 0 && contentSize != contentRead) {
            throw new IOException("lz4 frame declares " + contentSize + " content bytes but holds " + contentRead);
        }
        if (in.hasRemaining()) {
            throw new IOException(in.remaining() + " bytes follow the lz4 frame's end mark");
        }
    }
}
