package io.runnel.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Which part of a compacted log the cleaner may rewrite, how dirty the log is, and how the segments are
 * grouped for rewriting: pure functions of segment descriptions, the log's offsets, its config and the
 * time (no files, no clock). Stateless and thread-safe.
 *
 * <p>A compacted log is a <em>clean</em> section (everything below the cleaner's checkpoint, already
 * deduplicated) followed by a <em>dirty</em> one. The dirty section's <em>cleanable</em> part ends at the
 * first uncleanable offset: the base of the first segment that is the active segment, that is not wholly
 * below the high watermark (records consumers cannot see yet are never rewritten), or whose largest
 * timestamp is within {@code min.compaction.lag.ms} of now. Cleanable ranges are whole segments.
 */
final class CleaningPolicy {

    private CleaningPolicy() {
    }

    /**
     * What the policy needs of one segment.
     *
     * @param firstBatchTimestampMs the first batch's max timestamp, or -1 when the segment is empty
     * @param indexBytes            bytes of its offset index (a cleaned group must fit one index)
     */
    record SegmentInfo(long baseOffset, long sizeInBytes, long largestTimestampMs, long firstBatchTimestampMs,
                       long indexBytes, long timeIndexBytes) {
    }

    /**
     * The cleanable part of a log.
     *
     * @param firstDirtyOffset        where the dirty section starts
     * @param firstUncleanableOffset  where the cleanable part ends (a segment base, at least firstDirtyOffset)
     * @param cleanBytes              bytes of the segments wholly below firstDirtyOffset
     * @param cleanableBytes          bytes of the segments from the one holding firstDirtyOffset up to firstUncleanableOffset
     * @param compactionDelayMs       how far past max.compaction.lag.ms the oldest dirty record is (0: not late)
     * @param checkpointReset         the checkpoint was outside [log start, log end] and was replaced by the log start
     */
    record CleanableRange(long firstDirtyOffset, long firstUncleanableOffset, long cleanBytes, long cleanableBytes,
                          long compactionDelayMs, boolean checkpointReset) {

        long totalBytes() {
            return cleanBytes + cleanableBytes;
        }

        /** Share of the log's bytes that is cleanable, 0..1 (Kafka's cleanable ratio). */
        double dirtyRatio() {
            return totalBytes() == 0 ? 0.0 : cleanableBytes / (double) totalBytes();
        }
    }

    /**
     * The cleanable range of a log.
     *
     * @param segments       the log's segments, oldest first, the active segment last
     * @param checkpoint     the cleaner's checkpoint (first dirty offset) for the log, if any
     */
    static CleanableRange cleanableRange(List<SegmentInfo> segments, long logStartOffset, long logEndOffset,
                                         long highWatermark, OptionalLong checkpoint, LogConfig config, long nowMs) {
        long firstDirty = checkpoint.orElse(logStartOffset);
        boolean reset = false;
        if (firstDirty < logStartOffset || firstDirty > logEndOffset) {
            firstDirty = logStartOffset;
            reset = checkpoint.isPresent();
        }
        SegmentInfo active = segments.get(segments.size() - 1);
        long firstUncleanable = active.baseOffset();
        int dirtyFrom = segmentHolding(segments, firstDirty);
        long minLagMs = Math.max(0, config.minCompactionLagMs());
        for (int i = Math.max(0, dirtyFrom); i < segments.size() - 1; i++) {
            SegmentInfo segment = segments.get(i);
            long nextBase = segments.get(i + 1).baseOffset();
            boolean aboveHighWatermark = nextBase > highWatermark;
            boolean tooRecent = minLagMs > 0 && segment.largestTimestampMs() > nowMs - minLagMs;
            if (aboveHighWatermark || tooRecent) {
                firstUncleanable = segment.baseOffset();
                break;
            }
        }
        firstUncleanable = Math.max(firstUncleanable, firstDirty);
        long cleanBytes = 0;
        long cleanableBytes = 0;
        for (int i = 0; i < segments.size() - 1; i++) {
            SegmentInfo segment = segments.get(i);
            long nextBase = segments.get(i + 1).baseOffset();
            if (nextBase <= firstDirty) {
                cleanBytes += segment.sizeInBytes();
            } else if (segment.baseOffset() < firstUncleanable) {
                cleanableBytes += segment.sizeInBytes();
            }
        }
        long delayMs = compactionDelayMs(segments, Math.max(0, dirtyFrom), config, nowMs);
        return new CleanableRange(firstDirty, firstUncleanable, cleanBytes, cleanableBytes, delayMs, reset);
    }

    /**
     * Kafka's rule for max.compaction.lag.ms: how long ago the oldest dirty, non-active segment's first
     * batch became overdue (its timestamp older than now - max.compaction.lag.ms), else 0.
     */
    private static long compactionDelayMs(List<SegmentInfo> segments, int dirtyFrom, LogConfig config, long nowMs) {
        long earliest = Long.MAX_VALUE;
        for (int i = dirtyFrom; i < segments.size() - 1; i++) {
            long first = segments.get(i).firstBatchTimestampMs();
            if (first > 0) {
                earliest = Math.min(earliest, first);
            }
        }
        long maxLagMs = Math.max(0, config.maxCompactionLagMs());
        long cleanUntilMs = nowMs - maxLagMs;
        return earliest < cleanUntilMs ? cleanUntilMs - earliest : 0;
    }

    /** Index of the segment holding {@code offset} (the last with base ≤ offset), or -1. */
    private static int segmentHolding(List<SegmentInfo> segments, long offset) {
        int found = -1;
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).baseOffset() <= offset) {
                found = i;
            }
        }
        return found;
    }

    /**
     * Whether a log should be cleaned now: its dirty ratio is above min.cleanable.dirty.ratio; or it has
     * cleanable bytes and a record is overdue by max.compaction.lag.ms; or a tombstone's delete horizon
     * (when the last cleaning kept one) has passed and there is anything to rewrite.
     */
    static boolean shouldClean(CleanableRange range, LogConfig config, long tombstoneDueMs, long nowMs) {
        if (range.totalBytes() == 0) {
            return false;
        }
        if (range.compactionDelayMs() > 0 && range.cleanableBytes() > 0) {
            return true;
        }
        if (tombstoneDueMs >= 0 && tombstoneDueMs <= nowMs) {
            return true;
        }
        return range.dirtyRatio() > config.minCleanableDirtyRatio();
    }

    /**
     * Groups consecutive segments (oldest first, all below {@code endOffset}) so that each group is
     * rewritten into one segment: its total log size stays within {@code segmentBytes}, its index sizes
     * within {@code indexBytesMax}, and its offsets within an int32 of its first base offset (the last
     * segment's end estimated by the next segment's base, or {@code endOffset}). Empty segments at the
     * end of a group are left out of it: a cleaned segment must end with its group's last batch (see
     * {@link LogLoader}), and an empty segment has none. Returns groups of indexes into {@code segments}.
     */
    static List<List<Integer>> groupBySize(List<SegmentInfo> segments, long segmentBytes, long indexBytesMax, long endOffset) {
        List<List<Integer>> groups = new ArrayList<>();
        int i = 0;
        while (i < segments.size()) {
            List<Integer> group = new ArrayList<>();
            group.add(i);
            long logBytes = segments.get(i).sizeInBytes();
            long indexBytes = segments.get(i).indexBytes();
            long timeIndexBytes = segments.get(i).timeIndexBytes();
            long groupBase = segments.get(i).baseOffset();
            i++;
            while (i < segments.size()) {
                SegmentInfo next = segments.get(i);
                long nextEnd = i + 1 < segments.size() ? segments.get(i + 1).baseOffset() - 1 : endOffset - 1;
                boolean fits = logBytes + next.sizeInBytes() <= segmentBytes
                        && indexBytes + next.indexBytes() <= indexBytesMax
                        && timeIndexBytes + next.timeIndexBytes() <= indexBytesMax
                        && (next.sizeInBytes() == 0 || nextEnd - groupBase <= Integer.MAX_VALUE);
                if (!fits) {
                    break;
                }
                group.add(i);
                logBytes += next.sizeInBytes();
                indexBytes += next.indexBytes();
                timeIndexBytes += next.timeIndexBytes();
                i++;
            }
            while (group.size() > 1 && segments.get(group.get(group.size() - 1)).sizeInBytes() == 0) {
                group.remove(group.size() - 1);
            }
            if (segments.get(group.get(group.size() - 1)).sizeInBytes() > 0) {
                groups.add(group);
            }
        }
        return groups;
    }
}
