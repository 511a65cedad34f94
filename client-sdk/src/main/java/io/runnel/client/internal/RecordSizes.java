package io.runnel.client.internal;

import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatch;
import java.nio.charset.StandardCharsets;

/** Upper bounds on the bytes a record takes in a v2 batch, for size checks before it is appended. Stateless. */
public final class RecordSizes {

    private static final int VARINT_MAX = 5;
    private static final int VARLONG_MAX = 10;

    private RecordSizes() {
    }

    /** Bytes a batch holding only this record can take, uncompressed: header + record with varints at their widest. */
    public static int batchUpperBound(byte[] key, byte[] value, Header[] headers) {
        long size = RecordBatch.HEADER_SIZE + VARINT_MAX + 1 + VARLONG_MAX + VARINT_MAX
                + VARINT_MAX + length(key) + VARINT_MAX + length(value) + VARINT_MAX;
        if (headers != null) {
            for (Header header : headers) {
                size += VARINT_MAX + header.key().getBytes(StandardCharsets.UTF_8).length + VARINT_MAX
                        + length(header.value());
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }
}
