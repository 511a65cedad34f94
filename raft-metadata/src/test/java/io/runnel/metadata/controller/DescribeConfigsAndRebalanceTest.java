package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ConfigEntry;
import io.runnel.proto.ConfigResource;
import io.runnel.proto.ConfigSource;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.DescribeConfigsResult;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReplicaAssignment;
import io.runnel.proto.ResourceType;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DescribeConfigsAndRebalanceTest {

    private final ControllerFixture fixture = new ControllerFixture();

    private void set(ResourceType type, String name, String key, String value) {
        var response = fixture.apply(fixture.logic.incrementalAlterConfigs(fixture.image, AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder().setType(type).setName(name).addConfigs(
                        AlterableConfig.newBuilder().setName(key).setOp(AlterConfigOp.SET).setValue(value))).build(),
                fixture.ctx()));
        assertThat(response.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
    }

    private DescribeConfigsResult describe(ResourceType type, String name, boolean documentation, String... keys) {
        return fixture.logic.describeConfigs(fixture.image, DescribeConfigsRequest.newBuilder()
                .setIncludeDocumentation(documentation).addResources(ConfigResource.newBuilder().setType(type)
                        .setName(name).addAllKeys(List.of(keys))).build(),
                        io.runnel.common.config.ServerConfig.parse(Map.of("log.segment.bytes", "2097152")))
                .getResults(0);
    }

    private static Map<String, ConfigEntry> byName(DescribeConfigsResult result) {
        return result.getEntriesList().stream().collect(Collectors.toMap(ConfigEntry::getName, Function.identity()));
    }

    @Test
    void topicConfigsShowTheirSource() {
        fixture.addBrokers(1);
        fixture.createTopic("orders", 1, 1);
        set(ResourceType.TOPIC, "orders", "retention.ms", "1000");
        set(ResourceType.BROKER, "", "log.cleanup.policy", "compact");

        Map<String, ConfigEntry> entries = byName(describe(ResourceType.TOPIC, "orders", true));

        assertThat(entries.get("retention.ms").getValue()).isEqualTo("1000");
        assertThat(entries.get("retention.ms").getSource()).isEqualTo(ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertThat(entries.get("cleanup.policy").getSource()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(entries.get("segment.bytes").getValue()).isEqualTo("2097152");
        assertThat(entries.get("segment.bytes").getSource()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(entries.get("min.insync.replicas").getValue()).isEqualTo("1");
        assertThat(entries.get("min.insync.replicas").getSource()).isEqualTo(ConfigSource.DEFAULT_CONFIG);
        assertThat(entries.get("min.insync.replicas").getType()).isEqualTo("INT");
        assertThat(entries.get("min.insync.replicas").getDocumentation()).isNotEmpty();

        assertThat(describe(ResourceType.TOPIC, "orders", false, "retention.ms").getEntriesList())
                .extracting(ConfigEntry::getName).containsExactly("retention.ms");
        assertThat(describe(ResourceType.TOPIC, "ghost", false).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }

    @Test
    void brokerConfigsShowTheirSource() {
        set(ResourceType.BROKER, "1", "log.retention.ms", "5");

        Map<String, ConfigEntry> entries = byName(describe(ResourceType.BROKER, "1", false));

        assertThat(entries.get("log.retention.ms").getSource()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(entries.get("log.segment.bytes").getSource()).isEqualTo(ConfigSource.STATIC_BROKER_CONFIG);
        assertThat(entries.get("num.partitions").getValue()).isEqualTo("1");
        assertThat(describe(ResourceType.BROKER, "x", false).getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void rebalanceMovesLeadershipBackToThePreferredReplica() {
        fixture.addBrokers(1, 2);
        fixture.createTopics(CreatableTopic.newBuilder().setName("orders").setNumPartitions(-1).setReplicationFactor(-1)
                .addAssignments(ReplicaAssignment.newBuilder().setPartition(0).addAllBrokerIds(List.of(1, 2))).build());
        fixture.nowMs += ControllerFixture.SESSION_TIMEOUT_MS + 1;
        fixture.heartbeat(2, fixture.image.offset(), false);
        fixture.apply(fixture.logic.fenceStaleBrokers(fixture.image, fixture.tracker, fixture.ctx()));
        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(2);

        // Broker 1 returns, catches up and rejoins the ISR; it does not lead until a rebalance.
        fixture.heartbeat(1, fixture.image.offset(), false);
        fixture.apply(fixture.logic.alterPartition(fixture.image, AlterPartitionTest.shrink(fixture, "orders", 2, 2, 1),
                fixture.ctx()));
        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(2);

        fixture.clusterDefaults.put("auto.leader.rebalance.enable", "false");
        assertThat(fixture.logic.rebalanceLeaders(fixture.image, fixture.ctx()).records()).isEmpty();
        fixture.clusterDefaults.remove("auto.leader.rebalance.enable");
        fixture.apply(fixture.logic.rebalanceLeaders(fixture.image, fixture.ctx()));
        assertThat(fixture.partition("orders", 0).leader()).isEqualTo(1);
        assertThat(fixture.logic.rebalanceLeaders(fixture.image, fixture.ctx()).records()).isEmpty();
    }
}
