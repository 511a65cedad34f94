package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;

/** A record batch whose framing, CRC-32C or fields are invalid (CORRUPT_MESSAGE). */
public class CorruptRecordException extends ApiException {

    private static final long serialVersionUID = 1L;

    public CorruptRecordException(String message) {
        super(ErrorCode.CORRUPT_MESSAGE, message);
    }

    public CorruptRecordException(String message, Throwable cause) {
        super(ErrorCode.CORRUPT_MESSAGE, message, cause);
    }
}
