package io.runnel.client.serialization;

import java.nio.charset.StandardCharsets;

/** A String from UTF-8 bytes. Stateless and thread-safe. */
public final class StringDeserializer implements Deserializer<String> {
    @Override
    public String deserialize(String topic, byte[] data) {
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    }
}
