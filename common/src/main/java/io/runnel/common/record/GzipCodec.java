package io.runnel.common.record;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * gzip: compression through the JDK's {@link GZIPOutputStream}, as Kafka does; decompression through
 * {@link GzipFrameInputStream}, which checks every member's trailer and refuses bytes after the last
 * member (the JDK's GZIPInputStream ignores them), like the other codecs refuse trailing input.
 * Inflation is streaming into the caller's buffer, so memory does not depend on the input. Immutable and
 * thread-safe.
 */
final class GzipCodec implements CompressionCodec {

    static final int LEVEL_MIN = Deflater.BEST_SPEED;
    static final int LEVEL_MAX = Deflater.BEST_COMPRESSION;
    /** zlib's default, what {@link Deflater#DEFAULT_COMPRESSION} selects. */
    static final int LEVEL_DEFAULT = 6;
    private static final int BUFFER_BYTES = 8 * 1024;

    private final int level;

    GzipCodec(int level) {
        if (level == DEFAULT_LEVEL || level == Deflater.DEFAULT_COMPRESSION) {
            this.level = LEVEL_DEFAULT;
        } else if (level < LEVEL_MIN || level > LEVEL_MAX) {
            throw new IllegalArgumentException("gzip compression level " + level + " is outside " + LEVEL_MIN + ".." + LEVEL_MAX);
        } else {
            this.level = level;
        }
    }

    @Override
    public CompressionType type() {
        return CompressionType.GZIP;
    }

    @Override
    public int level() {
        return level;
    }

    @Override
    public OutputStream wrapForOutput(OutputStream sink) throws IOException {
        return new LeveledGzipOutputStream(sink, level);
    }

    @Override
    public InputStream wrapForInput(ByteBuffer compressed) throws IOException {
        return new GzipFrameInputStream(compressed);
    }

    /** GZIPOutputStream with a chosen deflate level (the JDK class only offers the default). */
    private static final class LeveledGzipOutputStream extends GZIPOutputStream {
        LeveledGzipOutputStream(OutputStream sink, int level) throws IOException {
            super(sink, BUFFER_BYTES);
            def.setLevel(level);
        }
    }
}
