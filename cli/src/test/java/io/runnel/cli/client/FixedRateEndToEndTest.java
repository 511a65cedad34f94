package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The pure parts of {@code runnel perf e2e --rate}: the schedule, the options, the loop's checks and the summary. */
class FixedRateEndToEndTest {

    @Test
    void scheduleSpacesRecordsEvenlyFromTheStart() {
        FixedRateSchedule schedule = FixedRateSchedule.of(1_000, 5_000);

        assertThat(schedule.intendedOffsetNanos(0)).isZero();
        assertThat(schedule.intendedOffsetNanos(1)).isEqualTo(1_000_000);
        assertThat(schedule.intendedOffsetNanos(4_999)).isEqualTo(4_999_000_000L);
        // Rates that do not divide a second keep the exact schedule rather than accumulating rounding.
        assertThat(FixedRateSchedule.of(3, 10).intendedOffsetNanos(3)).isEqualTo(1_000_000_000L);
        assertThat(FixedRateSchedule.of(3, 10).intendedOffsetNanos(1)).isEqualTo(333_333_333L);
        assertThatThrownBy(() -> schedule.intendedOffsetNanos(5_000)).isInstanceOf(IndexOutOfBoundsException.class);
        // The largest schedule does not overflow.
        FixedRateSchedule largest = FixedRateSchedule.of(1, FixedRateSchedule.MAX_RECORDS);
        assertThat(largest.intendedOffsetNanos(FixedRateSchedule.MAX_RECORDS - 1))
                .isEqualTo((FixedRateSchedule.MAX_RECORDS - 1) * 1_000_000_000L);
    }

    @Test
    void recordsAndWarmupFollowRateAndSeconds() {
        assertThat(FixedRateSchedule.recordsFor(10_000, 30)).isEqualTo(300_000);
        assertThat(FixedRateSchedule.of(10_000, 300_000).warmupRecords(5)).isEqualTo(50_000);
        assertThat(FixedRateSchedule.of(10_000, 300_000).warmupRecords(0)).isZero();
        assertThatThrownBy(() -> FixedRateSchedule.of(10_000, 300_000).warmupRecords(30))
                .hasMessage("--warmup-s 30 covers all 300000 records of the run; nothing would be measured");
        assertThatThrownBy(() -> FixedRateSchedule.of(0, 10)).hasMessage("--rate must be between 1 and 1000000000 records/s; got 0");
        assertThatThrownBy(() -> FixedRateSchedule.recordsFor(1_000, 0)).hasMessage("--duration-s must be positive; got 0");
        assertThatThrownBy(() -> FixedRateSchedule.recordsFor(1_000_000, 2_000))
                .hasMessage("--rate 1000000 for --duration-s 2000 is more than 1000000000 records; shorten the run");
    }

    @Test
    void optionCombinationsAreRefusedByName() {
        assertThat(PerfCommand.EndToEnd.plannedRecords(20L, null, null, 0)).isEqualTo(20);
        assertThat(PerfCommand.EndToEnd.plannedRecords(null, 1_000L, 30L, 5)).isEqualTo(30_000);
        assertThat(PerfCommand.EndToEnd.plannedRecords(500L, 1_000L, null, 0)).isEqualTo(500);

        assertThatThrownBy(() -> PerfCommand.EndToEnd.plannedRecords(null, null, null, 0))
                .hasMessage("--num-records is required (or --rate with --duration-s)");
        assertThatThrownBy(() -> PerfCommand.EndToEnd.plannedRecords(20L, null, 10L, 0))
                .hasMessage("--duration-s applies only with --rate");
        assertThatThrownBy(() -> PerfCommand.EndToEnd.plannedRecords(20L, null, null, 3))
                .hasMessage("--warmup-s applies only with --rate");
        assertThatThrownBy(() -> PerfCommand.EndToEnd.plannedRecords(20L, 1_000L, 10L, 0))
                .hasMessage("--rate takes --duration-s or --num-records, not both");
        assertThatThrownBy(() -> PerfCommand.EndToEnd.plannedRecords(null, 1_000L, null, 0))
                .hasMessage("--rate needs --duration-s (or --num-records)");
        assertThatThrownBy(() -> PerfCommand.EndToEnd.plannedRecords(null, -5L, 10L, 0))
                .hasMessage("--rate must be between 1 and 1000000000 records/s; got -5");
        assertThatThrownBy(() -> PerfCommand.EndToEnd.plannedRecords(0L, null, null, 0))
                .hasMessage("--num-records must be positive; got 0");
    }

    @Test
    void recordsTooSmallForTheHeaderAreRefused() {
        assertThatThrownBy(() -> new FixedRateEndToEnd(FixedRateSchedule.of(10, 10), 8, 0, 1_000))
                .hasMessageStartingWith("--record-size must be at least 16 bytes at a fixed rate");
    }

    @Test
    void headerCarriesIndexAndIntendedTime() {
        byte[] value = FixedRateEndToEnd.payload(64, new java.util.Random(1));
        FixedRateSchedule.writeHeader(value, 42, -7_000_000_123L);

        assertThat(FixedRateSchedule.index(value)).isEqualTo(42);
        assertThat(FixedRateSchedule.intendedNanos(value)).isEqualTo(-7_000_000_123L);
        assertThat(value[FixedRateSchedule.HEADER_BYTES]).isBetween((byte) 'A', (byte) 'Z');
    }

    @Test
    void everyRecordSentIsReadBackAndWarmupIsLeftOutOfTheFigures() throws Exception {
        LinkedBlockingQueue<byte[]> partition = new LinkedBlockingQueue<>();
        FixedRateEndToEnd run = new FixedRateEndToEnd(FixedRateSchedule.of(2_000, 100), 32, 20, 5_000);

        FixedRateReport report = run.run((value, done) -> {
            partition.add(value);
            done.accept(null);
        }, timeoutMs -> drain(partition, timeoutMs));

        assertThat(report.complete()).isTrue();
        assertThat(report.sent()).isEqualTo(100);
        assertThat(report.received()).isEqualTo(100);
        assertThat(report.latencyMicros().getTotalCount()).isEqualTo(80);
        assertThat(report.firstError()).isNull();
    }

    @Test
    void aRecordOutOfOrderStopsTheRunWithANamedError() throws Exception {
        LinkedBlockingQueue<byte[]> partition = new LinkedBlockingQueue<>();
        FixedRateEndToEnd run = new FixedRateEndToEnd(FixedRateSchedule.of(1_000, 50), 32, 0, 5_000);

        FixedRateReport report = run.run((value, done) -> {
            if (FixedRateSchedule.index(value) == 3) {
                byte[] stranger = value.clone();
                FixedRateSchedule.writeHeader(stranger, 99, 0);
                partition.add(stranger);
            }
            partition.add(value);
            done.accept(null);
        }, timeoutMs -> drain(partition, timeoutMs));

        assertThat(report.complete()).isFalse();
        assertThat(report.received()).isEqualTo(3);
        assertThat(report.firstError()).isEqualTo("read record 99 where record 3 was expected; is another producer writing to the partition?");
    }

    @Test
    void failedSendsAreCountedAndTheReceiverGivesUpAfterTheIdleTimeout() throws Exception {
        LinkedBlockingQueue<byte[]> partition = new LinkedBlockingQueue<>();
        FixedRateEndToEnd run = new FixedRateEndToEnd(FixedRateSchedule.of(1_000, 10), 32, 0, 200);

        FixedRateReport report = run.run((value, done) -> {
            if (FixedRateSchedule.index(value) < 5) {
                partition.add(value);
                done.accept(null);
            } else {
                done.accept("NOT_LEADER_OR_FOLLOWER: moved");
            }
        }, timeoutMs -> drain(partition, timeoutMs));

        assertThat(report.complete()).isFalse();
        assertThat(report.received()).isEqualTo(5);
        assertThat(report.failed()).isGreaterThanOrEqualTo(1);
        assertThat(report.firstError()).isEqualTo("send failed: NOT_LEADER_OR_FOLLOWER: moved");
    }

    @Test
    void summaryPrintsPercentilesMaxAndAchievedRate() {
        Histogram micros = new Histogram(3);
        for (int i = 1; i <= 1000; i++) {
            micros.recordValue(i * 10L);
        }
        FixedRateReport report = new FixedRateReport(1_000, 1_000, 1_000, 0, null, 1_000, 2_000_000_000L, micros);

        assertThat(report.summary()).isEqualTo("1000 records at 1000 rec/s: sent at 500.0 rec/s, 1000 received, 1000 measured;"
                + " latency from intended send time 5.00 ms 50th, 9.01 ms 90th, 9.90 ms 99th, 9.99 ms 99.9th, 10.01 ms max.");
        assertThat(new FixedRateReport(10, 10, 0, 0, null, 0, 0, new Histogram(3)).summary())
                .endsWith("0.00 ms 50th, 0.00 ms 90th, 0.00 ms 99th, 0.00 ms 99.9th, 0.00 ms max.");
    }

    private static List<byte[]> drain(LinkedBlockingQueue<byte[]> partition, long timeoutMs) {
        List<byte[]> values = new ArrayList<>();
        try {
            byte[] first = partition.poll(timeoutMs, TimeUnit.MILLISECONDS);
            if (first != null) {
                values.add(first);
                partition.drainTo(values);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return values;
    }
}
