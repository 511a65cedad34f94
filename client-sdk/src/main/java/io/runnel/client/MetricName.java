package io.runnel.client;

import java.util.Map;
import java.util.Objects;

/**
 * A client metric's identity, as Kafka names them: a name, the group it belongs to, and tags (e.g.
 * {@code records-lag} in {@code consumer-fetch-manager-metrics} with {@code topic} and {@code partition}).
 * Immutable.
 */
public record MetricName(String name, String group, Map<String, String> tags) {

    public MetricName {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(group, "group");
        tags = Map.copyOf(tags);
    }
}
