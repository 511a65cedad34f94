package io.runnel.common;

import io.runnel.common.config.TopicConfig;
import java.util.Map;

/**
 * Kafka's internal topics and the topic configuration each gets by default, decided here once for every
 * place that needs it: the config resolver of the brokers (so the logs of such a topic are compacted even
 * when it was created without overrides) and, when they come, the coordinators that create these topics
 * (which should pass {@link #defaultConfigs} as the creation's configs, as Kafka does). Stateless.
 */
public final class InternalTopics {

    /** Committed offsets and group metadata (DESIGN §8). */
    public static final String CONSUMER_OFFSETS = "__consumer_offsets";
    /** Transaction coordinator state (DESIGN §8). */
    public static final String TRANSACTION_STATE = "__transaction_state";

    /** Kafka's offsets.topic.segment.bytes and transaction.state.log.segment.bytes: 100 MiB. */
    public static final int SEGMENT_BYTES = 104_857_600;

    private static final Map<String, String> COMPACTED = Map.of(
            TopicConfig.CLEANUP_POLICY, TopicConfig.CLEANUP_POLICY_COMPACT,
            TopicConfig.SEGMENT_BYTES, String.valueOf(SEGMENT_BYTES));

    private InternalTopics() {
    }

    /**
     * The configs an internal topic has unless its own overrides say otherwise: both are compacted (only
     * the latest offset commit or transaction state per key matters) with 100 MiB segments. Empty for any
     * other topic.
     */
    public static Map<String, String> defaultConfigs(String topic) {
        return CONSUMER_OFFSETS.equals(topic) || TRANSACTION_STATE.equals(topic) ? COMPACTED : Map.of();
    }
}
