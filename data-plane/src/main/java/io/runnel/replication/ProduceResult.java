package io.runnel.replication;

import io.runnel.proto.ErrorCode;

/**
 * Outcome of one partition of a produce request. {@code leaderId}/{@code leaderEpoch} are the
 * leader this broker knows, sent as a hint with NOT_LEADER_OR_FOLLOWER (-1 when unknown).
 */
public record ProduceResult(ErrorCode error, String errorMessage, long baseOffset, long logAppendTimeMs,
                            long logStartOffset, int leaderId, int leaderEpoch) {

    public static ProduceResult success(long baseOffset, long logAppendTimeMs, long logStartOffset) {
        return new ProduceResult(ErrorCode.NONE, "", baseOffset, logAppendTimeMs, logStartOffset, -1, -1);
    }

    public static ProduceResult error(ErrorCode error, String message, int leaderId, int leaderEpoch) {
        return new ProduceResult(error, message, -1, -1, -1, leaderId, leaderEpoch);
    }
}
