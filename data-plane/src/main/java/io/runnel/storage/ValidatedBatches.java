package io.runnel.storage;

import io.runnel.common.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
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
                     int partitionLeaderEpoch, int recordCount) {
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

    /**
     * The batches in runs that one segment can take each, in order: a run's bytes fit in
     * {@code segmentBytes} and its offsets are addressable from its first one (int32 relative offsets).
     * A request of many batches therefore rolls between runs instead of being refused; a single batch
     * larger than {@code segmentBytes} is a run of its own (the log refuses it before). One run, this
     * object itself, when everything fits.
     */
    List<ValidatedBatches> segmentRuns(int segmentBytes) {
        if (sizeInBytes() <= segmentBytes && lastOffset() - firstOffset() <= Integer.MAX_VALUE) {
            return List.of(this);
        }
        List<ValidatedBatches> runs = new ArrayList<>();
        int start = 0;
        for (int next = 1; next <= batches.size(); next++) {
            if (next < batches.size()) {
                BatchInfo first = batches.get(start);
                BatchInfo candidate = batches.get(next);
                long runBytes = (long) candidate.position() + candidate.sizeInBytes() - first.position();
                if (runBytes <= segmentBytes && candidate.lastOffset() - first.baseOffset() <= Integer.MAX_VALUE) {
                    continue;
                }
            }
            runs.add(slice(start, next));
            start = next;
        }
        return runs;
    }

    /** Batches {@code from} (inclusive) to {@code to} (exclusive), with their bytes and totals. */
    private ValidatedBatches slice(int from, int to) {
        BatchInfo first = batches.get(from);
        BatchInfo last = batches.get(to - 1);
        int length = last.position() + last.sizeInBytes() - first.position();
        ByteBuffer bytes = buffer.slice(buffer.position() + first.position(), length);
        List<BatchInfo> infos = new ArrayList<>(to - from);
        long runMaxTimestamp = RecordBatch.NO_TIMESTAMP;
        long runOffsetOfMaxTimestamp = -1;
        int runRecordCount = 0;
        for (BatchInfo batch : batches.subList(from, to)) {
            infos.add(new BatchInfo(batch.position() - first.position(), batch.sizeInBytes(), batch.baseOffset(),
                    batch.lastOffset(), batch.maxTimestamp(), batch.partitionLeaderEpoch(), batch.recordCount()));
            if (batch.maxTimestamp() > runMaxTimestamp) {
                runMaxTimestamp = batch.maxTimestamp();
                runOffsetOfMaxTimestamp = batch.lastOffset();
            }
            runRecordCount += batch.recordCount();
        }
        return new ValidatedBatches(bytes, List.copyOf(infos), runMaxTimestamp, runOffsetOfMaxTimestamp, runRecordCount,
                logAppendTimeMs);
    }
}
