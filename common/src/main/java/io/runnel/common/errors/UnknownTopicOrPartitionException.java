package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/** UNKNOWN_TOPIC_OR_PARTITION: the topic does not exist, or has no partition of that number. Retriable (Kafka's classification: a topic being created appears a moment later), but the SDK fails at once where waiting cannot help, e.g. a send to partition 42 of a 3-partition topic. Immutable. */
public class UnknownTopicOrPartitionException extends RetriableException {

    private static final long serialVersionUID = 1L;

    public UnknownTopicOrPartitionException(String message) {
        this(message, null, Map.of());
    }

    public UnknownTopicOrPartitionException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public UnknownTopicOrPartitionException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message, cause, metadata);
    }
}
