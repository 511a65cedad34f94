package io.runnel.metadata.controller;

import io.runnel.common.config.BrokerDynamicConfig;
import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;
import io.runnel.common.config.Setting;
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
 * on the BROKER resource ""), STATIC_BROKER_CONFIG (set in the static configuration of the node
 * answering), DEFAULT_CONFIG (the declared default). Broker resources list the server keys the
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
                                                   ServerConfig settings) {
        DescribeConfigsResponse.Builder response = DescribeConfigsResponse.newBuilder();
        for (ConfigResource resource : request.getResourcesList()) {
            DescribeConfigsResult.Builder result = DescribeConfigsResult.newBuilder()
                    .setTypeValue(resource.getTypeValue()).setName(resource.getName()).setError(ErrorCode.NONE);
            if (resource.getType() == ResourceType.TOPIC) {
                if (image.topics().getTopic(resource.getName()) == null) {
                    result.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                            .setErrorMessage("topic " + io.runnel.common.errors.ErrorText.quote(resource.getName()) + " does not exist");
                } else {
                    result.addAllEntries(topicEntries(image, resource, settings, request.getIncludeDocumentation()));
                }
            } else if (resource.getType() == ResourceType.BROKER && isBrokerName(resource.getName())) {
                result.addAllEntries(brokerEntries(image, resource, settings, request.getIncludeDocumentation()));
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
                                                  ServerConfig settings, boolean documentation) {
        Map<String, String> overrides = image.configs().topicConfigs(resource.getName());
        Map<String, String> dynamicDefaults = image.configs().brokerConfigs("");
        List<ConfigEntry> entries = new ArrayList<>();
        for (ConfigDef.ConfigKey key : keysByName().values()) {
            if (!wanted(resource, key.name())) {
                continue;
            }
            Setting<?> serverSetting = ServerSettings.topicDefaultSettings().get(key.name());
            Resolved resolved = resolve(key.name(), Optional.ofNullable(overrides.get(key.name())),
                    ConfigSource.DYNAMIC_TOPIC_CONFIG, serverSetting, dynamicDefaults, settings);
            entries.add(entry(key.name(), resolved, key, documentation));
        }
        return entries;
    }

    private static List<ConfigEntry> brokerEntries(MetadataImage image, ConfigResource resource,
                                                   ServerConfig settings, boolean documentation) {
        Map<String, String> overrides = resource.getName().isEmpty() ? Map.of()
                : image.configs().brokerConfigs(resource.getName());
        Map<String, String> dynamicDefaults = image.configs().brokerConfigs("");
        // The server keys a BROKER resource may set: the topic defaults and the two topic-creation defaults.
        Map<String, Setting<?>> brokerKeys = new TreeMap<>();
        ServerSettings.topicDefaultSettings().values().forEach(setting -> brokerKeys.put(setting.key(), setting));
        brokerKeys.put(ServerSettings.NUM_PARTITIONS.key(), ServerSettings.NUM_PARTITIONS);
        brokerKeys.put(ServerSettings.DEFAULT_REPLICATION_FACTOR.key(), ServerSettings.DEFAULT_REPLICATION_FACTOR);
        List<ConfigEntry> entries = new ArrayList<>();
        brokerKeys.forEach((brokerKey, setting) -> {
            if (!wanted(resource, brokerKey)) {
                return;
            }
            Resolved resolved = resolve(null, Optional.ofNullable(overrides.get(brokerKey)), ConfigSource.DYNAMIC_BROKER_CONFIG,
                    setting, dynamicDefaults, settings);
            entries.add(entry(brokerKey, resolved, setting.type(), setting.documentation(), documentation));
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

    /**
     * Resolves a value: the resource's own override, then the dynamic cluster default, then the node's static
     * setting ({@code serverSetting}: set in its file, else its declared default), else the topic key's default.
     */
    private static Resolved resolve(String topicKey, Optional<String> override, ConfigSource overrideSource,
                                    Setting<?> serverSetting, Map<String, String> dynamicDefaults, ServerConfig settings) {
        if (override.isPresent()) {
            return new Resolved(override.get(), overrideSource);
        }
        if (serverSetting != null && dynamicDefaults.containsKey(serverSetting.key())) {
            return new Resolved(dynamicDefaults.get(serverSetting.key()), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        }
        if (serverSetting != null) {
            return new Resolved(settings.text(serverSetting),
                    settings.isSet(serverSetting) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG);
        }
        return new Resolved(ConfigurationControlManager.definitionDefault(topicKey), ConfigSource.DEFAULT_CONFIG);
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
        return entry(name, resolved, key.type(), key.documentation(), documentation);
    }

    private static ConfigEntry entry(String name, Resolved resolved, ConfigDef.Type type, String doc, boolean documentation) {
        ConfigEntry.Builder entry = ConfigEntry.newBuilder().setName(name).setValue(resolved.value())
                .setSource(resolved.source()).setReadOnly(false).setSensitive(false).setType(type.name());
        if (documentation) {
            entry.setDocumentation(doc);
        }
        return entry.build();
    }
}
