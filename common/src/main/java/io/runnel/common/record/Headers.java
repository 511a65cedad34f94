package io.runnel.common.record;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * The headers of one record, in order; keys may repeat (Kafka's {@code Headers}/{@code RecordHeaders}).
 * A producer record's headers may be added to (by the program or its serializers) until the producer has
 * read them; a consumer record's are read-only, and changing them throws {@link IllegalStateException}.
 *
 * <p>Not thread-safe: one thread builds or reads an instance; do not change the headers while iterating.
 */
public final class Headers implements Iterable<Header> {

    private final List<Header> headers;
    private boolean readOnly;

    /** Empty headers, to add to. */
    public Headers() {
        this.headers = new ArrayList<>();
    }

    /** A changeable copy of {@code headers} (null: none). */
    public Headers(Iterable<Header> headers) {
        this.headers = new ArrayList<>();
        if (headers != null) {
            for (Header header : headers) {
                this.headers.add(Objects.requireNonNull(header, "header"));
            }
        }
    }

    /** A changeable copy of {@code headers} (null: none). */
    public Headers(Header[] headers) {
        this(headers == null ? null : Arrays.asList(headers));
    }

    /** Read-only headers holding {@code headers}. */
    public static Headers readOnly(Header[] headers) {
        Headers result = new Headers(headers);
        result.readOnly = true;
        return result;
    }

    /**
     * Appends a header.
     *
     * @throws IllegalStateException when these headers are read-only
     */
    public Headers add(Header header) {
        checkWritable();
        headers.add(Objects.requireNonNull(header, "header"));
        return this;
    }

    /**
     * Appends a header with this key and value (null value allowed: written as length -1).
     *
     * @throws NullPointerException when {@code key} is null
     * @throws IllegalStateException when these headers are read-only
     */
    public Headers add(String key, byte[] value) {
        return add(new Header(key, value));
    }

    /**
     * Removes every header with this key.
     *
     * @throws IllegalStateException when these headers are read-only
     */
    public Headers remove(String key) {
        checkWritable();
        headers.removeIf(h -> h.key().equals(key));
        return this;
    }

    /** The last header with this key, or null when there is none. */
    public Header lastHeader(String key) {
        for (int i = headers.size() - 1; i >= 0; i--) {
            if (headers.get(i).key().equals(key)) {
                return headers.get(i);
            }
        }
        return null;
    }

    /** Every header with this key, in order (a copy). */
    public Iterable<Header> headers(String key) {
        List<Header> matching = new ArrayList<>();
        for (Header header : headers) {
            if (header.key().equals(key)) {
                matching.add(header);
            }
        }
        return matching;
    }

    /** The headers as a new array, in order. */
    public Header[] toArray() {
        return headers.toArray(new Header[0]);
    }

    /** The headers as an unmodifiable list (a copy), in order. */
    public List<Header> toList() {
        return List.copyOf(headers);
    }

    public int size() {
        return headers.size();
    }

    public boolean isEmpty() {
        return headers.isEmpty();
    }

    /** Makes these headers read-only from now on (the producer does so once it has read them). */
    public void setReadOnly() {
        readOnly = true;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    private void checkWritable() {
        if (readOnly) {
            throw new IllegalStateException("these headers are read-only (a record's headers cannot change once"
                    + " it is sent or fetched)");
        }
    }

    /** Iterates in order; {@code remove} through the iterator is refused. */
    @Override
    public Iterator<Header> iterator() {
        return java.util.Collections.unmodifiableList(headers).iterator();
    }

    /** Equal when the same headers (key and value bytes) are in the same order; read-only does not count. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Headers other && headers.equals(other.headers);
    }

    @Override
    public int hashCode() {
        return headers.hashCode();
    }

    @Override
    public String toString() {
        return "Headers" + headers;
    }
}
