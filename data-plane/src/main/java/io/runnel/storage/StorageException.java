package io.runnel.storage;

import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;
import java.io.IOException;

/**
 * An I/O failure in a log directory (KAFKA_STORAGE_ERROR). The message names the file or directory. The
 * storage engine never swallows an I/O error: it is thrown to the caller, which must treat the replica
 * (or the whole log dir) as failed.
 */
public class StorageException extends ApiException {

    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(ErrorCode.KAFKA_STORAGE_ERROR, message);
    }

    public StorageException(String message, IOException cause) {
        super(ErrorCode.KAFKA_STORAGE_ERROR, message + ": " + cause, cause);
    }
}
