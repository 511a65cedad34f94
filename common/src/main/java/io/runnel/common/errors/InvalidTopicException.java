package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/** INVALID_TOPIC_EXCEPTION: the topic name is not legal (empty, too long, '.' or '..', characters other than ASCII letters, digits, '.', '_' and '-'), or the topic is internal. Not retriable. Immutable. */
public class InvalidTopicException extends ApiException {

    private static final long serialVersionUID = 1L;

    public InvalidTopicException(String message) {
        this(message, null, Map.of());
    }

    public InvalidTopicException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public InvalidTopicException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.INVALID_TOPIC_EXCEPTION, message, cause, metadata);
    }
}
