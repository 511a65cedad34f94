package io.runnel.storage;

import java.util.List;

/**
 * Decides which of a log's oldest segments retention may delete, with Kafka's rules and no I/O (the
 * caller passes what it knows about each segment). Three passes, each over the segments left by the
 * previous one and each stopping at the first segment it keeps:
 * <ol>
 *   <li>time: {@code retention.ms >= 0} and {@code now - largestTimestamp > retention.ms};</li>
 *   <li>size: {@code retention.bytes >= 0} and the log stays at or above {@code retention.bytes}
 *       without the segment;</li>
 *   <li>log start offset: the next segment starts at or below the log start offset (DeleteRecords), so
 *       the whole segment is below it.</li>
 * </ol>
 * In every pass a segment is deletable only when all its offsets are below the high watermark (the next
 * segment's base offset, or the log end offset for the last, is at most the high watermark) and it is not
 * the last segment while empty. When the last segment (the active one) is deletable, the log rolls first
 * so an empty active segment remains. Time and size passes run only when {@code cleanup.policy} contains
 * {@code delete}; the log-start-offset pass always runs. Stateless and thread-safe.
 */
final class RetentionPolicy {

    /** What retention needs to know about one segment. */
    record SegmentInfo(long baseOffset, long sizeBytes, long largestTimestampMs) {
    }

    /** How many leading segments to delete and which rule let the last of them go. */
    record Decision(int deletableCount, String reason) {
        static final Decision NONE = new Decision(0, "nothing to delete");
    }

    private RetentionPolicy() {
    }

    static Decision deletable(List<SegmentInfo> segments, long logEndOffset, long highWatermark, long logStartOffset,
                              LogConfig config, long nowMs) {
        int count = 0;
        String reason = null;
        if (config.deleteEnabled() && config.retentionMs() >= 0) {
            int byTime = count;
            while (byTime < segments.size() && allowed(segments, byTime, logEndOffset, highWatermark)
                    && nowMs - segments.get(byTime).largestTimestampMs() > config.retentionMs()) {
                byTime++;
            }
            if (byTime > count) {
                count = byTime;
                reason = "retention.ms " + config.retentionMs();
            }
        }
        if (config.deleteEnabled() && config.retentionBytes() >= 0) {
            long remainingBytes = 0;
            for (int i = count; i < segments.size(); i++) {
                remainingBytes += segments.get(i).sizeBytes();
            }
            long excess = remainingBytes - config.retentionBytes();
            int bySize = count;
            while (bySize < segments.size() && allowed(segments, bySize, logEndOffset, highWatermark)
                    && excess - segments.get(bySize).sizeBytes() >= 0) {
                excess -= segments.get(bySize).sizeBytes();
                bySize++;
            }
            if (bySize > count) {
                count = bySize;
                reason = "retention.bytes " + config.retentionBytes();
            }
        }
        int byStart = count;
        while (byStart + 1 < segments.size() && allowed(segments, byStart, logEndOffset, highWatermark)
                && segments.get(byStart + 1).baseOffset() <= logStartOffset) {
            byStart++;
        }
        if (byStart > count) {
            count = byStart;
            reason = "log start offset " + logStartOffset;
        }
        return count == 0 ? Decision.NONE : new Decision(count, reason);
    }

    private static boolean allowed(List<SegmentInfo> segments, int index, long logEndOffset, long highWatermark) {
        boolean last = index == segments.size() - 1;
        long upperBound = last ? logEndOffset : segments.get(index + 1).baseOffset();
        return highWatermark >= upperBound && !(last && segments.get(index).sizeBytes() == 0);
    }
}
