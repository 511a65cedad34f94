package io.runnel.client.serialization;

import java.nio.ByteBuffer;

/** A long from 8 big-endian bytes. Stateless and thread-safe. */
public final class LongDeserializer implements Deserializer<Long> {
    @Override
    public Long deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length != Long.BYTES) {
            throw new SerializationException("a long needs 8 bytes, got " + data.length + " (topic '" + topic + "')");
        }
        return ByteBuffer.wrap(data).getLong();
    }
}
