package io.runnel.client.serialization;

import io.runnel.common.record.Headers;

/**
 * Turns the bytes of a fetched key or value back into an object. Called on the consumer's thread only.
 * {@code null} bytes (no key, or a tombstone) give {@code null}.
 */
@FunctionalInterface
public interface Deserializer<T> {

    T deserialize(String topic, byte[] data);

    /** Deserializes with access to the record's headers; by default ignores them. */
    default T deserialize(String topic, Headers headers, byte[] data) {
        return deserialize(topic, data);
    }
}
