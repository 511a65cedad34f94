package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.TopicConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CleaningPolicyTest {

    private static final long NOW = 1_000_000;

    /** Segments of 100 bytes at bases 0, 10, 20, ... (the last one active), timestamps base * 10. */
    private static List<CleaningPolicy.SegmentInfo> segments(int count) {
        List<CleaningPolicy.SegmentInfo> infos = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long base = i * 10L;
            infos.add(new CleaningPolicy.SegmentInfo(base, 100, base * 10 + 90, base * 10, 16, 24));
        }
        return infos;
    }

    private static final LogConfig COMPACT = LogConfig.defaults().with(TopicConfig.CLEANUP_POLICY, "compact");

    @Test
    void theCleanableRangeStopsAtTheActiveSegment() {
        CleaningPolicy.CleanableRange range = CleaningPolicy.cleanableRange(segments(5), 0, 45, 45, OptionalLong.empty(), COMPACT, NOW);

        assertThat(range.firstDirtyOffset()).isZero();
        assertThat(range.firstUncleanableOffset()).isEqualTo(40);
        assertThat(range.cleanableBytes()).isEqualTo(400);
        assertThat(range.cleanBytes()).isZero();
        assertThat(range.dirtyRatio()).isEqualTo(1.0);
    }

    @Test
    void theCleanableRangeStopsAtTheFirstSegmentNotWhollyBelowTheHighWatermark() {
        assertThat(CleaningPolicy.cleanableRange(segments(5), 0, 45, 25, OptionalLong.empty(), COMPACT, NOW)
                .firstUncleanableOffset()).isEqualTo(20);
        assertThat(CleaningPolicy.cleanableRange(segments(5), 0, 45, 20, OptionalLong.empty(), COMPACT, NOW)
                .firstUncleanableOffset()).isEqualTo(20);
        assertThat(CleaningPolicy.cleanableRange(segments(5), 0, 45, 19, OptionalLong.empty(), COMPACT, NOW)
                .firstUncleanableOffset()).isEqualTo(10);
        assertThat(CleaningPolicy.cleanableRange(segments(5), 0, 45, 9, OptionalLong.empty(), COMPACT, NOW)
                .cleanableBytes()).isZero();
    }

    @Test
    void theCleanableRangeStopsAtTheFirstSegmentWithinTheMinimumCompactionLag() {
        LogConfig lagged = COMPACT.with(TopicConfig.MIN_COMPACTION_LAG_MS, NOW - 250);
        // now - lag = 250: the segment at 20 (largest timestamp 290) is too recent.
        assertThat(CleaningPolicy.cleanableRange(segments(5), 0, 45, 45, OptionalLong.empty(), lagged, NOW)
                .firstUncleanableOffset()).isEqualTo(20);
    }

    @Test
    void theCheckpointSplitsCleanFromDirtyAndAnInvalidOneIsReset() {
        CleaningPolicy.CleanableRange range = CleaningPolicy.cleanableRange(segments(5), 0, 45, 45, OptionalLong.of(20), COMPACT, NOW);
        assertThat(range.firstDirtyOffset()).isEqualTo(20);
        assertThat(range.cleanBytes()).isEqualTo(200);
        assertThat(range.cleanableBytes()).isEqualTo(200);
        assertThat(range.dirtyRatio()).isEqualTo(0.5);
        assertThat(range.checkpointReset()).isFalse();

        CleaningPolicy.CleanableRange beyond = CleaningPolicy.cleanableRange(segments(5), 0, 45, 45, OptionalLong.of(99), COMPACT, NOW);
        assertThat(beyond.firstDirtyOffset()).isZero();
        assertThat(beyond.checkpointReset()).isTrue();
        CleaningPolicy.CleanableRange below = CleaningPolicy.cleanableRange(segments(5), 10, 45, 45, OptionalLong.of(3), COMPACT, NOW);
        assertThat(below.firstDirtyOffset()).isEqualTo(10);
        assertThat(below.checkpointReset()).isTrue();
    }

    @Test
    void aLogIsCleanedAboveTheDirtyRatioOrWhenOverdueOrWhenATombstoneIsDue() {
        LogConfig config = COMPACT.with(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, 0.6);
        CleaningPolicy.CleanableRange half = CleaningPolicy.cleanableRange(segments(5), 0, 45, 45, OptionalLong.of(20), config, NOW);
        assertThat(CleaningPolicy.shouldClean(half, config, -1, NOW)).isFalse();
        assertThat(CleaningPolicy.shouldClean(half, config, NOW + 1, NOW)).isFalse();
        assertThat(CleaningPolicy.shouldClean(half, config, NOW, NOW)).isTrue();

        // The first dirty segment's first batch (timestamp 200) is older than now - max.compaction.lag.ms.
        LogConfig overdue = config.with(TopicConfig.MAX_COMPACTION_LAG_MS, NOW - 300);
        CleaningPolicy.CleanableRange late = CleaningPolicy.cleanableRange(segments(5), 0, 45, 45, OptionalLong.of(20), overdue, NOW);
        assertThat(late.compactionDelayMs()).isEqualTo(100);
        assertThat(CleaningPolicy.shouldClean(late, overdue, -1, NOW)).isTrue();

        CleaningPolicy.CleanableRange dirty = CleaningPolicy.cleanableRange(segments(5), 0, 45, 45, OptionalLong.of(0), config, NOW);
        assertThat(CleaningPolicy.shouldClean(dirty, config, -1, NOW)).isTrue();
    }

    @Test
    void segmentsAreGroupedUpToTheSegmentSizeAndTrailingEmptySegmentsLeftOut() {
        List<CleaningPolicy.SegmentInfo> infos = List.of(
                new CleaningPolicy.SegmentInfo(0, 40, 0, 0, 8, 12),
                new CleaningPolicy.SegmentInfo(10, 40, 0, 0, 8, 12),
                new CleaningPolicy.SegmentInfo(20, 40, 0, 0, 8, 12),
                new CleaningPolicy.SegmentInfo(30, 0, 0, 0, 0, 0),
                new CleaningPolicy.SegmentInfo(40, 90, 0, 0, 8, 12),
                new CleaningPolicy.SegmentInfo(50, 0, 0, 0, 0, 0));

        assertThat(CleaningPolicy.groupBySize(infos, 100, 1000, 60))
                .containsExactly(List.of(0, 1), List.of(2), List.of(4));
        assertThat(CleaningPolicy.groupBySize(infos, 1000, 20, 60))
                .as("index bytes bound a group too").containsExactly(List.of(0), List.of(1), List.of(2), List.of(4));
        assertThat(CleaningPolicy.groupBySize(infos, 1000, 1000, 60)).containsExactly(List.of(0, 1, 2, 3, 4));
    }
}
