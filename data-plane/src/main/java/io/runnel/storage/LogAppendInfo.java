package io.runnel.storage;

/**
 * What an append did: the offsets the batches occupy ({@code firstOffset}..{@code lastOffset}), the
 * largest timestamp among them, the broker time stamped under LogAppendTime (-1 under CreateTime), the
 * number of records, the bytes written and the log start offset after the append. An empty append has
 * {@code recordCount} 0 and {@code lastOffset = firstOffset - 1}. Immutable value.
 */
public record LogAppendInfo(long firstOffset, long lastOffset, long maxTimestamp, long logAppendTimeMs,
                            int recordCount, int validBytes, long logStartOffset) {
}
