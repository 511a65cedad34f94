package io.runnel.storage;

/**
 * The result of {@link PartitionLog#read}: where the read started and the whole batches found, as a slice
 * of a segment file (nothing copied yet). {@code firstEntryIncomplete} is true when the first batch at the
 * start position did not fit in {@code maxBytes} and {@code minOneMessage} was false, so nothing was
 * returned although data exists (the caller should retry with a larger limit). Immutable value.
 */
public record FetchDataInfo(LogOffsetMetadata fetchOffsetMetadata, FileRecords records, boolean firstEntryIncomplete) {

    public static FetchDataInfo empty(LogOffsetMetadata at) {
        return new FetchDataInfo(at, FileRecords.empty(), false);
    }
}
