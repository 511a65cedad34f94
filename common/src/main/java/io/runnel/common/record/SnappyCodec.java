package io.runnel.common.record;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import org.xerial.snappy.SnappyOutputStream;

/**
 * snappy in snappy-java's "xerial" framing: written by {@link SnappyOutputStream} (32 KiB chunks), as
 * Kafka does; read by {@link SnappyFramedInputStream}, which parses the same framing but bounds every
 * allocation by the compressed input (snappy-java's own reader trusts the chunk lengths it reads).
 * Immutable and thread-safe.
 */
final class SnappyCodec implements CompressionCodec {

    static final SnappyCodec INSTANCE = new SnappyCodec();

    private SnappyCodec() {
    }

    static SnappyCodec of(int level) {
        if (level != DEFAULT_LEVEL) {
            throw new IllegalArgumentException("compression type snappy has no levels; got " + level);
        }
        return INSTANCE;
    }

    @Override
    public CompressionType type() {
        return CompressionType.SNAPPY;
    }

    @Override
    public int level() {
        return 0;
    }

    @Override
    public OutputStream wrapForOutput(OutputStream sink) {
        return new SnappyOutputStream(sink);
    }

    @Override
    public InputStream wrapForInput(ByteBuffer compressed) {
        return new SnappyFramedInputStream(compressed);
    }
}
