package io.runnel.client.serialization;

import io.runnel.common.record.Headers;

/**
 * Turns a key or value into bytes for the producer. Implementations used by a producer are called from
 * every thread that sends, so they must be thread-safe. {@code null} in gives {@code null} out (no key,
 * or a tombstone) unless the implementation says otherwise.
 */
@FunctionalInterface
public interface Serializer<T> {

    byte[] serialize(String topic, T data);

    /** Serializes with access to the record's headers (which may be added to); by default ignores them. */
    default byte[] serialize(String topic, Headers headers, T data) {
        return serialize(topic, data);
    }
}
