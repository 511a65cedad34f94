package io.runnel.common.record;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;

/**
 * lz4 in the LZ4 frame format as Kafka frames v2 batches ({@link Lz4FrameOutputStream},
 * {@link Lz4FrameInputStream}). Level {@value #LEVEL_DEFAULT} uses lz4's fast compressor, any other
 * level the high-compression one at that level, matching Kafka's choice. Immutable and thread-safe.
 */
final class Lz4Codec implements CompressionCodec {

    static final int LEVEL_MIN = 1;
    static final int LEVEL_MAX = 17;
    static final int LEVEL_DEFAULT = 9;

    private final int level;

    Lz4Codec(int level) {
        if (level == DEFAULT_LEVEL) {
            this.level = LEVEL_DEFAULT;
        } else if (level < LEVEL_MIN || level > LEVEL_MAX) {
            throw new IllegalArgumentException("lz4 compression level " + level + " is outside " + LEVEL_MIN + ".." + LEVEL_MAX);
        } else {
            this.level = level;
        }
    }

    @Override
    public CompressionType type() {
        return CompressionType.LZ4;
    }

    @Override
    public int level() {
        return level;
    }

    @Override
    public OutputStream wrapForOutput(OutputStream sink) throws IOException {
        LZ4Factory factory = LZ4Factory.fastestInstance();
        LZ4Compressor compressor = level == LEVEL_DEFAULT ? factory.fastCompressor() : factory.highCompressor(level);
        return new Lz4FrameOutputStream(sink, compressor);
    }

    @Override
    public InputStream wrapForInput(ByteBuffer compressed) throws IOException {
        return new Lz4FrameInputStream(compressed);
    }
}
