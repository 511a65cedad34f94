package io.runnel.rpc;

import io.runnel.common.InternalTopics;
import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.TopicConfig;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.ConfigSource;
import io.runnel.storage.LogConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A topic's effective configuration, with Kafka's precedence: the topic's own override, then a
 * cluster-wide dynamic default, then this node's static file, then the built-in default. An internal
 * topic's own defaults ({@link InternalTopics#defaultConfigs}: {@code __consumer_offsets} is compacted)
 * rank just below its overrides, as the topic-level configs Kafka creates it with would, and are
 * reported as defaults. Used for the logs' {@link LogConfig} and for DescribeConfigs, so both always
 * agree. Immutable, thread-safe.
 */
public final class TopicConfigResolver {

    /** One resolved key: its value (null when none) and where it came from. */
    public record Resolved(String value, ConfigSource source) {
    }

    private final Map<String, String> staticDefaults;

    /** @param settings this node's settings; the cluster-wide topic defaults it sets (log.retention.ms, ...) count */
    public TopicConfigResolver(ServerConfig settings) {
        this.staticDefaults = settings.topicDefaults();
    }

    public Map<String, Resolved> resolve(MetadataImage image, String topic) {
        Map<String, String> overrides = image.configs().topicConfigs(topic);
        Map<String, String> clusterDefaults = image.configs().brokerConfigs("");
        Map<String, String> internalDefaults = InternalTopics.defaultConfigs(topic);
        Map<String, Resolved> resolved = new LinkedHashMap<>();
        List<ConfigDef.ConfigKey> keys = TopicConfig.DEFINITION.configKeys().stream()
                .sorted(java.util.Comparator.comparing(ConfigDef.ConfigKey::name)).toList();
        for (ConfigDef.ConfigKey key : keys) {
            String serverKey = TopicConfig.serverDefaultKey(key.name()).orElse(null);
            if (overrides.containsKey(key.name())) {
                resolved.put(key.name(), new Resolved(overrides.get(key.name()), ConfigSource.DYNAMIC_TOPIC_CONFIG));
            } else if (internalDefaults.containsKey(key.name())) {
                resolved.put(key.name(), new Resolved(internalDefaults.get(key.name()), ConfigSource.DEFAULT_CONFIG));
            } else if (serverKey != null && clusterDefaults.containsKey(serverKey)) {
                resolved.put(key.name(), new Resolved(clusterDefaults.get(serverKey), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG));
            } else if (staticDefaults.containsKey(key.name())) {
                resolved.put(key.name(), new Resolved(staticDefaults.get(key.name()), ConfigSource.STATIC_BROKER_CONFIG));
            } else {
                resolved.put(key.name(), new Resolved(format(key.defaultValue()), ConfigSource.DEFAULT_CONFIG));
            }
        }
        return resolved;
    }

    public LogConfig logConfig(MetadataImage image, String topic) {
        Map<String, String> values = new LinkedHashMap<>();
        resolve(image, topic).forEach((key, resolved) -> {
            boolean internalDefault = InternalTopics.defaultConfigs(topic).containsKey(key);
            if ((resolved.source() != ConfigSource.DEFAULT_CONFIG || internalDefault) && resolved.value() != null) {
                values.put(key, resolved.value());
            }
        });
        return LogConfig.fromMap(values);
    }

    static String format(Object value) {
        if (value == null || value == ConfigDef.NO_DEFAULT) {
            return null;
        }
        if (value instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return String.valueOf(value);
    }
}
