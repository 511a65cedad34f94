package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/** NOT_ENOUGH_REPLICAS: an acks=all write was refused before it was appended because the in-sync replicas are fewer than min.insync.replicas. Retriable. Immutable. */
public class NotEnoughReplicasException extends RetriableException {

    private static final long serialVersionUID = 1L;

    public NotEnoughReplicasException(String message) {
        this(message, null, Map.of());
    }

    public NotEnoughReplicasException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public NotEnoughReplicasException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.NOT_ENOUGH_REPLICAS, message, cause, metadata);
    }
}
