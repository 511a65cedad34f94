package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/**
 * CORRUPT_MESSAGE: a record batch whose framing, CRC-32C or fields are invalid. Retriable, as in Kafka (a
 * batch damaged in transit may arrive whole when sent again). Immutable.
 */
public class CorruptRecordException extends RetriableException {

    private static final long serialVersionUID = 1L;

    public CorruptRecordException(String message) {
        this(message, null, Map.of());
    }

    public CorruptRecordException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public CorruptRecordException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.CORRUPT_MESSAGE, message, cause, metadata);
    }
}
