package io.runnel.common.record;

import com.github.luben.zstd.RecyclingBufferPool;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * zstd through zstd-jni's streaming classes without finalizers (native memory is freed on close, not
 * by the garbage collector), with its recycling buffer pool, as Kafka does. The decoder keeps zstd's
 * default window limit, 2^{@value #WINDOW_LOG_MAX} bytes: a frame asking for a larger window is rejected
 * rather than allocated. Immutable and thread-safe.
 */
final class ZstdCodec implements CompressionCodec {

    /** zstd's "fast" negative levels go down to -(1 << 17). */
    static final int LEVEL_MIN = -131072;
    static final int LEVEL_MAX = 22;
    static final int LEVEL_DEFAULT = 3;
    /** Largest window (log2 bytes) the decoder accepts: zstd's ZSTD_WINDOWLOG_LIMIT_DEFAULT. */
    static final int WINDOW_LOG_MAX = 27;

    private final int level;

    ZstdCodec(int level) {
        if (level == DEFAULT_LEVEL) {
            this.level = LEVEL_DEFAULT;
        } else if (level < LEVEL_MIN || level > LEVEL_MAX) {
            throw new IllegalArgumentException("zstd compression level " + level + " is outside " + LEVEL_MIN + ".." + LEVEL_MAX);
        } else {
            this.level = level;
        }
    }

    @Override
    public CompressionType type() {
        return CompressionType.ZSTD;
    }

    @Override
    public int level() {
        return level;
    }

    @Override
    public OutputStream wrapForOutput(OutputStream sink) throws IOException {
        ZstdOutputStreamNoFinalizer out = new ZstdOutputStreamNoFinalizer(sink, RecyclingBufferPool.INSTANCE);
        try {
            return out.setLevel(level);
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    @Override
    public InputStream wrapForInput(ByteBuffer compressed) throws IOException {
        ZstdInputStreamNoFinalizer in = new ZstdInputStreamNoFinalizer(new ByteBufferInputStream(compressed),
                RecyclingBufferPool.INSTANCE);
        try {
            return in.setLongMax(WINDOW_LOG_MAX);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }
}
