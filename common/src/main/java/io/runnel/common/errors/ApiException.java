package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Objects;

/**
 * An operating error with a Kafka-named {@link ErrorCode}: what a request is answered with, never a
 * broken invariant. The message names what was wrong ("topic 'orders' already exists"). Immutable.
 */
public class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public ApiException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ApiException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }

    public boolean isRetriable() {
        return Errors.isRetriable(code);
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
