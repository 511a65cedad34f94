package io.runnel.replication.core;

/**
 * What the replication core reads of the local log when it decides: offsets and the leader-epoch
 * history. The shell passes a view of the real log; the simulation passes its model.
 */
public interface LogView {

    long logStartOffset();

    /** The offset the next appended record will get. */
    long logEndOffset();

    /** The epoch of the last batch in the log, or {@link EpochEndOffset#UNDEFINED_EPOCH} for an empty log. */
    int latestEpoch();

    /** The end of {@code epoch} in this log (see {@link EpochEndOffset}). */
    EpochEndOffset endOffsetFor(int epoch);
}
