package io.runnel.client.consumer;

import io.runnel.common.TopicPartition;
import java.util.Collection;

/**
 * Told when the group moves partitions to or from this consumer (Kafka's interface of the same name). The
 * methods run on the consumer's own thread, inside {@code poll} (or {@code close}/{@code unsubscribe}), so they
 * may call the consumer, e.g. {@code commitSync} in {@link #onPartitionsRevoked} or {@code seek} in
 * {@link #onPartitionsAssigned}. Rebalances are incremental: only the partitions that move are passed, and the
 * consumer keeps fetching the others meanwhile.
 */
public interface ConsumerRebalanceListener {

    /**
     * The partitions are about to be handed to another member: the last chance to commit what was processed.
     * The group waits for this method to return (up to {@code max.poll.interval.ms}) before it moves them.
     */
    void onPartitionsRevoked(Collection<TopicPartition> partitions);

    /** The partitions are now this consumer's (possibly none, after a rebalance that gave it nothing new). */
    void onPartitionsAssigned(Collection<TopicPartition> partitions);

    /**
     * The partitions were lost: the consumer was removed from the group (its session expired, it exceeded
     * {@code max.poll.interval.ms}, or it was fenced), so another member may own them already and committing
     * for them fails. By default it calls {@link #onPartitionsRevoked}, as Kafka's does.
     */
    default void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }
}
