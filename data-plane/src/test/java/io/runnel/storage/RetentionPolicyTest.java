package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.TopicConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Retention decisions without files. */
class RetentionPolicyTest {

    static final long NOW = 1_000_000L;

    /** Three full segments of 100 bytes (offsets 0-9, 10-19, 20-29) and an active one (30-34, 50 bytes). */
    static final List<RetentionPolicy.SegmentInfo> SEGMENTS = List.of(
            new RetentionPolicy.SegmentInfo(0, 100, NOW - 5000),
            new RetentionPolicy.SegmentInfo(10, 100, NOW - 4000),
            new RetentionPolicy.SegmentInfo(20, 100, NOW - 3000),
            new RetentionPolicy.SegmentInfo(30, 50, NOW - 100));

    static LogConfig config(String key, long value) {
        return LogConfig.defaults().with(TopicConfig.RETENTION_MS, -1).with(key, value);
    }

    @Test
    void byTimeDeletesTheOldPrefixOnly() {
        var decision = RetentionPolicy.deletable(SEGMENTS, 35, 35, 0, config(TopicConfig.RETENTION_MS, 3500), NOW);
        assertThat(decision.deletableCount()).isEqualTo(2);
        assertThat(decision.reason()).contains("retention.ms");
    }

    @Test
    void timeStopsAtTheFirstYoungSegmentEvenIfLaterOnesAreOld() {
        List<RetentionPolicy.SegmentInfo> mixed = List.of(
                new RetentionPolicy.SegmentInfo(0, 100, NOW), new RetentionPolicy.SegmentInfo(10, 100, NOW - 9000),
                new RetentionPolicy.SegmentInfo(20, 0, NOW));
        assertThat(RetentionPolicy.deletable(mixed, 20, 20, 0, config(TopicConfig.RETENTION_MS, 10), NOW).deletableCount()).isZero();
    }

    @Test
    void neverAboveTheHighWatermark() {
        assertThat(RetentionPolicy.deletable(SEGMENTS, 35, 15, 0, config(TopicConfig.RETENTION_MS, 0), NOW).deletableCount())
                .isEqualTo(1);
        assertThat(RetentionPolicy.deletable(SEGMENTS, 35, 35, 0, config(TopicConfig.RETENTION_MS, 0), NOW).deletableCount())
                .as("the active segment too when everything is below the HW").isEqualTo(4);
    }

    @Test
    void anEmptyActiveSegmentIsNeverDeleted() {
        List<RetentionPolicy.SegmentInfo> segments = List.of(
                new RetentionPolicy.SegmentInfo(0, 100, NOW - 5000), new RetentionPolicy.SegmentInfo(10, 0, -1));
        assertThat(RetentionPolicy.deletable(segments, 10, 10, 0, config(TopicConfig.RETENTION_MS, 0), NOW).deletableCount())
                .isEqualTo(1);
    }

    @Test
    void bySizeKeepsAtLeastRetentionBytes() {
        assertThat(RetentionPolicy.deletable(SEGMENTS, 35, 35, 0, config(TopicConfig.RETENTION_BYTES, 200), NOW).deletableCount())
                .isEqualTo(1); // 350 - 100 = 250 >= 200; - 100 more = 150 < 200
        assertThat(RetentionPolicy.deletable(SEGMENTS, 35, 35, 0, config(TopicConfig.RETENTION_BYTES, 150), NOW).deletableCount())
                .isEqualTo(2);
        assertThat(RetentionPolicy.deletable(SEGMENTS, 35, 35, 0, config(TopicConfig.RETENTION_BYTES, -1), NOW).deletableCount())
                .isZero();
    }

    @Test
    void byLogStartOffsetDeletesSegmentsWhollyBelowIt() {
        LogConfig none = LogConfig.defaults().with(TopicConfig.RETENTION_MS, -1);
        assertThat(RetentionPolicy.deletable(SEGMENTS, 35, 35, 20, none, NOW).deletableCount()).isEqualTo(2);
        assertThat(RetentionPolicy.deletable(SEGMENTS, 35, 35, 19, none, NOW).deletableCount()).isEqualTo(1);
        assertThat(RetentionPolicy.deletable(SEGMENTS, 35, 35, 35, none, NOW).deletableCount())
                .as("the active segment is never deleted by the log start offset").isEqualTo(3);
    }

    @Test
    void compactedTopicsOnlyHonourTheLogStartOffset() {
        LogConfig compact = LogConfig.defaults().with(TopicConfig.CLEANUP_POLICY, "compact").with(TopicConfig.RETENTION_MS, 0);
        assertThat(RetentionPolicy.deletable(SEGMENTS, 35, 35, 10, compact, NOW).deletableCount()).isEqualTo(1);
    }
}
