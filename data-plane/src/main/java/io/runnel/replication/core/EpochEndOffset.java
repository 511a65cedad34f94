package io.runnel.replication.core;

/**
 * Kafka's OffsetsForLeaderEpoch answer: the largest epoch at or below the one asked for that a log knows,
 * and the offset where it ends (the start of the next epoch, or the log end offset for the latest one).
 * {@link #UNDEFINED} when the log knows no such epoch.
 */
public record EpochEndOffset(int epoch, long endOffset) {

    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_OFFSET = -1L;
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_OFFSET);

    public boolean isUndefined() {
        return epoch == UNDEFINED_EPOCH;
    }
}
