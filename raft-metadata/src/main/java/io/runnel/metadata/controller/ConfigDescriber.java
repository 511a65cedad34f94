package io.runnel.metadata.controller;

import io.runnel.common.config.BrokerDynamicConfig;
import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.TopicConfig;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.ConfigEntry;
import io.runnel.proto.ConfigResource;
import io.runnel.proto.ConfigSource;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.DescribeConfigsResponse;
import io.runnel.proto.DescribeConfigsResult;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * DescribeConfigs from an image: every topic key with its effective value and where it comes from,
 * most specific first: DYNAMIC_TOPIC_CONFIG (the topic's override), DYNAMIC_DEFAULT_BROKER_CONFIG (set
 * on the BROKER resource ""), STATIC_BROKER_CONFIG ({@code clusterDefaults}, the static configuration
 * of the node answering), DEFAULT_CONFIG (Kafka's default). Broker resources list the server keys the
 * same way, with DYNAMIC_BROKER_CONFIG for a key set on that broker id, and the dynamic-only keys of
 * {@link BrokerDynamicConfig} (override, then cluster-wide default, then their default). A read: no
 * records. Stateless; thread-safe.
 */
final class ConfigDescriber {

    private record Resolved(String value, ConfigSource source) {
    }

    private ConfigDescriber() {
    }

    static DescribeConfigsResponse describeConfigs(MetadataImage image, DescribeConfigsRequest request,
                                                   Map<String, String> clusterDefaults) {
        DescribeConfigsResponse.Builder response = DescribeConfigsResponse.newBuilder();
        for (ConfigResource resource : request.getResourcesList()) {
            DescribeConfigsResult.Builder result = DescribeConfigsResult.newBuilder()
                    .setTypeValue(resource.getTypeValue()).setName(resource.getName()).setError(ErrorCode.NONE);
            if (resource.getType() == ResourceType.TOPIC) {
                if (image.topics().getTopic(resource.getName()) == null) {
                    result.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                            .setErrorMessage("topic " + io.runnel.common.errors.ErrorText.quote(resource.getName()) + " does not exist");
                } else {
                    result.addAllEntries(topicEntries(image, resource, clusterDefaults, request.getIncludeDocumentation()));
                }
            } else if (resource.getType() == ResourceType.BROKER && isBrokerName(resource.getName())) {
                result.addAllEntries(brokerEntries(image, resource, clusterDefaults, request.getIncludeDocumentation()));
            } else {
                result.setError(ErrorCode.INVALID_REQUEST).setErrorMessage("cannot describe " + resource.getType()
                        + " " + io.runnel.common.errors.ErrorText.quote(resource.getName()));
            }
            response.addResults(result);
        }
        return response.build();
    }

    private static boolean isBrokerName(String name) {
        return name.isEmpty() || name.chars().allMatch(Character::isDigit) && name.length() <= 9;
    }

    private static List<ConfigEntry> topicEntries(MetadataImage image, ConfigResource resource,
                                                  Map<String, String> clusterDefaults, boolean documentation) {
        Map<String, String> overrides = image.configs().topicConfigs(resource.getName());
        Map<String, String> dynamicDefaults = image.configs().brokerConfigs("");
        List<ConfigEntry> entries = new ArrayList<>();
        for (ConfigDef.ConfigKey key : keysByName().values()) {
            if (!wanted(resource, key.name())) {
                continue;
            }
            String brokerKey = TopicConfig.serverDefaultKey(key.name()).orElse(null);
            Resolved resolved = resolve(key.name(), Optional.ofNullable(overrides.get(key.name())),
                    ConfigSource.DYNAMIC_TOPIC_CONFIG, brokerKey, dynamicDefaults, clusterDefaults);
            entries.add(entry(key.name(), resolved, key, documentation));
        }
        return entries;
    }

    private static List<ConfigEntry> brokerEntries(MetadataImage image, ConfigResource resource,
                                                   Map<String, String> clusterDefaults, boolean documentation) {
        Map<String, String> overrides = resource.getName().isEmpty() ? Map.of()
                : image.configs().brokerConfigs(resource.getName());
        Map<String, String> dynamicDefaults = image.configs().brokerConfigs("");
        Map<String, ConfigDef.ConfigKey> brokerKeys = new TreeMap<>();
        TopicConfig.serverDefaultKeys().forEach((topicKey, brokerKey) ->
                brokerKeys.put(brokerKey, TopicConfig.DEFINITION.key(topicKey).orElseThrow()));
        brokerKeys.put(ControllerContext.NUM_PARTITIONS, null);
        brokerKeys.put(ControllerContext.DEFAULT_REPLICATION_FACTOR, null);
        List<ConfigEntry> entries = new ArrayList<>();
        brokerKeys.forEach((brokerKey, topicKey) -> {
            if (!wanted(resource, brokerKey)) {
                return;
            }
            Resolved resolved = resolve(topicKey == null ? null : topicKey.name(),
                    Optional.ofNullable(overrides.get(brokerKey)), ConfigSource.DYNAMIC_BROKER_CONFIG, brokerKey,
                    dynamicDefaults, clusterDefaults);
            if (resolved.value() == null) {
                resolved = new Resolved(String.valueOf(brokerKey.equals(ControllerContext.NUM_PARTITIONS)
                        ? ControllerContext.NUM_PARTITIONS_DEFAULT : ControllerContext.DEFAULT_REPLICATION_FACTOR_DEFAULT),
                        ConfigSource.DEFAULT_CONFIG);
            }
            entries.add(entry(brokerKey, resolved, topicKey, documentation));
        });
        for (ConfigDef.ConfigKey key : BrokerDynamicConfig.DEFINITION.configKeys()) {
            if (wanted(resource, key.name())) {
                Resolved resolved;
                if (overrides.containsKey(key.name())) {
                    resolved = new Resolved(overrides.get(key.name()), ConfigSource.DYNAMIC_BROKER_CONFIG);
                } else if (dynamicDefaults.containsKey(key.name())) {
                    resolved = new Resolved(dynamicDefaults.get(key.name()), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
                } else {
                    resolved = new Resolved(String.valueOf(key.defaultValue()), ConfigSource.DEFAULT_CONFIG);
                }
                entries.add(entry(key.name(), resolved, key, documentation));
            }
        }
        entries.sort(java.util.Comparator.comparing(ConfigEntry::getName));
        return entries;
    }

    /** Resolves a value: the resource's own override, then the dynamic and static cluster defaults, then Kafka's. */
    private static Resolved resolve(String topicKey, Optional<String> override, ConfigSource overrideSource,
                                    String brokerKey, Map<String, String> dynamicDefaults,
                                    Map<String, String> clusterDefaults) {
        if (override.isPresent()) {
            return new Resolved(override.get(), overrideSource);
        }
        if (brokerKey != null && dynamicDefaults.containsKey(brokerKey)) {
            return new Resolved(dynamicDefaults.get(brokerKey), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        }
        if (brokerKey != null && clusterDefaults.containsKey(brokerKey)) {
            return new Resolved(clusterDefaults.get(brokerKey), ConfigSource.STATIC_BROKER_CONFIG);
        }
        return new Resolved(topicKey == null ? null : ConfigurationControlManager.definitionDefault(topicKey),
                ConfigSource.DEFAULT_CONFIG);
    }

    private static boolean wanted(ConfigResource resource, String key) {
        return resource.getKeysCount() == 0 || resource.getKeysList().contains(key);
    }

    private static Map<String, ConfigDef.ConfigKey> keysByName() {
        Map<String, ConfigDef.ConfigKey> keys = new TreeMap<>();
        TopicConfig.DEFINITION.configKeys().forEach(key -> keys.put(key.name(), key));
        return keys;
    }

    private static ConfigEntry entry(String name, Resolved resolved, ConfigDef.ConfigKey key, boolean documentation) {
        ConfigEntry.Builder entry = ConfigEntry.newBuilder().setName(name).setValue(resolved.value())
                .setSource(resolved.source()).setReadOnly(false).setSensitive(false)
                .setType(key == null ? ConfigDef.Type.INT.name() : key.type().name());
        if (documentation && key != null) {
            entry.setDocumentation(key.documentation());
        }
        return entry.build();
    }
}
