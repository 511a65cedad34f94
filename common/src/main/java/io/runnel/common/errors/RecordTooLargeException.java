package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/** RECORD_TOO_LARGE: a record (or the batch holding it) is larger than max.request.size, buffer.memory, the broker's message.max.bytes or the topic's max.message.bytes; the message names the limit. Not retriable. Immutable. */
public class RecordTooLargeException extends ApiException {

    private static final long serialVersionUID = 1L;

    public RecordTooLargeException(String message) {
        this(message, null, Map.of());
    }

    public RecordTooLargeException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public RecordTooLargeException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.RECORD_TOO_LARGE, message, cause, metadata);
    }
}
