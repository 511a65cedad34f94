package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;
import java.util.Objects;

/**
 * An operating error with a Kafka-named {@link ErrorCode}: what a request is answered with, never a
 * broken invariant. The message names what was wrong ("topic 'orders' already exists"); the optional
 * metadata carries facts for programs (e.g. {@link GrpcErrors#OUTCOME_KEY}), sent in the gRPC ErrorInfo.
 *
 * <p>The code's type is {@link ErrorCode}, the protobuf enum generated from {@code proto/errors.proto}
 * (Java package {@code io.runnel.proto}), with Apache Kafka's names and numbers ({@code code().getNumber()}
 * is Kafka's error code). The clients raise the subclass of the code where one exists, so a program can
 * catch by type: {@link TopicExistsException}, {@link UnknownTopicOrPartitionException},
 * {@link RecordTooLargeException}, {@link RecordBatchTooLargeException}, {@link NotEnoughReplicasException},
 * {@link NotEnoughReplicasAfterAppendException}, {@link NotLeaderOrFollowerException},
 * {@link NetworkException}, {@link TimeoutException}, {@link CorruptRecordException},
 * {@link InvalidTopicException}, {@link AuthorizationException},
 * {@link io.runnel.common.config.ConfigException}; any other retriable code is a
 * {@link RetriableException}, and the rest this class itself (see {@link #of}). Immutable.
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

    /**
     * The exception a client raises for {@code code}: its subclass where one exists (e.g.
     * {@link TopicExistsException} for TOPIC_ALREADY_EXISTS), else {@link RetriableException} for a
     * retriable code, else a plain ApiException.
     */
    public static ApiException of(ErrorCode code, String message) {
        return of(code, message, null, Map.of());
    }

    /** {@link #of(ErrorCode, String)} with a cause. */
    public static ApiException of(ErrorCode code, String message, Throwable cause) {
        return of(code, message, cause, Map.of());
    }

    /** {@link #of(ErrorCode, String)} with a cause and ErrorInfo metadata. */
    public static ApiException of(ErrorCode code, String message, Throwable cause, Map<String, String> metadata) {
        Objects.requireNonNull(code, "code");
        return switch (code) {
            case TOPIC_ALREADY_EXISTS -> new TopicExistsException(message, cause, metadata);
            case UNKNOWN_TOPIC_OR_PARTITION -> new UnknownTopicOrPartitionException(message, cause, metadata);
            case RECORD_TOO_LARGE -> new RecordTooLargeException(message, cause, metadata);
            case RECORD_LIST_TOO_LARGE -> new RecordBatchTooLargeException(message, cause, metadata);
            case NOT_ENOUGH_REPLICAS -> new NotEnoughReplicasException(message, cause, metadata);
            case NOT_ENOUGH_REPLICAS_AFTER_APPEND -> new NotEnoughReplicasAfterAppendException(message, cause, metadata);
            case NOT_LEADER_OR_FOLLOWER -> new NotLeaderOrFollowerException(message, cause, metadata);
            case NETWORK_EXCEPTION -> new NetworkException(message, cause, metadata);
            case REQUEST_TIMED_OUT -> new TimeoutException(message, cause, metadata);
            case CORRUPT_MESSAGE -> new CorruptRecordException(message, cause, metadata);
            case INVALID_TOPIC_EXCEPTION -> new InvalidTopicException(message, cause, metadata);
            case INVALID_CONFIG -> new io.runnel.common.config.ConfigException(message, cause, metadata);
            case TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED ->
                    new AuthorizationException(code, message, cause, metadata);
            default -> Errors.isRetriable(code) ? new RetriableException(code, message, cause, metadata)
                    : new ApiException(code, message, cause, metadata);
        };
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
