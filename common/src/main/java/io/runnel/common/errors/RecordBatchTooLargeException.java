package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/** RECORD_LIST_TOO_LARGE: a request carries more bytes than the broker accepts in one call. Not retriable. Immutable. */
public class RecordBatchTooLargeException extends ApiException {

    private static final long serialVersionUID = 1L;

    public RecordBatchTooLargeException(String message) {
        this(message, null, Map.of());
    }

    public RecordBatchTooLargeException(String message, Throwable cause) {
        this(message, cause, Map.of());
    }

    public RecordBatchTooLargeException(String message, Throwable cause, Map<String, String> metadata) {
        super(ErrorCode.RECORD_LIST_TOO_LARGE, message, cause, metadata);
    }
}
