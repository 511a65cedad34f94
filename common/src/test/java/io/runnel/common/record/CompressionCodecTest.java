package io.runnel.common.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The codecs on their own: round trips, levels, and the lz4 and snappy framings' options and bounds. */
class CompressionCodecTest {

    private static byte[] sample(int size, long seed) {
        byte[] data = new byte[size];
        Random random = new Random(seed);
        for (int i = 0; i < size; i++) {
            // Half compressible text-like bytes, half noise, so blocks of both kinds occur.
            data[i] = (i / 4096) % 2 == 0 ? (byte) ('a' + (i % 7)) : (byte) random.nextInt();
        }
        return data;
    }

    private static byte[] compress(CompressionCodec codec, byte[] data) throws IOException {
        ByteBufferOutputStream sink = new ByteBufferOutputStream(16);
        try (OutputStream out = codec.wrapForOutput(sink)) {
            out.write(data, 0, data.length / 2);
            for (int i = data.length / 2; i < Math.min(data.length, data.length / 2 + 100); i++) {
                out.write(data[i]);
            }
            int rest = Math.min(data.length, data.length / 2 + 100);
            out.write(data, rest, data.length - rest);
        }
        ByteBuffer buffer = sink.buffer().flip();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static byte[] decompress(CompressionCodec codec, byte[] compressed) throws IOException {
        try (InputStream in = codec.wrapForInput(ByteBuffer.wrap(compressed))) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void everyCodecRefusesBytesAfterItsCompressedData(CompressionType type) throws IOException {
        CompressionCodec codec = CompressionCodec.of(type);
        byte[] compressed = compress(codec, sample(5_000, 7));
        for (byte[] junk : new byte[][] {{0}, {'j', 'u', 'n', 'k'}, new byte[100]}) {
            byte[] withJunk = java.util.Arrays.copyOf(compressed, compressed.length + junk.length);
            System.arraycopy(junk, 0, withJunk, compressed.length, junk.length);
            assertThatThrownBy(() -> decompress(codec, withJunk)).as("%s + %d junk bytes", type, junk.length)
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void gzipReadsConcatenatedMembersAndChecksEachTrailer() throws IOException {
        CompressionCodec gzip = CompressionCodec.of(CompressionType.GZIP);
        byte[] first = sample(3_000, 1);
        byte[] second = sample(70_000, 2);
        byte[] a = compress(gzip, first);
        byte[] b = compress(gzip, second);
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        byte[] expected = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, expected, first.length, second.length);
        assertThat(decompress(gzip, both)).isEqualTo(expected);

        byte[] badCrc = a.clone();
        badCrc[badCrc.length - 6] ^= 1;
        assertThatThrownBy(() -> decompress(gzip, badCrc)).hasMessageContaining("CRC-32 mismatch");
        byte[] truncated = java.util.Arrays.copyOf(a, a.length - 9);
        assertThatThrownBy(() -> decompress(gzip, truncated)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> decompress(gzip, new byte[] {0x1f, (byte) 0x8b, 8})).hasMessageContaining("header");
    }

    @Test
    void gzipSkipsOptionalHeaderFieldsAndChecksTheHeaderCrc() throws IOException {
        byte[] data = sample(1_000, 3);
        byte[] plain = compress(CompressionCodec.of(CompressionType.GZIP), data);
        // Rebuild the member with FEXTRA, FNAME, FCOMMENT and FHCRC set, keeping its deflate data and trailer.
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(new byte[] {0x1f, (byte) 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, (byte) 0xff}, 0, 10);
        header.write(new byte[] {3, 0, 'x', 'y', 'z'}, 0, 5);
        header.write(new byte[] {'n', 'a', 'm', 'e', 0}, 0, 5);
        header.write(new byte[] {'c', 0}, 0, 2);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(header.toByteArray());
        header.write((int) crc.getValue() & 0xff);
        header.write((int) (crc.getValue() >> 8) & 0xff);
        header.write(plain, 10, plain.length - 10);
        byte[] rich = header.toByteArray();
        assertThat(decompress(CompressionCodec.of(CompressionType.GZIP), rich)).isEqualTo(data);
        rich[17] ^= 1; // inside the file name, covered by the header CRC
        assertThatThrownBy(() -> decompress(CompressionCodec.of(CompressionType.GZIP), rich))
                .hasMessageContaining("header CRC");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void everyCodecRoundTripsAnySize(CompressionType type) throws IOException {
        CompressionCodec codec = CompressionCodec.of(type);
        for (int size : new int[] {0, 1, 1000, 65_536, 65_537, 700_000}) {
            byte[] data = sample(size, size);
            assertThat(decompress(codec, compress(codec, data))).as("%s, %d bytes", type, size).isEqualTo(data);
        }
    }

    @Test
    void levelsAreCheckedAndUsed() throws IOException {
        byte[] data = sample(200_000, 1);
        for (int level : new int[] {1, 9}) {
            assertThat(decompress(CompressionCodec.of(CompressionType.GZIP, level),
                    compress(CompressionCodec.of(CompressionType.GZIP, level), data))).isEqualTo(data);
        }
        for (int level : new int[] {1, 9, 17}) {
            CompressionCodec lz4 = CompressionCodec.of(CompressionType.LZ4, level);
            assertThat(decompress(lz4, compress(lz4, data))).isEqualTo(data);
        }
        for (int level : new int[] {-5, 1, 19}) {
            CompressionCodec zstd = CompressionCodec.of(CompressionType.ZSTD, level);
            assertThat(zstd.level()).isEqualTo(level);
            assertThat(decompress(zstd, compress(zstd, data))).isEqualTo(data);
        }
        assertThat(CompressionCodec.of(CompressionType.GZIP).level()).isEqualTo(6);
        assertThat(CompressionCodec.of(CompressionType.LZ4).level()).isEqualTo(9);
        assertThat(CompressionCodec.of(CompressionType.ZSTD).level()).isEqualTo(3);
        assertThatThrownBy(() -> CompressionCodec.of(CompressionType.GZIP, 10)).hasMessageContaining("gzip compression level 10");
        assertThatThrownBy(() -> CompressionCodec.of(CompressionType.LZ4, 0)).hasMessageContaining("lz4 compression level 0");
        assertThatThrownBy(() -> CompressionCodec.of(CompressionType.ZSTD, 23)).hasMessageContaining("zstd compression level 23");
        assertThatThrownBy(() -> CompressionCodec.of(CompressionType.SNAPPY, 1)).hasMessageContaining("snappy has no levels");
        assertThatThrownBy(() -> CompressionCodec.of(CompressionType.NONE, 1)).hasMessageContaining("none has no levels");
    }

    @Test
    void lz4FrameHeaderIsKafkas() throws IOException {
        byte[] frame = compress(CompressionCodec.of(CompressionType.LZ4), new byte[0]);
        // magic (LE), FLG 0x60, BD 0x40, header checksum, end mark.
        assertThat(frame).hasSize(11);
        assertThat(ByteUtils.readIntLE(frame, 0)).isEqualTo(0x184D2204);
        assertThat(frame[4]).isEqualTo((byte) 0x60);
        assertThat(frame[5]).isEqualTo((byte) 0x40);
        assertThat(ByteUtils.readIntLE(frame, 7)).isZero();
    }

    @Test
    void lz4ReaderAcceptsChecksumsContentSizeAndLargerBlocks() throws IOException {
        byte[] data = sample(600_000, 7);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = new LZ4FrameOutputStream(sink, LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB, data.length,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM,
                LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM, LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE)) {
            out.write(data);
        }
        assertThat(decompress(CompressionCodec.of(CompressionType.LZ4), sink.toByteArray())).isEqualTo(data);
    }

    @Test
    void lz4ReaderRejectsDamagedOrUnsupportedFrames() throws IOException {
        CompressionCodec lz4 = CompressionCodec.of(CompressionType.LZ4);
        byte[] frame = compress(lz4, sample(100_000, 3));

        byte[] badHeaderChecksum = frame.clone();
        badHeaderChecksum[6] ^= 1;
        assertThatThrownBy(() -> decompress(lz4, badHeaderChecksum)).isInstanceOf(IOException.class)
                .hasMessageContaining("header checksum");

        byte[] trailing = java.util.Arrays.copyOf(frame, frame.length + 3);
        assertThatThrownBy(() -> decompress(lz4, trailing)).isInstanceOf(IOException.class)
                .hasMessageContaining("3 bytes follow the lz4 frame's end mark");

        byte[] oversizedBlock = frame.clone();
        ByteUtils.writeIntLE(oversizedBlock, 7, 1 << 20);
        assertThatThrownBy(() -> decompress(lz4, oversizedBlock)).isInstanceOf(IOException.class)
                .hasMessageContaining("exceeds the frame's maximum 65536");

        byte[] truncated = java.util.Arrays.copyOf(frame, frame.length - 4);
        assertThatThrownBy(() -> decompress(lz4, truncated)).isInstanceOf(IOException.class)
                .hasMessageContaining("no end mark");

        ByteArrayOutputStream dependent = new ByteArrayOutputStream();
        try (OutputStream out = new LZ4FrameOutputStream(dependent, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB)) {
            out.write(1);
        }
        byte[] dependentFrame = dependent.toByteArray();
        dependentFrame[4] &= ~0x20;
        dependentFrame[6] = (byte) Lz4FrameOutputStream.headerChecksum(dependentFrame, 4, 2);
        assertThatThrownBy(() -> decompress(lz4, dependentFrame)).isInstanceOf(IOException.class)
                .hasMessageContaining("dependent blocks");

        ByteArrayOutputStream checksummed = new ByteArrayOutputStream();
        try (OutputStream out = new LZ4FrameOutputStream(checksummed, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM)) {
            out.write(sample(1000, 9));
        }
        byte[] badBlockChecksum = checksummed.toByteArray();
        badBlockChecksum[12] ^= 0x40;
        assertThatThrownBy(() -> decompress(lz4, badBlockChecksum)).isInstanceOf(IOException.class)
                .hasMessageContaining("block checksum");
    }

    @Test
    void zstdFramesAskingForAHugeWindowAreRefused() {
        // Frame header: magic, descriptor 0 (window descriptor present, no content size), window log 10 + 20 = 30.
        byte[] frame = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0x00, (byte) (20 << 3), 0x01, 0x00, 0x00};
        assertThatThrownBy(() -> decompress(CompressionCodec.of(CompressionType.ZSTD), frame))
                .isInstanceOf(IOException.class).hasMessageContaining("memory");
    }

    @Test
    void snappyReaderAcceptsConcatenatedStreams() throws IOException {
        CompressionCodec snappy = CompressionCodec.of(CompressionType.SNAPPY);
        byte[] first = sample(50_000, 1);
        byte[] second = sample(70_000, 2);
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.write(compress(snappy, first));
        both.write(compress(snappy, second));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(first);
        expected.write(second);
        assertThat(decompress(snappy, both.toByteArray())).isEqualTo(expected.toByteArray());
    }

    @Test
    void snappyReaderBoundsChunksByTheInput() throws IOException {
        CompressionCodec snappy = CompressionCodec.of(CompressionType.SNAPPY);
        byte[] header = java.util.Arrays.copyOf(compress(snappy, new byte[0]), 16);

        // A chunk whose raw snappy data claims 2^31 - 1 uncompressed bytes from 6 compressed ones.
        ByteBuffer bomb = ByteBuffer.allocate(16 + 4 + 6);
        bomb.put(header).putInt(6).put(new byte[] {-1, -1, -1, -1, 7, 0});
        assertThatThrownBy(() -> decompress(snappy, bomb.array())).isInstanceOf(IOException.class)
                .hasMessageContaining("more than snappy can encode");

        ByteBuffer longChunk = ByteBuffer.allocate(16 + 4 + 3);
        longChunk.put(header).putInt(1_000_000).put(new byte[3]);
        assertThatThrownBy(() -> decompress(snappy, longChunk.array())).isInstanceOf(IOException.class)
                .hasMessageContaining("snappy chunk length 1000000 does not fit the 3 bytes left");

        assertThatThrownBy(() -> decompress(snappy, new byte[] {1, 2, 3})).isInstanceOf(IOException.class)
                .hasMessageContaining("xerial header");
    }

    @Test
    void kafkasLz4StreamAndOursInterchange() throws IOException {
        byte[] data = sample(300_000, 5);
        ByteArrayOutputStream kafka = new ByteArrayOutputStream();
        try (OutputStream out = new org.apache.kafka.common.compress.Lz4BlockOutputStream(kafka, 4, 9, false, false)) {
            out.write(data);
        }
        CompressionCodec lz4 = CompressionCodec.of(CompressionType.LZ4);
        assertThat(decompress(lz4, kafka.toByteArray())).isEqualTo(data);
        assertThat(compress(lz4, data)).as("the same compressor and framing give the same bytes")
                .isEqualTo(kafka.toByteArray());
    }
}
