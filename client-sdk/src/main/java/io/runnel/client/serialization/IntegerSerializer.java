package io.runnel.client.serialization;

import java.nio.ByteBuffer;

/** An int as 4 big-endian bytes, like Kafka's IntegerSerializer. Stateless and thread-safe. */
public final class IntegerSerializer implements Serializer<Integer> {
    @Override
    public byte[] serialize(String topic, Integer data) {
        return data == null ? null : ByteBuffer.allocate(Integer.BYTES).putInt(data).array();
    }
}
