package io.runnel.client.admin;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The outcome of {@link Admin#describeTopics}: one future per topic name, as in {@link AdminResult}, plus
 * Kafka's names for them ({@link #topicNameValues()}, {@link #allTopicNames()}). A topic that does not exist
 * fails its future with an {@link io.runnel.common.errors.UnknownTopicOrPartitionException}. Thread-safe.
 */
public final class DescribeTopicsResult extends AdminResult<String, TopicDescription> {

    DescribeTopicsResult(Map<String, CompletableFuture<TopicDescription>> values) {
        super(values);
    }

    /** Each topic's future, by name. */
    public Map<String, CompletableFuture<TopicDescription>> topicNameValues() {
        return values();
    }

    /** Every topic's description by name once all succeeded, or the first failure. */
    public CompletableFuture<Map<String, TopicDescription>> allTopicNames() {
        return all();
    }
}
