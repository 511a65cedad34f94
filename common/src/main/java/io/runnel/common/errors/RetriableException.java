package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/**
 * An error whose code {@link Errors#isRetriable is retriable}: the same request may succeed later, perhaps
 * against another broker. The clients already retry these within their bounds (retries,
 * delivery.timeout.ms, default.api.timeout.ms); one reaching a program means those bounds ran out.
 * {@link ApiException#of} gives this class itself for a retriable code that has no class of its own.
 * Immutable.
 */
public class RetriableException extends ApiException {

    private static final long serialVersionUID = 1L;

    /** @throws IllegalArgumentException when {@code code} is not retriable */
    public RetriableException(ErrorCode code, String message, Throwable cause, Map<String, String> metadata) {
        super(requireRetriable(code), message, cause, metadata);
    }

    private static ErrorCode requireRetriable(ErrorCode code) {
        if (!Errors.isRetriable(code)) {
            throw new IllegalArgumentException(code + " is not a retriable error code");
        }
        return code;
    }
}
