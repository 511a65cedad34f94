package io.runnel.common.record;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/** The identity codec for {@link CompressionType#NONE}. Immutable and thread-safe. */
final class NoCompressionCodec implements CompressionCodec {

    static final NoCompressionCodec INSTANCE = new NoCompressionCodec();

    private NoCompressionCodec() {
    }

    static NoCompressionCodec of(int level) {
        if (level != DEFAULT_LEVEL) {
            throw new IllegalArgumentException("compression type none has no levels; got " + level);
        }
        return INSTANCE;
    }

    @Override
    public CompressionType type() {
        return CompressionType.NONE;
    }

    @Override
    public int level() {
        return 0;
    }

    @Override
    public OutputStream wrapForOutput(OutputStream sink) {
        return sink;
    }

    @Override
    public InputStream wrapForInput(ByteBuffer compressed) {
        return new ByteBufferInputStream(compressed);
    }
}
