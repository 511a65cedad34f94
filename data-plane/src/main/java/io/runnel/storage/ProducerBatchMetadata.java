package io.runnel.storage;

/**
 * One batch a producer appended, as the partition remembers it for duplicate detection: the batch's
 * sequence range {@code firstSequence..lastSequence} and offset range {@code firstOffset..lastOffset}, and
 * its max timestamp. Immutable value.
 */
public record ProducerBatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset,
                                    long timestamp) {

    /** lastOffset - firstOffset: how many records after the first the batch holds. */
    public int offsetDelta() {
        return (int) (lastOffset - firstOffset);
    }
}
