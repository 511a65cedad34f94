package io.runnel.replication.core;

/**
 * What a follower does with one partition's fetch answer.
 *
 * @param kind   the step
 * @param offset for TRUNCATE the offset to truncate to (everything from it goes); for RESET the offset at
 *               which the emptied log restarts; otherwise unused (-1)
 * @param reason why, for the log
 */
public record FollowerStep(Kind kind, long offset, String reason) {

    public enum Kind {
        /** Append the answer's batches as they are (there may be none) and take the leader's high watermark. */
        APPEND,
        /** The logs diverge (or the follower is ahead): truncate to {@code offset}, then fetch again. */
        TRUNCATE,
        /** The follower is below the leader's log start: empty the log and restart it at {@code offset}. */
        RESET,
        /** A transient refusal (leadership moving, epochs not yet agreed): fetch again after a backoff. */
        RETRY_LATER,
        /** The answer belongs to an epoch this follower has left: drop it. */
        IGNORE
    }

    static FollowerStep of(Kind kind, long offset, String reason) {
        return new FollowerStep(kind, offset, reason);
    }
}
