package io.runnel.replication.core;

import java.util.Optional;

/**
 * What an event asks the shell to do: a new high watermark to publish (and the delayed produces and
 * fetches it may complete), and an ISR change to send to the controller. Immutable.
 *
 * @param highWatermarkAdvanced true when the high watermark moved up (read it from the state)
 * @param proposal              an ISR change to send, at most one in flight per partition
 */
public record Actions(boolean highWatermarkAdvanced, Optional<IsrProposal> proposal) {

    public static final Actions NONE = new Actions(false, Optional.empty());

    static Actions of(boolean highWatermarkAdvanced, IsrProposal proposal) {
        return !highWatermarkAdvanced && proposal == null ? NONE : new Actions(highWatermarkAdvanced, Optional.ofNullable(proposal));
    }

    /** Both sets of actions (a partition proposes at most one change at a time, so at most one is present). */
    public Actions and(Actions other) {
        if (this == NONE) {
            return other;
        }
        if (other == NONE) {
            return this;
        }
        return new Actions(highWatermarkAdvanced || other.highWatermarkAdvanced,
                proposal.isPresent() ? proposal : other.proposal);
    }
}
