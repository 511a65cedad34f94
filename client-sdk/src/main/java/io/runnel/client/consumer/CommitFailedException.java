package io.runnel.client.consumer;

import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;

/**
 * A commit the group refused because this consumer is no longer the member it was: it left or was removed
 * (UNKNOWN_MEMBER_ID, e.g. after exceeding {@code max.poll.interval.ms}), or was fenced (FENCED_MEMBER_EPOCH).
 * Its partitions may belong to another member now; the records since the last commit will be consumed again
 * there. {@link #code()} names the group's answer.
 */
public class CommitFailedException extends ApiException {

    private static final long serialVersionUID = 1L;

    public CommitFailedException(ErrorCode code, String message) {
        super(code, "the commit cannot be completed: this consumer is no longer an active member of its group ("
                + message + "); it may have been removed for not polling within max.poll.interval.ms or for missing its "
                + "session timeout, and its partitions may belong to another member now");
    }
}
