package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class PerfStatsTest {

    private static final long MS = 1_000_000L;

    @Test
    void summaryHasKafkaFieldsAndPercentilesInMilliseconds() {
        Histogram micros = new Histogram(3);
        for (int i = 1; i <= 1000; i++) {
            micros.recordValue(i * 1000L);
        }

        String line = PerfStats.summaryLine("sent", 1000, 1000L * 1024 * 1024, 2_000 * MS, micros);

        assertThat(line).isEqualTo("1000 records sent, 500.0 records/sec (500.00 MB/sec), 500.50 ms avg latency, "
                + "1000.45 ms max latency, 500.22 ms 50th, 950.27 ms 95th, 990.21 ms 99th, 999.42 ms 99.9th.");
    }

    @Test
    void emptyRunPrintsZeros() {
        assertThat(PerfStats.summaryLine("sent", 0, 0, 0, new Histogram(3)))
                .isEqualTo("0 records sent, 0.0 records/sec (0.00 MB/sec), 0.00 ms avg latency, 0.00 ms max latency, "
                        + "0.00 ms 50th, 0.00 ms 95th, 0.00 ms 99th, 0.00 ms 99.9th.");
    }

    @Test
    void progressLineAfterEachFiveSecondWindow() {
        AtomicLong clock = new AtomicLong();
        StringWriter text = new StringWriter();
        PerfStats stats = new PerfStats("sent", new PrintWriter(text), clock::get);

        stats.record(2 * MS, 1024);
        clock.set(4_999 * MS);
        stats.record(4 * MS, 1024);
        assertThat(text.toString()).isEmpty();
        clock.set(5_000 * MS);
        stats.record(6 * MS, 1024);
        clock.set(6_000 * MS);
        stats.record(1 * MS, 1024);

        assertThat(text.toString().lines()).containsExactly(
                "3 records sent, 0.6 records/sec (0.00 MB/sec), 4.0 ms avg latency, 6.0 ms max latency.");
        assertThat(stats.count()).isEqualTo(4);
        assertThat(stats.summary()).startsWith("4 records sent, 0.7 records/sec (0.00 MB/sec), 3.25 ms avg latency, 6.00 ms max latency");
    }

    @Test
    void throughputLineWithoutLatency() {
        assertThat(PerfStats.throughputLine("consumed", 250_000, 256L * 1024 * 1024, 1_000 * MS))
                .isEqualTo("250000 records consumed, 250000.0 records/sec (256.00 MB/sec).");
    }

    @Test
    void consumerSummaryIsKafkaCsv() {
        String line = PerfCommand.Consume.summary(0, 2_000, 20L * 1024 * 1024, 20_000, 2_000 * MS);

        assertThat(line).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d:\\d{3}, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d:\\d{3}, "
                + "20\\.0000, 10\\.0000, 20000, 10000\\.0000, 2000");
        assertThat(PerfCommand.Consume.HEADER.split(", ")).hasSize(line.split(", ").length);
    }

    @Test
    void throttlerHoldsTheRateAndRejectsZero() {
        ThroughputThrottler unlimited = new ThroughputThrottler(-1, 0);
        assertThat(unlimited.shouldThrottle(1_000_000, 1)).isFalse();

        ThroughputThrottler hundredPerSecond = new ThroughputThrottler(100, 0);
        assertThat(hundredPerSecond.shouldThrottle(50, 1_000)).isFalse();
        assertThat(hundredPerSecond.shouldThrottle(101, 1_000)).isTrue();
        assertThat(hundredPerSecond.shouldThrottle(1, 0)).isFalse();

        assertThatThrownBy(() -> new ThroughputThrottler(0, 0))
                .hasMessage("--throughput must be positive, or -1 for unlimited; got 0");
    }
}
