package io.runnel.common.record;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One record header: a non-null key, UTF-8 on the wire, and an optional value ({@code null} is written
 * as length -1 and read back as {@code null}, distinct from an empty array).
 *
 * <p>Equality compares the value's bytes, not the array's identity. The value array is not copied, so
 * a Header is immutable only as long as nobody writes into that array; headers read from a batch own
 * their arrays.
 */
public record Header(String key, byte[] value) {

    public Header {
        Objects.requireNonNull(key, "header key");
    }

    /** A header whose value is {@code value} encoded as UTF-8; {@code null} stays null. */
    public static Header ofString(String key, String value) {
        return new Header(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header other && key.equals(other.key) && Arrays.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header(" + key + "=" + (value == null ? "null" : value.length + " bytes") + ")";
    }
}
