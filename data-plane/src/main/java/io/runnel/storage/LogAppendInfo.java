package io.runnel.storage;

import io.runnel.common.record.RecordBatch;

/**
 * What an append did: the offsets the batches occupy ({@code firstOffset}..{@code lastOffset}), the
 * largest timestamp among them, the broker time stamped under LogAppendTime (-1 under CreateTime), the
 * number of records, the bytes written and the log start offset after the append. An empty append has
 * {@code recordCount} 0 and {@code lastOffset = firstOffset - 1}.
 *
 * <p>{@code duplicate}: the request repeated batches an idempotent producer had already appended (a
 * retry whose first answer was lost); nothing was written, and the offsets, timestamp and append time
 * are those of the batches already in the log, so the producer is answered as the first time. A leader
 * answers it like any append: for acks=all it waits until the high watermark passes {@code lastOffset}.
 * Immutable value.
 */
public record LogAppendInfo(long firstOffset, long lastOffset, long maxTimestamp, long logAppendTimeMs,
                            int recordCount, int validBytes, long logStartOffset, boolean duplicate) {

    /** The answer to a duplicate of the batches stored at {@code firstOffset..lastOffset}. */
    static LogAppendInfo duplicate(long firstOffset, long lastOffset, long maxTimestamp, long logAppendTimeMs,
                                   long logStartOffset) {
        return new LogAppendInfo(firstOffset, lastOffset, maxTimestamp, logAppendTimeMs, 0, 0, logStartOffset, true);
    }

    /** An append of nothing at {@code nextOffset}. */
    static LogAppendInfo empty(long nextOffset, long logAppendTimeMs, long logStartOffset) {
        return new LogAppendInfo(nextOffset, nextOffset - 1, RecordBatch.NO_TIMESTAMP, logAppendTimeMs, 0, 0, logStartOffset, false);
    }
}
