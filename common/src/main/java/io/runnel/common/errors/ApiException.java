package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;
import java.util.Objects;

/**
 * An operating error with a Kafka-named {@link ErrorCode}: what a request is answered with, never a
 * broken invariant. The message names what was wrong ("topic 'orders' already exists"); the optional
 * metadata carries facts for programs (e.g. {@link GrpcErrors#OUTCOME_KEY}), sent in the gRPC ErrorInfo.
 * Immutable.
 */
public class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Characters of a message at most; the rest is cut, with a note saying how long it was. */
    public static final int MESSAGE_CHARS_MAX = 2_000;

    private final ErrorCode code;
    private final transient Map<String, String> metadata;

    public ApiException(ErrorCode code, String message) {
        this(code, message, null, Map.of());
    }

    public ApiException(ErrorCode code, String message, Throwable cause) {
        this(code, message, cause, Map.of());
    }

    /**
     * The message is kept printable and bounded ({@link ErrorText#printable}, at most
     * {@value #MESSAGE_CHARS_MAX} characters): it often quotes what a client sent, and it travels in
     * responses, trailers and logs.
     */
    public ApiException(ErrorCode code, String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorText.printable(message, MESSAGE_CHARS_MAX), cause);
        this.code = Objects.requireNonNull(code, "code");
        this.metadata = Map.copyOf(metadata);
    }

    public ErrorCode code() {
        return code;
    }

    /** Key/value facts for programs, sent as the gRPC ErrorInfo metadata; empty for most errors. */
    public Map<String, String> metadata() {
        return metadata == null ? Map.of() : metadata;
    }

    public boolean isRetriable() {
        return Errors.isRetriable(code);
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
