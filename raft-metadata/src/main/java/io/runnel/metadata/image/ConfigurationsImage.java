package io.runnel.metadata.image;

import io.runnel.proto.ResourceType;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Dynamic configuration overrides per resource: only keys set through the metadata log, never
 * defaults. A resource with no override is absent. Immutable and thread-safe.
 */
public final class ConfigurationsImage {

    public static final ConfigurationsImage EMPTY = new ConfigurationsImage(Map.of());

    private final Map<ConfigResourceKey, Map<String, String>> resources;
    /** Derived on first use; racy but safe: every thread computes the same immutable value. */
    private volatile ReplicationThrottles replicationThrottles;

    public ConfigurationsImage(Map<ConfigResourceKey, Map<String, String>> resources) {
        Map<ConfigResourceKey, Map<String, String>> copy = new HashMap<>();
        resources.forEach((key, configs) -> {
            if (!configs.isEmpty()) {
                copy.put(key, Collections.unmodifiableMap(new TreeMap<>(configs)));
            }
        });
        this.resources = Collections.unmodifiableMap(copy);
    }

    /** The topic's dynamic overrides, sorted by key; empty if none. */
    public Map<String, String> topicConfigs(String topic) {
        return configs(ConfigResourceKey.topic(topic));
    }

    /** A broker's dynamic overrides (id as text), or the cluster-wide broker defaults for "". */
    public Map<String, String> brokerConfigs(String brokerIdOrEmptyForDefault) {
        return configs(ConfigResourceKey.broker(brokerIdOrEmptyForDefault));
    }

    public Map<String, String> configs(ConfigResourceKey key) {
        return resources.getOrDefault(key, Map.of());
    }

    /** Every resource that has at least one override. */
    public Map<ConfigResourceKey, Map<String, String>> resources() {
        return resources;
    }

    /** The overrides of {@code type} resources, by resource name. */
    public Map<String, Map<String, String>> resourcesOfType(ResourceType type) {
        Map<String, Map<String, String>> result = new TreeMap<>();
        resources.forEach((key, configs) -> {
            if (key.type() == type) {
                result.put(key.name(), configs);
            }
        });
        return Collections.unmodifiableMap(result);
    }

    /** The replication throttles these configurations set (see {@link ReplicationThrottles}). */
    public ReplicationThrottles replicationThrottles() {
        ReplicationThrottles throttles = replicationThrottles;
        if (throttles == null) {
            throttles = ReplicationThrottles.of(this);
            replicationThrottles = throttles;
        }
        return throttles;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfigurationsImage other && resources.equals(other.resources);
    }

    @Override
    public int hashCode() {
        return Objects.hash(resources);
    }

    @Override
    public String toString() {
        return "ConfigurationsImage" + resources;
    }
}
