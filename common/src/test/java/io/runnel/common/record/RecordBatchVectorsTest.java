package io.runnel.common.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.record.MemoryRecords;
import org.junit.jupiter.api.Test;

/**
 * docs/record-batch-vectors.json, the published test vectors for client authors (docs/record-format.md,
 * "Test vectors"): the exact bytes and CRC-32C of sample batches, uncompressed and in each codec, with
 * headers, a null key, a null value and an idempotent producer's fields. This test checks that our encoder
 * ({@link RecordBatchBuilder}) produces exactly the published bytes, that our decoder and Kafka's own
 * (kafka-clients' MemoryRecords) read them back to the published records, and that the file is exactly what
 * the vectors below render to, so it cannot drift from the code.
 *
 * <p>gzip is the exception to "exactly": deflate's output depends on the zlib the JDK links (on Linux
 * usually the system's, and zlib-ng gives other bytes than zlib), so the gzip vector's batch is checked
 * by decoding (CRC, header, decompressed records equal to {@code records_hex}), not byte for byte. The
 * other codecs' libraries are pinned (pom.xml), so their bytes are.
 *
 * <p>After changing a vector (or the encoder, deliberately), regenerate the file with
 * {@code mvn -B -pl common -am verify -Dtest=RecordBatchVectorsTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dvectors.regenerate=true} and review the diff.
 */
class RecordBatchVectorsTest {

    static final Path FILE = Path.of("..", "docs", "record-batch-vectors.json");
    private static final HexFormat HEX = HexFormat.of();
    private static final long T0 = 1_700_000_000_000L;

    record VectorRecord(long timestampMs, String key, String value, Header... headers) {
    }

    record Vector(String name, String description, CompressionType compression, long baseOffset, int partitionLeaderEpoch,
                  long producerId, short producerEpoch, int baseSequence, List<VectorRecord> records) {
    }

    /** Three records that exercise every field: headers (one null-valued), a null key, a null value, timestamp deltas. */
    static final List<VectorRecord> MIXED = List.of(
            new VectorRecord(T0, "key-1", "value-1", Header.ofString("trace", "abc"), new Header("empty", new byte[0]),
                    new Header("null-valued", null)),
            new VectorRecord(T0 + 5, null, "no key"),
            new VectorRecord(T0 + 2, "deleted", null));

    static List<Vector> vectors() {
        List<Vector> vectors = new ArrayList<>();
        vectors.add(new Vector("one-record", "one record, key and value, no headers, as a producer sends it "
                + "(base offset 0, no leader epoch, no producer id)", CompressionType.NONE, 0, -1, -1, (short) -1, -1,
                List.of(new VectorRecord(T0, "k", "v"))));
        vectors.add(new Vector("mixed-none", "three records: headers (one with a null value), a null key, a null value, "
                + "timestamps out of order (max_timestamp is the largest)", CompressionType.NONE, 0, -1, -1, (short) -1, -1, MIXED));
        for (CompressionType codec : List.of(CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD)) {
            vectors.add(new Vector("mixed-" + codec.configName, "the records of mixed-none compressed with " + codec.configName
                    + " at its default level; records_hex is what goes into the compressor", codec, 0, -1, -1, (short) -1, -1, MIXED));
        }
        vectors.add(new Vector("as-stored", "mixed-none as a fetch returns it: base offset 42 and partition leader epoch 3 "
                + "set by the leader (neither is covered by the CRC, so the CRC equals mixed-none's)", CompressionType.NONE,
                42, 3, -1, (short) -1, -1, MIXED));
        vectors.add(new Vector("idempotent", "one record from an idempotent producer: producer id 1000, epoch 0, base "
                + "sequence 0", CompressionType.NONE, 0, -1, 1000, (short) 0, 0, List.of(new VectorRecord(T0, null, "once"))));
        return vectors;
    }

    static ByteBuffer encode(Vector vector, CompressionType compression) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(compression).baseOffset(vector.baseOffset())
                .partitionLeaderEpoch(vector.partitionLeaderEpoch()).producerId(vector.producerId())
                .producerEpoch(vector.producerEpoch()).baseSequence(vector.baseSequence()).newBuilder();
        for (VectorRecord record : vector.records()) {
            builder.append(record.timestampMs(), bytes(record.key()), bytes(record.value()), record.headers());
        }
        return builder.build();
    }

    @Test
    void ourEncoderProducesThePublishedBytesAndThePublishedFileIsCurrent() throws IOException {
        String published = Files.exists(FILE) ? Files.readString(FILE) : "";
        StringBuilder json = new StringBuilder();
        json.append("{\n  \"about\": \"Kafka RecordBatch v2 test vectors for Runnel client authors: docs/record-format.md, "
                + "'Test vectors'. Generated and checked by RecordBatchVectorsTest; hex is lowercase; strings are UTF-8.\",\n"
                + "  \"vectors\": [\n");
        List<Vector> vectors = vectors();
        for (int i = 0; i < vectors.size(); i++) {
            Vector vector = vectors.get(i);
            byte[] batch = bytesOf(encode(vector, vector.compression()));
            byte[] records = bytesOf(encode(vector, CompressionType.NONE));
            byte[] recordsSection = java.util.Arrays.copyOfRange(records, RecordBatch.HEADER_SIZE, records.length);
            if (vector.compression() == CompressionType.GZIP) {
                String publishedHex = field(published, vector.name(), "batch_hex");
                if (publishedHex != null) {
                    byte[] publishedBatch = HEX.parseHex(publishedHex);
                    assertDecodes(vector, publishedBatch, recordsSection);
                    batch = publishedBatch; // the published deflate stream stays; ours may differ by zlib
                }
            }
            assertDecodes(vector, batch, recordsSection);
            json.append(render(vector, batch, recordsSection)).append(i + 1 < vectors.size() ? ",\n" : "\n");
        }
        json.append("  ]\n}\n");
        if (Boolean.getBoolean("vectors.regenerate")) {
            Files.writeString(FILE, json.toString());
        }
        assertThat(published).as("docs/record-batch-vectors.json is out of date; regenerate it (see the class comment)")
                .isEqualTo(json.toString());
    }

    @Test
    void theUncompressedCrcIsTheCrc32cOfEverythingFromTheAttributesOn() {
        ByteBuffer batch = encode(vectors().get(0), CompressionType.NONE);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(batch.array(), batch.arrayOffset() + 21, batch.remaining() - 21);
        assertThat(RecordBatch.readFrom(batch.duplicate()).checksum()).isEqualTo(crc.getValue());
    }

    /** Our decoder and Kafka's read {@code batch} back to the vector's records, with a valid CRC. */
    private static void assertDecodes(Vector vector, byte[] batch, byte[] recordsSection) {
        RecordBatch ours = RecordBatch.readFrom(ByteBuffer.wrap(batch));
        assertThat(ours.isValid()).as(vector.name() + " CRC").isTrue();
        assertThat(ours.compressionType()).isEqualTo(vector.compression());
        assertThat(ours.baseOffset()).isEqualTo(vector.baseOffset());
        assertThat(ours.partitionLeaderEpoch()).isEqualTo(vector.partitionLeaderEpoch());
        List<Record> decoded = new ArrayList<>();
        try (CloseableIterator<Record> records = ours.records()) {
            records.forEachRemaining(decoded::add);
        }
        assertThat(decoded).hasSize(vector.records().size());
        for (int i = 0; i < decoded.size(); i++) {
            VectorRecord expected = vector.records().get(i);
            Record actual = decoded.get(i);
            assertThat(actual.offset()).isEqualTo(vector.baseOffset() + i);
            assertThat(actual.timestamp()).isEqualTo(expected.timestampMs());
            assertThat(text(actual.key())).isEqualTo(expected.key());
            assertThat(text(actual.value())).isEqualTo(expected.value());
            assertThat(actual.headers()).containsExactly(expected.headers());
        }
        if (vector.compression() != CompressionType.NONE) {
            ByteArrayOutputStreamWithRecords section = new ByteArrayOutputStreamWithRecords(ours);
            assertThat(HEX.formatHex(section.bytes)).as(vector.name() + " decompressed records").isEqualTo(HEX.formatHex(recordsSection));
        }
        var kafka = MemoryRecords.readableRecords(ByteBuffer.wrap(batch)).batches().iterator().next();
        kafka.ensureValid();
        assertThat(kafka.checksum()).isEqualTo(ours.checksum());
        int count = 0;
        for (var record : kafka) {
            VectorRecord expected = vector.records().get(count++);
            assertThat(record.timestamp()).isEqualTo(expected.timestampMs());
            assertThat(text(record.key())).isEqualTo(expected.key());
            assertThat(text(record.value())).isEqualTo(expected.value());
            assertThat(record.headers()).hasSize(expected.headers().length);
        }
        assertThat(count).isEqualTo(vector.records().size());
    }

    /** The decompressed records section of a compressed batch: the bytes the codec's input stream yields. */
    private static final class ByteArrayOutputStreamWithRecords {
        final byte[] bytes;

        ByteArrayOutputStreamWithRecords(RecordBatch batch) {
            ByteBuffer compressed = batch.buffer().duplicate();
            compressed.position(compressed.position() + RecordBatch.HEADER_SIZE);
            try (var in = CompressionCodec.of(batch.compressionType(), CompressionCodec.DEFAULT_LEVEL).wrapForInput(compressed.slice())) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static String render(Vector vector, byte[] batch, byte[] recordsSection) {
        RecordBatch header = RecordBatch.readFrom(ByteBuffer.wrap(batch));
        StringBuilder out = new StringBuilder();
        out.append("    {\n");
        out.append("      \"name\": \"").append(vector.name()).append("\",\n");
        out.append("      \"description\": \"").append(vector.description()).append("\",\n");
        out.append("      \"compression\": \"").append(vector.compression().configName).append("\",\n");
        out.append("      \"attributes\": ").append(header.attributes()).append(",\n");
        out.append("      \"base_offset\": ").append(vector.baseOffset()).append(",\n");
        out.append("      \"partition_leader_epoch\": ").append(vector.partitionLeaderEpoch()).append(",\n");
        out.append("      \"producer_id\": ").append(vector.producerId()).append(",\n");
        out.append("      \"producer_epoch\": ").append(vector.producerEpoch()).append(",\n");
        out.append("      \"base_sequence\": ").append(vector.baseSequence()).append(",\n");
        out.append("      \"base_timestamp\": ").append(header.baseTimestamp()).append(",\n");
        out.append("      \"max_timestamp\": ").append(header.maxTimestamp()).append(",\n");
        out.append("      \"records\": [\n");
        for (int i = 0; i < vector.records().size(); i++) {
            VectorRecord record = vector.records().get(i);
            out.append("        {\"timestamp\": ").append(record.timestampMs())
                    .append(", \"key\": ").append(quoted(record.key()))
                    .append(", \"value\": ").append(quoted(record.value()))
                    .append(", \"headers\": [");
            for (int h = 0; h < record.headers().length; h++) {
                Header header1 = record.headers()[h];
                out.append(h == 0 ? "" : ", ").append("{\"key\": ").append(quoted(header1.key())).append(", \"value\": ")
                        .append(header1.value() == null ? "null" : quoted(new String(header1.value(), StandardCharsets.UTF_8)))
                        .append("}");
            }
            out.append("]}").append(i + 1 < vector.records().size() ? "," : "").append("\n");
        }
        out.append("      ],\n");
        out.append("      \"records_hex\": \"").append(HEX.formatHex(recordsSection)).append("\",\n");
        out.append("      \"crc32c\": ").append(header.checksum()).append(",\n");
        out.append("      \"batch_length\": ").append(header.batchLength()).append(",\n");
        out.append("      \"batch_hex\": \"").append(HEX.formatHex(batch)).append("\"\n");
        out.append("    }");
        return out.toString();
    }

    /** The value of {@code key} in the vector named {@code name} of a file this test wrote, or null. */
    private static String field(String json, String name, String key) {
        int start = json.indexOf("\"name\": \"" + name + "\"");
        if (start < 0) {
            return null;
        }
        Matcher m = Pattern.compile("\"" + key + "\": \"([0-9a-f]*)\"").matcher(json);
        return m.find(start) ? m.group(1) : null;
    }

    private static String quoted(String text) {
        return text == null ? "null" : "\"" + text + "\"";
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytesOf(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    private static String text(ByteBuffer bytes) {
        return bytes == null ? null : StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
    }
}
