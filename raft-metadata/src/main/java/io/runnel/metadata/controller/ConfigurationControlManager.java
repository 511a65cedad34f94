package io.runnel.metadata.controller;

import io.runnel.common.config.BrokerDynamicConfig;
import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ConfigException;
import io.runnel.common.config.ServerSettings;
import io.runnel.common.config.TopicConfig;
import io.runnel.common.errors.ApiException;
import io.runnel.metadata.image.ConfigResourceKey;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterConfigsResponse;
import io.runnel.proto.AlterConfigsResult;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ResourceType;
import io.runnel.proto.metadata.ConfigRecord;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Dynamic configuration decisions: incremental AlterConfigs of topics and brokers, and the effective
 * value of a topic key. A topic key resolves, most specific first, to the topic's override, the
 * dynamic cluster-wide broker default (BROKER resource ""), the controller's static cluster default
 * ({@link ControllerContext#settings()}), and Kafka's default. Broker resources accept the
 * server keys of topic configs ({@code log.retention.ms}, ...), {@code num.partitions},
 * {@code default.replication.factor} and the dynamic-only keys of
 * {@link BrokerDynamicConfig} (the replication throttle rates). Stateless; thread-safe.
 */
final class ConfigurationControlManager {

    /** Broker key -> the topic key whose definition validates it. */
    private static final Map<String, String> TOPIC_KEY_OF_BROKER_KEY = new HashMap<>();

    static {
        TopicConfig.serverDefaultKeys().forEach((topicKey, brokerKey) -> TOPIC_KEY_OF_BROKER_KEY.put(brokerKey, topicKey));
    }

    private ConfigurationControlManager() {
    }

    /** The topic key whose cluster-wide default a broker key sets, or null. */
    static String topicKeyOfBrokerKey(String brokerKey) {
        return TOPIC_KEY_OF_BROKER_KEY.get(brokerKey);
    }

    /** The value of a topic key for {@code topic} as the controller resolves it (see the class comment). */
    static String effectiveTopicConfig(MetadataImage image, String topic, String topicKey, ControllerContext ctx) {
        String override = image.configs().topicConfigs(topic).get(topicKey);
        if (override != null) {
            return override;
        }
        Optional<String> brokerKey = TopicConfig.serverDefaultKey(topicKey);
        if (brokerKey.isPresent()) {
            String dynamic = image.configs().brokerConfigs("").get(brokerKey.get());
            if (dynamic != null) {
                return dynamic;
            }
        }
        return ctx.topicDefault(topicKey).orElseGet(() -> definitionDefault(topicKey));
    }

    static boolean uncleanLeaderElectionEnabled(MetadataImage image, String topic, ControllerContext ctx) {
        String value = effectiveTopicConfig(image, topic, TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE, ctx);
        try {
            return (Boolean) TopicConfig.DEFINITION.parseValue(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE, value);
        } catch (ConfigException e) {
            // Values are checked when written; one that is not true/false never allows losing data.
            return false;
        }
    }

    /** Kafka's default of a topic key, as text (lists comma-separated). */
    static String definitionDefault(String topicKey) {
        Object value = TopicConfig.DEFINITION.key(topicKey).map(ConfigDef.ConfigKey::defaultValue)
                .orElseThrow(() -> new IllegalArgumentException("unknown topic configuration " + topicKey));
        return value instanceof List<?> list ? String.join(",", list.stream().map(String::valueOf).toList())
                : String.valueOf(value);
    }

    /** ConfigRecords that set each of {@code configs} on a topic, sorted by key. */
    static List<MetadataRecord> setTopicConfigRecords(String topic, Map<String, String> configs) {
        List<MetadataRecord> records = new ArrayList<>();
        new TreeMap<>(configs).forEach((key, value) -> records.add(configRecord(ResourceType.TOPIC, topic, key, value)));
        return records;
    }

    /** ConfigRecords that remove every override of a topic. */
    static List<MetadataRecord> deleteTopicConfigRecords(MetadataImage image, String topic) {
        List<MetadataRecord> records = new ArrayList<>();
        image.configs().topicConfigs(topic).keySet()
                .forEach(key -> records.add(configRecord(ResourceType.TOPIC, topic, key, null)));
        return records;
    }

    private static MetadataRecord configRecord(ResourceType type, String name, String key, String value) {
        ConfigRecord.Builder record = ConfigRecord.newBuilder().setResourceType(type).setResourceName(name).setName(key);
        if (value != null) {
            record.setValue(value);
        }
        return MetadataRecord.newBuilder().setConfig(record).build();
    }

    static ControllerResult<AlterConfigsResponse> incrementalAlterConfigs(MetadataImage image, AlterConfigsRequest request,
                                                                          ControllerContext ctx) {
        List<MetadataRecord> records = new ArrayList<>();
        AlterConfigsResponse.Builder response = AlterConfigsResponse.newBuilder();
        Set<ConfigResourceKey> seen = new HashSet<>();
        for (AlterConfigsResource resource : request.getResourcesList()) {
            AlterConfigsResult.Builder result = AlterConfigsResult.newBuilder()
                    .setTypeValue(resource.getTypeValue()).setName(resource.getName()).setError(ErrorCode.NONE);
            try {
                if (!seen.add(new ConfigResourceKey(resource.getType(), resource.getName()))) {
                    throw new ApiException(ErrorCode.INVALID_REQUEST, "resource " + resource.getType() + " '"
                            + resource.getName() + "' appears more than once in the request");
                }
                List<MetadataRecord> changes = alterResource(image, resource, ctx);
                if (!request.getValidateOnly()) {
                    records.addAll(changes);
                }
            } catch (ApiException e) {
                result.setError(e.code()).setErrorMessage(e.getMessage());
            }
            response.addResults(result);
        }
        if (records.stream().anyMatch(ConfigurationControlManager::touchesUncleanElection)) {
            // Partitions waiting for an in-sync replica may now take any live one (Kafka does the same).
            records.addAll(ReplicationControlManager.electLeaderless(QuorumControllerLogic.imageAfter(image, records), ctx));
        }
        return ControllerResult.of(records, response.build());
    }

    private static boolean touchesUncleanElection(MetadataRecord record) {
        return record.getConfig().getName().equals(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE);
    }

    private static List<MetadataRecord> alterResource(MetadataImage image, AlterConfigsResource resource,
                                                      ControllerContext ctx) {
        ConfigResourceKey key = new ConfigResourceKey(resource.getType(), resource.getName());
        switch (resource.getType()) {
            case TOPIC -> {
                if (image.topics().getTopic(resource.getName()) == null) {
                    throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                            "topic '" + resource.getName() + "' does not exist");
                }
            }
            case BROKER -> validateBrokerName(resource.getName());
            default -> throw new ApiException(ErrorCode.INVALID_REQUEST,
                    "resource type " + resource.getType() + " has no configuration");
        }
        Map<String, String> current = image.configs().configs(key);
        Map<String, String> updated = new TreeMap<>(current);
        Set<String> keys = new HashSet<>();
        for (AlterableConfig op : resource.getConfigsList()) {
            if (!keys.add(op.getName())) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "configuration '" + op.getName()
                        + "' appears more than once for " + resource.getType() + " '" + resource.getName() + "'");
            }
            String definingKey = definingTopicKey(resource.getType(), op.getName());
            switch (op.getOp()) {
                case SET -> updated.put(op.getName(), op.getValue());
                case DELETE -> updated.remove(op.getName());
                case APPEND, SUBTRACT -> updated.put(op.getName(),
                        appendOrSubtract(image, resource, op, definingKey, current, ctx));
                default -> throw new ApiException(ErrorCode.INVALID_REQUEST,
                        "unknown operation " + op.getOp() + " on configuration '" + op.getName() + "'");
            }
        }
        for (Map.Entry<String, String> entry : updated.entrySet()) {
            validateValue(resource.getType(), entry.getKey(), entry.getValue());
        }
        // One record per key whose value changes, in request order (each key appears once, checked above).
        List<MetadataRecord> records = new ArrayList<>();
        for (AlterableConfig op : resource.getConfigsList()) {
            String after = updated.get(op.getName());
            if (!Objects.equals(current.get(op.getName()), after)) {
                records.add(configRecord(resource.getType(), resource.getName(), op.getName(), after));
            }
        }
        return records;
    }

    private static void validateBrokerName(String name) {
        if (name.isEmpty()) {
            return;
        }
        try {
            if (Integer.parseInt(name) >= 0) {
                return;
            }
        } catch (NumberFormatException e) {
            // Falls through to the error below.
        }
        throw new ApiException(ErrorCode.INVALID_REQUEST,
                "broker resource '" + name + "' is neither a broker id nor \"\" (the cluster-wide default)");
    }

    /**
     * The topic key whose definition types and validates {@code key} on a resource of {@code type}, or null
     * for a broker's int setting or dynamic-only key; ConfigException for a key the resource does not have.
     */
    private static String definingTopicKey(ResourceType type, String key) {
        if (type == ResourceType.TOPIC) {
            if (TopicConfig.DEFINITION.key(key).isEmpty()) {
                throw new ConfigException("unknown configuration '" + key + "'");
            }
            return key;
        }
        if (key.equals(ServerSettings.NUM_PARTITIONS.key()) || key.equals(ServerSettings.DEFAULT_REPLICATION_FACTOR.key())
                || BrokerDynamicConfig.isDynamicOnly(key)) {
            return null;
        }
        String topicKey = TOPIC_KEY_OF_BROKER_KEY.get(key);
        if (topicKey == null) {
            throw new ConfigException("unknown or read-only broker configuration '" + key + "'");
        }
        return topicKey;
    }

    private static void validateValue(ResourceType type, String key, String value) {
        String topicKey = definingTopicKey(type, key);
        if (type == ResourceType.BROKER && BrokerDynamicConfig.isDynamicOnly(key)) {
            BrokerDynamicConfig.DEFINITION.parseValue(key, value);
            return;
        }
        if (topicKey == null) {
            // num.partitions or default.replication.factor: the node setting's own type and bounds.
            ServerSettings.setting(key).orElseThrow().parse(value);
            return;
        }
        try {
            TopicConfig.DEFINITION.parseValue(topicKey, value);
        } catch (ConfigException e) {
            throw topicKey.equals(key) ? e : new ConfigException(key, value, e.getMessage());
        }
    }

    private static String appendOrSubtract(MetadataImage image, AlterConfigsResource resource, AlterableConfig op,
                                           String definingKey, Map<String, String> current, ControllerContext ctx) {
        boolean isList = definingKey != null && TopicConfig.DEFINITION.key(definingKey)
                .map(k -> k.type() == ConfigDef.Type.LIST).orElse(false);
        if (!isList) {
            throw new ConfigException("configuration '" + op.getName() + "' is not a list; "
                    + op.getOp() + " applies only to list configurations");
        }
        String base = current.get(op.getName());
        if (base == null) {
            base = resource.getType() == ResourceType.TOPIC
                    ? effectiveTopicConfig(image, resource.getName(), definingKey, ctx)
                    : ctx.topicDefault(definingKey).orElseGet(() -> definitionDefault(definingKey));
        }
        List<String> values = new ArrayList<>(split(base));
        for (String value : split(op.getValue())) {
            if (op.getOp() == io.runnel.proto.AlterConfigOp.APPEND && !values.contains(value)) {
                values.add(value);
            } else if (op.getOp() == io.runnel.proto.AlterConfigOp.SUBTRACT) {
                values.remove(value);
            }
        }
        return String.join(",", values);
    }

    private static List<String> split(String list) {
        List<String> values = new ArrayList<>();
        for (String value : list.split(",")) {
            if (!value.isBlank()) {
                values.add(value.trim());
            }
        }
        return values;
    }
}
