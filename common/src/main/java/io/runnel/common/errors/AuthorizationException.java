package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.Map;

/**
 * TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED or CLUSTER_AUTHORIZATION_FAILED: the caller may not
 * do this. Runnel has no authentication or ACLs yet, so no server sends these today; the type exists so that
 * programs written now catch them when authorization is built. Not retriable. Immutable.
 */
public class AuthorizationException extends ApiException {

    private static final long serialVersionUID = 1L;

    /** @throws IllegalArgumentException when {@code code} is not one of the three authorization codes */
    public AuthorizationException(ErrorCode code, String message, Throwable cause, Map<String, String> metadata) {
        super(requireAuthorization(code), message, cause, metadata);
    }

    static boolean isAuthorization(ErrorCode code) {
        return code == ErrorCode.TOPIC_AUTHORIZATION_FAILED || code == ErrorCode.GROUP_AUTHORIZATION_FAILED
                || code == ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    }

    private static ErrorCode requireAuthorization(ErrorCode code) {
        if (!isAuthorization(code)) {
            throw new IllegalArgumentException(code + " is not an authorization error code");
        }
        return code;
    }
}
