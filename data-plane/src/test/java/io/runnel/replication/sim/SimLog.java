package io.runnel.replication.sim;

import io.runnel.replication.core.EpochEndOffset;
import io.runnel.replication.core.LogView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulation's model of one partition replica's log: batches of named records, each batch stamped
 * with the leader epoch that appended it, a leader-epoch history with the rules of the real
 * LeaderEpochFileCache, and a flushed offset below which a power loss keeps the data. Not thread-safe.
 */
final class SimLog implements LogView {

    /** A batch: records {@code baseOffset..baseOffset+payloads.size()-1}, appended at {@code epoch}. */
    record Batch(long baseOffset, int epoch, List<String> payloads) {
        long nextOffset() {
            return baseOffset + payloads.size();
        }
    }

    private final TreeMap<Long, Batch> batches = new TreeMap<>();
    private final TreeMap<Integer, Long> epochs = new TreeMap<>();
    private long logStartOffset;
    private long logEndOffset;
    private long flushedOffset;

    @Override
    public long logStartOffset() {
        return logStartOffset;
    }

    @Override
    public long logEndOffset() {
        return logEndOffset;
    }

    @Override
    public int latestEpoch() {
        return epochs.isEmpty() ? EpochEndOffset.UNDEFINED_EPOCH : epochs.lastKey();
    }

    /** LeaderEpochFileCache.endOffsetFor, over this model's history. */
    @Override
    public EpochEndOffset endOffsetFor(int epoch) {
        if (epoch == EpochEndOffset.UNDEFINED_EPOCH || epochs.isEmpty()) {
            return EpochEndOffset.UNDEFINED;
        }
        if (epoch == epochs.lastKey()) {
            return new EpochEndOffset(epoch, logEndOffset);
        }
        Map.Entry<Integer, Long> higher = epochs.higherEntry(epoch);
        if (higher == null) {
            return EpochEndOffset.UNDEFINED;
        }
        Map.Entry<Integer, Long> floor = epochs.floorEntry(epoch);
        return new EpochEndOffset(floor == null ? epoch : floor.getKey(), higher.getValue());
    }

    /** LeaderEpochFileCache.assign: a leader records its new epoch at the log end offset. */
    void assignEpoch(int epoch, long startOffset) {
        if (!epochs.isEmpty() && epochs.lastKey() == epoch && epochs.lastEntry().getValue() <= startOffset) {
            return;
        }
        epochs.entrySet().removeIf(e -> e.getKey() >= epoch || e.getValue() >= startOffset);
        epochs.put(epoch, startOffset);
    }

    /** A leader appends records at {@code epoch}; returns the batch. */
    Batch appendAsLeader(int epoch, List<String> payloads) {
        Batch batch = new Batch(logEndOffset, epoch, List.copyOf(payloads));
        append(batch);
        return batch;
    }

    /** A follower appends a replicated batch as it is; its base offset must be the log end offset. */
    void appendAsFollower(Batch batch) {
        if (batch.baseOffset() != logEndOffset) {
            throw new IllegalStateException("follower append of a batch at " + batch.baseOffset() + " to a log ending at "
                    + logEndOffset);
        }
        append(batch);
    }

    private void append(Batch batch) {
        if (epochs.isEmpty() || batch.epoch() > epochs.lastKey()) {
            assignEpoch(batch.epoch(), batch.baseOffset());
        }
        batches.put(batch.baseOffset(), batch);
        logEndOffset = batch.nextOffset();
    }

    /** Whole batches from {@code fromOffset} on, at most {@code maxBatches}. */
    List<Batch> read(long fromOffset, int maxBatches) {
        List<Batch> out = new ArrayList<>();
        Long start = batches.floorKey(fromOffset);
        for (Batch batch : batches.tailMap(start == null ? fromOffset : start, true).values()) {
            if (out.size() >= maxBatches) {
                break;
            }
            if (batch.nextOffset() > fromOffset) {
                out.add(batch);
            }
        }
        return out;
    }

    /** Removes everything from {@code offset} on (whole batches: the batch holding it goes too). */
    void truncateTo(long offset) {
        if (offset >= logEndOffset) {
            // As the real log: an epoch this replica started as leader without appending anything goes.
            long end = logEndOffset;
            epochs.values().removeIf(start -> start >= end);
            return;
        }
        batches.values().removeIf(b -> b.nextOffset() > offset);
        logEndOffset = batches.isEmpty() ? logStartOffset : batches.lastEntry().getValue().nextOffset();
        long end = logEndOffset;
        epochs.values().removeIf(start -> start >= end);
        flushedOffset = Math.min(flushedOffset, logEndOffset);
    }

    /** Empties the log and restarts it at {@code offset}. */
    void resetTo(long offset) {
        batches.clear();
        epochs.clear();
        logStartOffset = offset;
        logEndOffset = offset;
        flushedOffset = offset;
    }

    void flush() {
        flushedOffset = logEndOffset;
    }

    /** A power loss: what was not flushed is gone; the epoch history is rebuilt from what remains. */
    void loseUnflushed() {
        truncateTo(flushedOffset);
    }

    /** The record at {@code offset}, or null when the log does not hold it. */
    String payloadAt(long offset) {
        Map.Entry<Long, Batch> entry = batches.floorEntry(offset);
        if (entry == null || offset >= entry.getValue().nextOffset()) {
            return null;
        }
        Batch batch = entry.getValue();
        return batch.payloads().get((int) (offset - batch.baseOffset()));
    }

    List<Batch> batches() {
        return List.copyOf(batches.values());
    }

    @Override
    public String toString() {
        return "SimLog(" + logStartOffset + ".." + logEndOffset + ", epochs=" + epochs + ")";
    }
}
