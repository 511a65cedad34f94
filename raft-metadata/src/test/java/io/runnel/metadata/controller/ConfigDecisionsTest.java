package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterConfigsResult;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ResourceType;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfigDecisionsTest {

    private final ControllerFixture fixture = new ControllerFixture();

    @BeforeEach
    void oneTopic() {
        fixture.addBrokers(1);
        fixture.createTopic("orders", 1, 1);
    }

    private static AlterableConfig op(String name, AlterConfigOp op, String value) {
        return AlterableConfig.newBuilder().setName(name).setOp(op).setValue(value).build();
    }

    private static AlterConfigsResource resource(ResourceType type, String name, AlterableConfig... ops) {
        return AlterConfigsResource.newBuilder().setType(type).setName(name).addAllConfigs(java.util.List.of(ops)).build();
    }

    private AlterConfigsResult alter(AlterConfigsResource resource) {
        return fixture.apply(fixture.logic.incrementalAlterConfigs(fixture.image,
                AlterConfigsRequest.newBuilder().addResources(resource).build(), fixture.ctx())).getResults(0);
    }

    private Map<String, String> ordersConfigs() {
        return fixture.image.configs().topicConfigs("orders");
    }

    @Test
    void setAndDeleteTopicKeys() {
        AlterConfigsResult set = alter(resource(ResourceType.TOPIC, "orders",
                op("retention.ms", AlterConfigOp.SET, "1000"), op("min.insync.replicas", AlterConfigOp.SET, "1")));
        assertThat(set.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(ordersConfigs()).containsOnly(Map.entry("retention.ms", "1000"), Map.entry("min.insync.replicas", "1"));

        alter(resource(ResourceType.TOPIC, "orders", op("retention.ms", AlterConfigOp.DELETE, "")));
        assertThat(ordersConfigs()).containsOnlyKeys("min.insync.replicas");
    }

    @Test
    void appendAndSubtractListKeysStartingFromTheDefault() {
        alter(resource(ResourceType.TOPIC, "orders", op("cleanup.policy", AlterConfigOp.APPEND, "compact")));
        assertThat(ordersConfigs()).containsEntry("cleanup.policy", "delete,compact");

        alter(resource(ResourceType.TOPIC, "orders", op("cleanup.policy", AlterConfigOp.SUBTRACT, "delete")));
        assertThat(ordersConfigs()).containsEntry("cleanup.policy", "compact");

        AlterConfigsResult notList = alter(resource(ResourceType.TOPIC, "orders", op("retention.ms", AlterConfigOp.APPEND, "1")));
        assertThat(notList.getError()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(notList.getErrorMessage()).contains("'retention.ms' is not a list");
    }

    @Test
    void badInputIsAnsweredPerResource() {
        AlterConfigsResult unknownKey = alter(resource(ResourceType.TOPIC, "orders", op("retention.mss", AlterConfigOp.SET, "1")));
        assertThat(unknownKey.getError()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(unknownKey.getErrorMessage()).contains("retention.mss");

        AlterConfigsResult badValue = alter(resource(ResourceType.TOPIC, "orders", op("min.insync.replicas", AlterConfigOp.SET, "0")));
        assertThat(badValue.getError()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(badValue.getErrorMessage()).contains("min.insync.replicas");

        AlterConfigsResult unknownTopic = alter(resource(ResourceType.TOPIC, "ghost", op("retention.ms", AlterConfigOp.SET, "1")));
        assertThat(unknownTopic.getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(unknownTopic.getErrorMessage()).contains("'ghost'");

        AlterConfigsResult twice = alter(resource(ResourceType.TOPIC, "orders",
                op("retention.ms", AlterConfigOp.SET, "1"), op("retention.ms", AlterConfigOp.DELETE, "")));
        assertThat(twice.getError()).isEqualTo(ErrorCode.INVALID_REQUEST);

        AlterConfigsResult unknownType = alter(resource(ResourceType.RESOURCE_UNKNOWN, "x"));
        assertThat(unknownType.getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(ordersConfigs()).isEmpty();
    }

    @Test
    void validateOnlyWritesNothing() {
        var result = fixture.logic.incrementalAlterConfigs(fixture.image, AlterConfigsRequest.newBuilder()
                .addResources(resource(ResourceType.TOPIC, "orders", op("retention.ms", AlterConfigOp.SET, "1")))
                .setValidateOnly(true).build(), fixture.ctx());
        assertThat(result.records()).isEmpty();
        assertThat(result.response().getResults(0).getError()).isEqualTo(ErrorCode.NONE);
    }

    @Test
    void unchangedValuesWriteNothing() {
        alter(resource(ResourceType.TOPIC, "orders", op("retention.ms", AlterConfigOp.SET, "1")));
        var again = fixture.logic.incrementalAlterConfigs(fixture.image, AlterConfigsRequest.newBuilder()
                .addResources(resource(ResourceType.TOPIC, "orders", op("retention.ms", AlterConfigOp.SET, "1"))).build(),
                fixture.ctx());
        assertThat(again.records()).isEmpty();
    }

    @Test
    void brokerResourcesAcceptServerKeys() {
        AlterConfigsResult clusterDefault = alter(resource(ResourceType.BROKER, "",
                op("log.retention.ms", AlterConfigOp.SET, "5000"), op("num.partitions", AlterConfigOp.SET, "3")));
        assertThat(clusterDefault.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fixture.image.configs().brokerConfigs("")).containsOnly(
                Map.entry("log.retention.ms", "5000"), Map.entry("num.partitions", "3"));
        assertThat(ConfigurationControlManager.effectiveTopicConfig(fixture.image, "orders", "retention.ms", fixture.ctx()))
                .isEqualTo("5000");

        assertThat(alter(resource(ResourceType.BROKER, "1", op("log.retention.ms", AlterConfigOp.SET, "x"))).getErrorMessage())
                .contains("log.retention.ms");
        assertThat(alter(resource(ResourceType.BROKER, "1", op("num.partitions", AlterConfigOp.SET, "0"))).getError())
                .isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(alter(resource(ResourceType.BROKER, "1", op("retention.ms", AlterConfigOp.SET, "1"))).getError())
                .isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(alter(resource(ResourceType.BROKER, "one", op("log.retention.ms", AlterConfigOp.SET, "1"))).getError())
                .isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void effectiveTopicConfigPrefersTheMostSpecificSetting() {
        assertThat(ConfigurationControlManager.effectiveTopicConfig(fixture.image, "orders", "retention.ms", fixture.ctx()))
                .isEqualTo("604800000");
        fixture.clusterDefaults.put("log.retention.ms", "42");
        assertThat(ConfigurationControlManager.effectiveTopicConfig(fixture.image, "orders", "retention.ms", fixture.ctx()))
                .isEqualTo("42");
        alter(resource(ResourceType.TOPIC, "orders", op("retention.ms", AlterConfigOp.SET, "7")));
        assertThat(ConfigurationControlManager.effectiveTopicConfig(fixture.image, "orders", "retention.ms", fixture.ctx()))
                .isEqualTo("7");
        assertThat(ConfigurationControlManager.effectiveTopicConfig(fixture.image, "orders", "cleanup.policy", fixture.ctx()))
                .isEqualTo("delete");
    }
}
