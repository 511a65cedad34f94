package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/** NOT_ENOUGH_REPLICAS_AFTER_APPEND: an acks=all write was appended by the leader, but the in-sync replicas fell below min.insync.replicas before it was replicated (a retry may duplicate it unless the producer is idempotent). Retriable. Immutable. */
public class NotEnoughReplicasAfterAppendException extends RetriableException {

    private static final long serialVersionUID = 1L;

    public NotEnoughReplicasAfterAppendException(String message) {
        this(message, null, Map.of());
    }

    public NotEnoughReplicasAfterAppendException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public NotEnoughReplicasAfterAppendException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, message, cause, metadata);
    }
}
