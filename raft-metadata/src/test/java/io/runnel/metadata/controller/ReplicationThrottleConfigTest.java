package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.BrokerDynamicConfig;
import io.runnel.metadata.image.ReplicationThrottles;
import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterConfigsResult;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ConfigEntry;
import io.runnel.proto.ConfigResource;
import io.runnel.proto.ConfigSource;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ResourceType;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The replication throttle settings, Kafka's names: the topic lists leader/follower.replication.throttled.replicas
 * and the broker rates leader/follower.replication.throttled.rate, set with AlterConfigs and read from
 * the image through {@link ReplicationThrottles}, as a broker's replica-fetch path reads them.
 */
class ReplicationThrottleConfigTest {

    private static final String LEADER_REPLICAS = "leader.replication.throttled.replicas";
    private static final String FOLLOWER_REPLICAS = "follower.replication.throttled.replicas";
    private static final String LEADER_RATE = "leader.replication.throttled.rate";
    private static final String FOLLOWER_RATE = "follower.replication.throttled.rate";

    private final ControllerFixture fixture = new ControllerFixture();

    @BeforeEach
    void topic() {
        fixture.addBrokers(1, 2, 3);
        fixture.createTopic("orders", 2, 3);
        fixture.createTopic("payments", 1, 1);
    }

    private AlterConfigsResult set(ResourceType type, String name, String key, String value) {
        return fixture.apply(fixture.logic.incrementalAlterConfigs(fixture.image, AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder().setType(type).setName(name).addConfigs(
                        AlterableConfig.newBuilder().setName(key).setOp(value == null ? AlterConfigOp.DELETE : AlterConfigOp.SET)
                                .setValue(value == null ? "" : value))).build(), fixture.ctx())).getResults(0);
    }

    private void setOk(ResourceType type, String name, String key, String value) {
        AlterConfigsResult result = set(type, name, key, value);
        assertThat(result.getError()).as(result.getErrorMessage()).isEqualTo(ErrorCode.NONE);
    }

    private ReplicationThrottles throttles() {
        return fixture.image.configs().replicationThrottles();
    }

    @Test
    void throttledReplicaListsAreTopicConfigsReadFromTheImage() {
        setOk(ResourceType.TOPIC, "orders", LEADER_REPLICAS, "0:1,0:2,1:3");
        setOk(ResourceType.TOPIC, "orders", FOLLOWER_REPLICAS, "0:4");
        setOk(ResourceType.TOPIC, "payments", FOLLOWER_REPLICAS, "*");

        ReplicationThrottles throttles = throttles();
        assertThat(throttles.isLeaderThrottled("orders", 0, 1)).isTrue();
        assertThat(throttles.isLeaderThrottled("orders", 0, 2)).isTrue();
        assertThat(throttles.isLeaderThrottled("orders", 0, 3)).isFalse();
        assertThat(throttles.isLeaderThrottled("orders", 1, 3)).isTrue();
        assertThat(throttles.isFollowerThrottled("orders", 0, 1)).as("a leader entry is not a follower entry").isFalse();
        assertThat(throttles.isFollowerThrottled("orders", 0, 4)).isTrue();
        assertThat(throttles.isFollowerThrottled("payments", 0, 2)).as("the wildcard").isTrue();
        assertThat(throttles.isFollowerThrottled("payments", 7, 9)).isTrue();
        assertThat(throttles.isLeaderThrottled("payments", 0, 2)).isFalse();

        setOk(ResourceType.TOPIC, "orders", LEADER_REPLICAS, null);
        assertThat(throttles().isLeaderThrottled("orders", 0, 1)).as("deleted").isFalse();
    }

    @Test
    void aBrokersRateIsItsOwnThenTheClusterDefaultThenUnlimited() {
        assertThat(throttles().leaderRateBytesPerSecond(1)).isEqualTo(BrokerDynamicConfig.RATE_UNLIMITED);

        setOk(ResourceType.BROKER, "", LEADER_RATE, "1000000");
        setOk(ResourceType.BROKER, "2", LEADER_RATE, "500");
        setOk(ResourceType.BROKER, "2", FOLLOWER_RATE, "700");

        assertThat(throttles().leaderRateBytesPerSecond(1)).isEqualTo(1_000_000);
        assertThat(throttles().leaderRateBytesPerSecond(2)).isEqualTo(500);
        assertThat(throttles().followerRateBytesPerSecond(2)).isEqualTo(700);
        assertThat(throttles().followerRateBytesPerSecond(1)).isEqualTo(BrokerDynamicConfig.RATE_UNLIMITED);

        setOk(ResourceType.BROKER, "2", LEADER_RATE, null);
        assertThat(throttles().leaderRateBytesPerSecond(2)).isEqualTo(1_000_000);
    }

    @Test
    void badThrottleValuesAreRefusedNamingTheKeyAndValue() {
        AlterConfigsResult list = set(ResourceType.TOPIC, "orders", LEADER_REPLICAS, "0:1,x:2");
        assertThat(list.getError()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(list.getErrorMessage()).contains(LEADER_REPLICAS, "'x:2'", "partitionId:brokerId");
        assertThat(set(ResourceType.TOPIC, "orders", FOLLOWER_REPLICAS, "*,0:1").getError())
                .isEqualTo(ErrorCode.INVALID_CONFIG);

        AlterConfigsResult negative = set(ResourceType.BROKER, "1", LEADER_RATE, "-5");
        assertThat(negative.getError()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(negative.getErrorMessage()).contains(LEADER_RATE, "-5", "at least 0");
        AlterConfigsResult words = set(ResourceType.BROKER, "", FOLLOWER_RATE, "fast");
        assertThat(words.getError()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(words.getErrorMessage()).contains(FOLLOWER_RATE, "fast");
        assertThat(set(ResourceType.TOPIC, "orders", LEADER_RATE, "5").getError())
                .as("a broker key on a topic").isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(set(ResourceType.BROKER, "1", LEADER_REPLICAS, "*").getError())
                .as("a topic key on a broker").isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(fixture.image.configs().replicationThrottles()).isSameAs(ReplicationThrottles.NONE);
    }

    @Test
    void describeConfigsShowsTheRatesWithTheirSource() {
        setOk(ResourceType.BROKER, "", LEADER_RATE, "1000");
        setOk(ResourceType.BROKER, "2", FOLLOWER_RATE, "2000");

        Map<String, ConfigEntry> broker2 = fixture.logic.describeConfigs(fixture.image, DescribeConfigsRequest.newBuilder()
                .addResources(ConfigResource.newBuilder().setType(ResourceType.BROKER).setName("2")).build(),
                        io.runnel.common.config.ServerConfig.DEFAULTS)
                .getResults(0).getEntriesList().stream()
                .collect(Collectors.toMap(ConfigEntry::getName, Function.identity()));

        assertThat(broker2.get(LEADER_RATE).getValue()).isEqualTo("1000");
        assertThat(broker2.get(LEADER_RATE).getSource()).isEqualTo(ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
        assertThat(broker2.get(FOLLOWER_RATE).getValue()).isEqualTo("2000");
        assertThat(broker2.get(FOLLOWER_RATE).getSource()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
        assertThat(broker2.get(FOLLOWER_RATE).getType()).isEqualTo("LONG");
    }
}
