package io.runnel.client.admin;

import java.util.Objects;

/** Something with configs: a topic (by name) or a broker (by id as text). Immutable. */
public record ConfigResource(Type type, String name) {

    public enum Type { TOPIC, BROKER }

    public ConfigResource {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
    }

    public static ConfigResource topic(String name) {
        return new ConfigResource(Type.TOPIC, name);
    }
}
