package io.runnel.group;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How the coordinator asks for {@code __consumer_offsets}: through the controller's internal-topic call, which
 * only brokers use (clients cannot create names starting with "__"). Implemented by the node wiring.
 */
@FunctionalInterface
public interface InternalTopicCreator {

    /** Completes when the controller created the topic (or it already existed); fails with an ApiException. */
    CompletableFuture<Void> create(String topic, int partitions, short replicationFactor, Map<String, String> configs);
}
