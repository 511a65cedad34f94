package io.runnel.common.record;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Compresses and decompresses the records section of a batch with one {@link CompressionType} and
 * level, producing exactly the framing Apache Kafka's clients write and read:
 * <ul>
 * <li>{@code gzip}: a gzip member (RFC 1952) from the JDK's deflater; levels 1-9, default 6.</li>
 * <li>{@code snappy}: snappy-java's "xerial" framing (16-byte header, then big-endian length-prefixed
 *     snappy chunks of at most 32 KiB input); no levels.</li>
 * <li>{@code lz4}: one LZ4 frame with independent 64 KiB blocks, no block or content checksums and no
 *     content size; levels 1-17, default 9 (the fast compressor; other levels use the HC one).</li>
 * <li>{@code zstd}: one zstd frame from zstd-jni's streaming compressor; levels
 *     -131072..22, default 3.</li>
 * </ul>
 * Readers accept what these writers produce plus the framing options other writers may use (lz4 block
 * and content checksums and content size, concatenated gzip members and snappy streams). Every reader
 * bounds what it allocates by the compressed input it is given (see docs/record-format.md).
 *
 * <p>Codec instances are immutable and thread-safe; the streams they open are not.
 */
public interface CompressionCodec {

    /** Level value that means "the codec's default". */
    int DEFAULT_LEVEL = Integer.MIN_VALUE;

    CompressionType type();

    /** The level the output streams use (already resolved from {@link #DEFAULT_LEVEL}). */
    int level();

    /**
     * A stream that compresses what is written to it into {@code sink}. Closing it finishes the frame;
     * it closes {@code sink} too. Callers must close it (zstd holds native memory until then).
     */
    OutputStream wrapForOutput(OutputStream sink) throws IOException;

    /**
     * A stream of the bytes decompressed from {@code compressed}'s remaining bytes (its position is not
     * moved). Throws IOException for input that is not in this codec's framing; callers must close it.
     */
    InputStream wrapForInput(ByteBuffer compressed) throws IOException;

    /** The codec for {@code type} at its default level. */
    static CompressionCodec of(CompressionType type) {
        return of(type, DEFAULT_LEVEL);
    }

    /**
     * The codec for {@code type} at {@code level} ({@link #DEFAULT_LEVEL} for the default).
     *
     * @throws IllegalArgumentException when the type has no such level
     */
    static CompressionCodec of(CompressionType type, int level) {
        return switch (type) {
            case NONE -> NoCompressionCodec.of(level);
            case GZIP -> new GzipCodec(level);
            case SNAPPY -> SnappyCodec.of(level);
            case LZ4 -> new Lz4Codec(level);
            case ZSTD -> new ZstdCodec(level);
        };
    }
}
