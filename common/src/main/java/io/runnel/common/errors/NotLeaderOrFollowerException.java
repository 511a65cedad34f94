package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/** NOT_LEADER_OR_FOLLOWER: the broker asked does not lead the partition (leadership moved); clients refresh metadata and retry. Retriable. Immutable. */
public class NotLeaderOrFollowerException extends RetriableException {

    private static final long serialVersionUID = 1L;

    public NotLeaderOrFollowerException(String message) {
        this(message, null, Map.of());
    }

    public NotLeaderOrFollowerException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public NotLeaderOrFollowerException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.NOT_LEADER_OR_FOLLOWER, message, cause, metadata);
    }
}
