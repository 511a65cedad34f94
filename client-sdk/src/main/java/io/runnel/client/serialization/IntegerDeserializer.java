package io.runnel.client.serialization;

import java.nio.ByteBuffer;

/** An int from 4 big-endian bytes. Stateless and thread-safe. */
public final class IntegerDeserializer implements Deserializer<Integer> {
    @Override
    public Integer deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length != Integer.BYTES) {
            throw new SerializationException("an int needs 4 bytes, got " + data.length + " (topic '" + topic + "')");
        }
        return ByteBuffer.wrap(data).getInt();
    }
}
