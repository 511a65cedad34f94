package io.runnel.replication.core;

import io.runnel.proto.ErrorCode;

/**
 * The leader's verdict on one partition of a follower's fetch, before anything is read: serve it, tell
 * the follower where its log diverges (it truncates there and fetches again), or refuse it with an error.
 *
 * @param error     NONE to serve or to report divergence; otherwise the refusal
 * @param message   what was wrong, for the log and the follower
 * @param diverging where the follower's last fetched epoch ends on the leader, when the logs diverge
 */
public record FetchValidation(ErrorCode error, String message, EpochEndOffset diverging) {

    static final FetchValidation SERVE = new FetchValidation(ErrorCode.NONE, "", null);

    static FetchValidation refuse(ErrorCode error, String message) {
        return new FetchValidation(error, message, null);
    }

    static FetchValidation diverge(EpochEndOffset divergingEpoch) {
        return new FetchValidation(ErrorCode.NONE, "", divergingEpoch);
    }

    public boolean isServe() {
        return error == ErrorCode.NONE && diverging == null;
    }

    public boolean isDiverging() {
        return diverging != null;
    }
}
