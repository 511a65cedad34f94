package io.runnel.metadata.controller;

import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The inputs of a controller decision that are not in the image: the time, a source of randomness
 * (topic ids, the start of round-robin placement) and the controller's static settings. The active
 * controller's event thread makes one per decision; tests pass a fixed time and a seeded generator so
 * that every decision is reproducible. Immutable, apart from the generator's state.
 *
 * <p>Decisions read their settings typed from {@code settings} ({@link ServerSettings}): the partitions and
 * replication factor of a topic created with -1, the automatic leader rebalance, and the cluster-wide
 * defaults of topic settings ({@code log.retention.ms}, {@code unclean.leader.election.enable}, ...), used
 * for elections and DescribeConfigs.
 */
public record ControllerContext(long nowMs, RandomGenerator random, ServerConfig settings) {

    public ControllerContext {
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(settings, "settings");
    }

    /** A context with every setting at its default. */
    public static ControllerContext of(long nowMs, RandomGenerator random) {
        return new ControllerContext(nowMs, random, ServerConfig.DEFAULTS);
    }

    /** {@code num.partitions}. */
    public int numPartitions() {
        return settings.get(ServerSettings.NUM_PARTITIONS);
    }

    /** {@code default.replication.factor}. */
    public int defaultReplicationFactor() {
        return settings.get(ServerSettings.DEFAULT_REPLICATION_FACTOR);
    }

    /** {@code auto.leader.rebalance.enable}. */
    public boolean autoLeaderRebalanceEnable() {
        return settings.get(ServerSettings.AUTO_LEADER_REBALANCE_ENABLE);
    }

    /** {@code leader.imbalance.per.broker.percentage}. */
    public int leaderImbalancePerBrokerPercentage() {
        return settings.get(ServerSettings.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE);
    }

    /** The static cluster-wide default of a topic key (through its server key), if the controller's config sets it. */
    public Optional<String> topicDefault(String topicKey) {
        return settings.topicDefault(topicKey);
    }
}
