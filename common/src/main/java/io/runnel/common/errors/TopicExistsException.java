package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/** TOPIC_ALREADY_EXISTS: a topic of that name exists (createTopics). Not retriable. Immutable. */
public class TopicExistsException extends ApiException {

    private static final long serialVersionUID = 1L;

    public TopicExistsException(String message) {
        this(message, null, Map.of());
    }

    public TopicExistsException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public TopicExistsException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.TOPIC_ALREADY_EXISTS, message, cause, metadata);
    }
}
