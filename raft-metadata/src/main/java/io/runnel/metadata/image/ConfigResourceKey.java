package io.runnel.metadata.image;

import io.runnel.proto.ResourceType;
import java.util.Objects;

/** A resource that has dynamic configuration: a topic by name, a broker by id as text, or "" for broker defaults. Immutable. */
public record ConfigResourceKey(ResourceType type, String name) {

    public ConfigResourceKey {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
    }

    public static ConfigResourceKey topic(String name) {
        return new ConfigResourceKey(ResourceType.TOPIC, name);
    }

    public static ConfigResourceKey broker(String idOrEmptyForDefault) {
        return new ConfigResourceKey(ResourceType.BROKER, idOrEmptyForDefault);
    }
}
