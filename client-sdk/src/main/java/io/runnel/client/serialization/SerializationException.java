package io.runnel.client.serialization;

import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;

/** A key or value that could not be serialized or deserialized (not retriable). */
public class SerializationException extends ApiException {

    private static final long serialVersionUID = 1L;

    public SerializationException(String message) {
        super(ErrorCode.INVALID_RECORD, message);
    }

    public SerializationException(String message, Throwable cause) {
        super(ErrorCode.INVALID_RECORD, message, cause);
    }
}
