package io.runnel.metadata.image;

import io.runnel.common.config.BrokerDynamicConfig;
import io.runnel.common.config.ConfigException;
import io.runnel.common.config.ThrottledReplicas;
import io.runnel.common.config.TopicConfig;
import io.runnel.proto.ResourceType;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The replication throttles of a {@link ConfigurationsImage}, as Kafka defines them, for a broker's
 * replica-fetch path to consult:
 *
 * <ul>
 *   <li>A replica {@code (topic, partition, broker)} is <em>leader-throttled</em> when the topic's
 *       {@value TopicConfig#LEADER_REPLICATION_THROTTLED_REPLICAS} lists {@code partition:broker} (or is
 *       {@code *}): broker {@code broker}, while leading the partition, limits the bytes it sends to
 *       followers to {@link #leaderRateBytesPerSecond}. It is <em>follower-throttled</em> when
 *       {@value TopicConfig#FOLLOWER_REPLICATION_THROTTLED_REPLICAS} lists it: broker {@code broker},
 *       while following, limits the bytes it fetches to {@link #followerRateBytesPerSecond}.
 *   <li>Kafka applies both only to replicas that are not in the ISR (a throttled reassignment must not
 *       slow down the in-sync followers that acks=all waits for); that check belongs to the caller, who
 *       knows the ISR.
 *   <li>A broker's rate is its own dynamic {@value BrokerDynamicConfig#LEADER_REPLICATION_THROTTLED_RATE}
 *       (or follower) override, else the cluster-wide one (BROKER resource {@code ""}), else
 *       {@link BrokerDynamicConfig#RATE_UNLIMITED}.
 * </ul>
 *
 * A value that does not parse (the controller validates every value, so only a hand-made record could
 * hold one) counts as no throttle rather than failing the broker. Built once per configurations image
 * ({@link ConfigurationsImage#replicationThrottles()}); immutable and thread-safe.
 */
public final class ReplicationThrottles {

    /** Throttles of an image without any. */
    public static final ReplicationThrottles NONE = new ReplicationThrottles(Map.of(), Map.of(), Map.of());

    private final Map<String, ThrottledReplicas> leaderReplicasByTopic;
    private final Map<String, ThrottledReplicas> followerReplicasByTopic;
    /** Broker resource name ("" for the cluster-wide default) -> its overrides of the rate keys. */
    private final Map<String, Map<String, String>> rateConfigsByBroker;

    private ReplicationThrottles(Map<String, ThrottledReplicas> leaderReplicasByTopic,
                                 Map<String, ThrottledReplicas> followerReplicasByTopic,
                                 Map<String, Map<String, String>> rateConfigsByBroker) {
        this.leaderReplicasByTopic = leaderReplicasByTopic;
        this.followerReplicasByTopic = followerReplicasByTopic;
        this.rateConfigsByBroker = rateConfigsByBroker;
    }

    /** The throttles set in {@code configs}. */
    public static ReplicationThrottles of(ConfigurationsImage configs) {
        Map<String, ThrottledReplicas> leader = new HashMap<>();
        Map<String, ThrottledReplicas> follower = new HashMap<>();
        configs.resourcesOfType(ResourceType.TOPIC).forEach((topic, values) -> {
            parse(values, TopicConfig.LEADER_REPLICATION_THROTTLED_REPLICAS).ifPresent(r -> leader.put(topic, r));
            parse(values, TopicConfig.FOLLOWER_REPLICATION_THROTTLED_REPLICAS).ifPresent(r -> follower.put(topic, r));
        });
        Map<String, Map<String, String>> rates = new HashMap<>();
        configs.resourcesOfType(ResourceType.BROKER).forEach((broker, values) -> {
            Map<String, String> own = new HashMap<>();
            for (String key : BrokerDynamicConfig.DEFINITION.names()) {
                if (values.containsKey(key)) {
                    own.put(key, values.get(key));
                }
            }
            if (!own.isEmpty()) {
                rates.put(broker, Map.copyOf(own));
            }
        });
        if (leader.isEmpty() && follower.isEmpty() && rates.isEmpty()) {
            return NONE;
        }
        return new ReplicationThrottles(Map.copyOf(leader), Map.copyOf(follower), Map.copyOf(rates));
    }

    private static Optional<ThrottledReplicas> parse(Map<String, String> values, String key) {
        String value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        try {
            ThrottledReplicas replicas = ThrottledReplicas.parse(key, value);
            return replicas.isEmpty() ? Optional.empty() : Optional.of(replicas);
        } catch (ConfigException e) {
            return Optional.empty();
        }
    }

    /** True if broker {@code brokerId}, leading {@code topic}-{@code partition}, throttles what it sends. */
    public boolean isLeaderThrottled(String topic, int partition, int brokerId) {
        ThrottledReplicas replicas = leaderReplicasByTopic.get(topic);
        return replicas != null && replicas.contains(partition, brokerId);
    }

    /** True if broker {@code brokerId}, following {@code topic}-{@code partition}, throttles what it fetches. */
    public boolean isFollowerThrottled(String topic, int partition, int brokerId) {
        ThrottledReplicas replicas = followerReplicasByTopic.get(topic);
        return replicas != null && replicas.contains(partition, brokerId);
    }

    /** Bytes per second broker {@code brokerId} sends for its leader-throttled replicas. */
    public long leaderRateBytesPerSecond(int brokerId) {
        return rate(brokerId, BrokerDynamicConfig.LEADER_REPLICATION_THROTTLED_RATE);
    }

    /** Bytes per second broker {@code brokerId} fetches for its follower-throttled replicas. */
    public long followerRateBytesPerSecond(int brokerId) {
        return rate(brokerId, BrokerDynamicConfig.FOLLOWER_REPLICATION_THROTTLED_RATE);
    }

    /** True if no replica of any topic is throttled (rates alone throttle nothing). */
    public boolean isEmpty() {
        return leaderReplicasByTopic.isEmpty() && followerReplicasByTopic.isEmpty();
    }

    private long rate(int brokerId, String key) {
        for (String resource : new String[] {String.valueOf(brokerId), ""}) {
            String value = rateConfigsByBroker.getOrDefault(resource, Map.of()).get(key);
            if (value != null) {
                try {
                    // Typed and bounded by the setting's declaration, as when it was written.
                    return (Long) BrokerDynamicConfig.DEFINITION.parseValue(key, value);
                } catch (io.runnel.common.config.ConfigException e) {
                    // An unparsable value is no limit (see the class comment); the cluster default may still apply.
                }
            }
        }
        return BrokerDynamicConfig.RATE_UNLIMITED;
    }

    @Override
    public String toString() {
        return "ReplicationThrottles(leader=" + leaderReplicasByTopic + ", follower=" + followerReplicasByTopic
                + ", rates=" + rateConfigsByBroker + ")";
    }
}
