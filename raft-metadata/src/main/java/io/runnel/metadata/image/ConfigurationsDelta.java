package io.runnel.metadata.image;

import io.runnel.proto.ResourceType;
import io.runnel.proto.metadata.ConfigRecord;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Dynamic-config changes replayed on top of a {@link ConfigurationsImage}. Not thread-safe. */
public final class ConfigurationsDelta {

    private final ConfigurationsImage base;
    /** Resource -> all of its overrides after this delta (an empty map: none left). */
    private final Map<ConfigResourceKey, Map<String, String>> changed = new HashMap<>();

    public ConfigurationsDelta(ConfigurationsImage base) {
        this.base = base;
    }

    public ConfigurationsImage base() {
        return base;
    }

    /** Resources with at least one key set or removed by this delta. */
    public Set<ConfigResourceKey> changedResources() {
        return Collections.unmodifiableSet(changed.keySet());
    }

    /** The resource's overrides as of this delta. */
    public Map<String, String> configs(ConfigResourceKey resource) {
        Map<String, String> configs = changed.get(resource);
        return configs != null ? Collections.unmodifiableMap(configs) : base.configs(resource);
    }

    void replay(ConfigRecord record) {
        if (record.getResourceType() != ResourceType.TOPIC && record.getResourceType() != ResourceType.BROKER) {
            throw new IllegalStateException("resource type " + record.getResourceType() + " has no configuration");
        }
        if (record.getName().isEmpty()) {
            throw new IllegalStateException("the configuration key is empty");
        }
        ConfigResourceKey resource = new ConfigResourceKey(record.getResourceType(), record.getResourceName());
        Map<String, String> configs = changed.computeIfAbsent(resource, r -> new TreeMap<>(base.configs(r)));
        if (record.hasValue()) {
            configs.put(record.getName(), record.getValue());
        } else {
            configs.remove(record.getName());
        }
    }

    /** Removes every override of a resource (a deleted topic's configs do not outlive it). */
    void deleteResource(ConfigResourceKey resource) {
        if (!configs(resource).isEmpty()) {
            changed.put(resource, new TreeMap<>());
        }
    }

    public ConfigurationsImage apply() {
        if (changed.isEmpty()) {
            return base;
        }
        Map<ConfigResourceKey, Map<String, String>> resources = new HashMap<>(base.resources());
        resources.putAll(changed);
        return new ConfigurationsImage(resources);
    }
}
