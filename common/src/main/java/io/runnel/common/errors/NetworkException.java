package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/** NETWORK_EXCEPTION: the connection failed or was lost before an answer came. Retriable. Immutable. */
public class NetworkException extends RetriableException {

    private static final long serialVersionUID = 1L;

    public NetworkException(String message) {
        this(message, null, Map.of());
    }

    public NetworkException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public NetworkException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.NETWORK_EXCEPTION, message, cause, metadata);
    }
}
