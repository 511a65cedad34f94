package io.runnel.client.admin;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** The configs of one resource, by name, in the order the broker listed them. Immutable. */
public final class Config {

    private final Map<String, ConfigEntry> entries;

    public Config(Collection<ConfigEntry> entries) {
        Map<String, ConfigEntry> map = new LinkedHashMap<>();
        entries.forEach(e -> map.put(e.name(), e));
        this.entries = java.util.Collections.unmodifiableMap(map);
    }

    /** The entry named {@code name}, or null. */
    public ConfigEntry get(String name) {
        return entries.get(name);
    }

    public Collection<ConfigEntry> entries() {
        return entries.values();
    }

    @Override
    public String toString() {
        return "Config" + entries.values();
    }
}
