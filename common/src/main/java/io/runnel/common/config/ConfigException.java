package io.runnel.common.config;

import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;

/** A configuration key that is unknown, or a value that does not parse or is out of bounds (INVALID_CONFIG). */
public class ConfigException extends ApiException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(ErrorCode.INVALID_CONFIG, message);
    }

    public ConfigException(String message, Throwable cause, java.util.Map<String, String> metadata) {
        super(ErrorCode.INVALID_CONFIG, message, cause, metadata);
    }

    public ConfigException(String name, Object value, String problem) {
        super(ErrorCode.INVALID_CONFIG, "invalid value '" + value + "' for configuration '" + name + "': " + problem);
    }
}
