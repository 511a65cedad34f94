package io.runnel.metadata.controller;

import io.runnel.common.config.TopicConfig;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The inputs of a controller decision that are not in the image: the time, a source of randomness
 * (topic ids, the start of round-robin placement) and the controller's static broker-level settings.
 * The active controller's event thread makes one per decision; tests pass a fixed time and a seeded
 * generator so that every decision is reproducible. Immutable, apart from the generator's state.
 *
 * <p>{@code clusterDefaults} holds broker-level keys with Kafka's names:
 * <ul>
 *   <li>{@value #NUM_PARTITIONS} (default {@value #NUM_PARTITIONS_DEFAULT}): partitions of a topic created with -1;
 *   <li>{@value #DEFAULT_REPLICATION_FACTOR} (default {@value #DEFAULT_REPLICATION_FACTOR_DEFAULT}): its
 *       replication factor;
 *   <li>{@value #LEADER_IMBALANCE_PER_BROKER_PERCENTAGE} (default {@value #LEADER_IMBALANCE_PER_BROKER_PERCENTAGE_DEFAULT}):
 *       the share (percent) of a broker's preferred partitions it may not lead before the automatic
 *       rebalance moves them back;
 *   <li>the {@code log.*} and other server keys of {@link TopicConfig#serverDefaultKeys()}, e.g.
 *       {@code log.retention.ms} or {@code unclean.leader.election.enable}: cluster-wide defaults of topic
 *       configs, used for elections and DescribeConfigs.
 * </ul>
 */
public record ControllerContext(long nowMs, RandomGenerator random, Map<String, String> clusterDefaults) {

    public static final String NUM_PARTITIONS = "num.partitions";
    public static final int NUM_PARTITIONS_DEFAULT = 1;
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final int DEFAULT_REPLICATION_FACTOR_DEFAULT = 1;
    public static final String LEADER_IMBALANCE_PER_BROKER_PERCENTAGE = "leader.imbalance.per.broker.percentage";
    public static final int LEADER_IMBALANCE_PER_BROKER_PERCENTAGE_DEFAULT = 10;

    public ControllerContext {
        Objects.requireNonNull(random, "random");
        clusterDefaults = Map.copyOf(clusterDefaults);
    }

    public static ControllerContext of(long nowMs, RandomGenerator random) {
        return new ControllerContext(nowMs, random, Map.of());
    }

    public int numPartitions() {
        return intSetting(NUM_PARTITIONS, NUM_PARTITIONS_DEFAULT);
    }

    public int defaultReplicationFactor() {
        return intSetting(DEFAULT_REPLICATION_FACTOR, DEFAULT_REPLICATION_FACTOR_DEFAULT);
    }

    public int leaderImbalancePerBrokerPercentage() {
        return intSetting(LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, LEADER_IMBALANCE_PER_BROKER_PERCENTAGE_DEFAULT);
    }

    /** The static cluster-wide default of a topic key (through its server key), if the controller's config sets it. */
    public Optional<String> topicDefault(String topicKey) {
        return TopicConfig.serverDefaultKey(topicKey).map(clusterDefaults::get);
    }

    private int intSetting(String key, int fallback) {
        String value = clusterDefaults.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            // Start-up validates the node's configuration; a bad value here is a programmer error.
            throw new IllegalStateException("cluster default " + key + "='" + value + "' is not an integer", e);
        }
    }
}
