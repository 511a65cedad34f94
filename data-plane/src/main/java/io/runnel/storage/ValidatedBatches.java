package io.runnel.storage;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Batches of one append request after validation: the bytes to write ({@code buffer}, position 0 to
 * limit, offsets already assigned) and what each batch holds, for the indexes and the epoch cache.
 * Immutable after {@link BatchValidator} returns it (the buffer is not written again).
 */
record ValidatedBatches(ByteBuffer buffer, List<BatchInfo> batches, long maxTimestamp, long offsetOfMaxTimestamp,
                        int recordCount, long logAppendTimeMs) {

    /** One batch of the request: where it sits in {@code buffer} and its (assigned) offsets. */
    record BatchInfo(int position, int sizeInBytes, long baseOffset, long lastOffset, long maxTimestamp,
                     int partitionLeaderEpoch) {
    }

    long firstOffset() {
        return batches.get(0).baseOffset();
    }

    long lastOffset() {
        return batches.get(batches.size() - 1).lastOffset();
    }

    int sizeInBytes() {
        return buffer.remaining();
    }

    boolean isEmpty() {
        return batches.isEmpty();
    }
}
