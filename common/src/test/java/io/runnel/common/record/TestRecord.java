package io.runnel.common.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The inputs of one appended record, and helpers to build batches of them and check what is read back. */
record TestRecord(long timestamp, byte[] key, byte[] value, Header[] headers) {

    static TestRecord of(long timestamp, String key, String value, Header... headers) {
        return new TestRecord(timestamp, utf8(key), utf8(value), headers);
    }

    static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** A copy of the remaining bytes, or null. */
    static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** Builds one batch with {@code spec} holding {@code records}. */
    static ByteBuffer build(RecordBatchBuilder.Spec spec, List<TestRecord> records) {
        RecordBatchBuilder builder = spec.newBuilder();
        for (TestRecord r : records) {
            builder.append(r.timestamp, r.key, r.value, r.headers);
        }
        return builder.build();
    }

    /** All records of a batch, read through {@link RecordBatch#records()}. */
    static List<Record> readAll(RecordBatch batch) {
        List<Record> records = new ArrayList<>();
        try (CloseableIterator<Record> it = batch.records()) {
            it.forEachRemaining(records::add);
        }
        return records;
    }

    /** Asserts that {@code actual} carries exactly the inputs of {@code this} at {@code offset}. */
    void assertReadAs(Record actual, long offset) {
        assertThat(actual.offset()).as("offset").isEqualTo(offset);
        assertThat(actual.timestamp()).as("timestamp of offset %d", offset).isEqualTo(timestamp);
        assertThat(actual.hasKey()).as("hasKey").isEqualTo(key != null);
        assertThat(actual.hasValue()).as("hasValue").isEqualTo(value != null);
        assertThat(bytes(actual.key())).as("key of offset %d", offset).isEqualTo(key);
        assertThat(bytes(actual.value())).as("value of offset %d", offset).isEqualTo(value);
        Header[] expectedHeaders = headers == null ? new Header[0] : headers;
        assertThat(actual.headers()).as("headers of offset %d", offset).containsExactly(expectedHeaders);
    }

    @Override
    public String toString() {
        return "TestRecord(ts=" + timestamp + ", key=" + Arrays.toString(key) + ", value="
                + (value == null ? "null" : value.length + "B") + ", headers=" + Arrays.toString(headers) + ")";
    }

    /** A varied set: headers with null and empty values, null key, null value, empty value, a large value. */
    static List<TestRecord> sample() {
        List<TestRecord> records = new ArrayList<>();
        records.add(of(1_700_000_000_000L, "k0", "v0", Header.ofString("trace", "abc"), new Header("null-value", null)));
        records.add(of(1_700_000_000_005L, null, "no key"));
        records.add(of(1_699_999_999_000L, "tombstone", null));
        records.add(new TestRecord(1_700_000_000_010L, utf8("empty value"), new byte[0], null));
        records.add(new TestRecord(1_700_000_000_010L, new byte[0], utf8("empty key"), new Header[0]));
        records.add(of(1_700_000_900_000L, "unicode", "ключ ü 🙂", Header.ofString("ключ-ü", "значение"),
                new Header("empty", new byte[0])));
        records.add(of(RecordBatch.NO_TIMESTAMP, "no timestamp", "v"));
        byte[] large = new byte[150_000];
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) (i * 31 + (i >> 7));
        }
        records.add(new TestRecord(1_700_000_000_020L, utf8("large"), large, new Header[] {new Header("h", large)}));
        for (int i = 0; i < 50; i++) {
            records.add(of(1_700_000_000_100L + i, "key-" + i, "value-" + i + "-" + "x".repeat(i)));
        }
        return records;
    }
}
