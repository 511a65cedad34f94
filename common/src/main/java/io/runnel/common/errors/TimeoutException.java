package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/**
 * REQUEST_TIMED_OUT: no answer came in time, or one of the client's own bounds ran out (max.block.ms,
 * delivery.timeout.ms, default.api.timeout.ms, request.timeout.ms); the message names which, and what
 * was last seen. Retriable. Same simple name as Kafka's {@code org.apache.kafka.common.errors.TimeoutException}
 * (and, as there, not {@code java.util.concurrent.TimeoutException}, which {@code Future.get(timeout)}
 * throws). Immutable.
 */
public class TimeoutException extends RetriableException {

    private static final long serialVersionUID = 1L;

    public TimeoutException(String message) {
        this(message, null, Map.of());
    }

    public TimeoutException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public TimeoutException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.REQUEST_TIMED_OUT, message, cause, metadata);
    }
}
