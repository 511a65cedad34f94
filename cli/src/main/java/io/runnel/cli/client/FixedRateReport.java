package io.runnel.cli.client;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The outcome of a fixed-rate end-to-end run ({@link FixedRateEndToEnd}) and its one-line summary.
 * Latencies are microseconds from each record's intended send time to its receipt, in an HdrHistogram
 * with 3 significant digits; warm-up records are counted as received but not measured. Immutable once
 * built; the histogram is owned by the report (callers must not record into it afterwards).
 *
 * @param targetRatePerSec the schedule's rate
 * @param records          records in the schedule
 * @param sent             send calls made (each acknowledged or failed)
 * @param failed           sends that failed
 * @param firstError       the first send failure, or the first wrong record read back; null when none
 * @param received         records read back in order
 * @param sendElapsedNanos from the start of the schedule to the last send call's return
 * @param latencyMicros    measured records only
 */
public record FixedRateReport(long targetRatePerSec, long records, long sent, long failed, String firstError,
                              long received, long sendElapsedNanos, Histogram latencyMicros) {

    /** The rate the producer kept: the records sent over the time from the start to the last send. */
    public double achievedRatePerSec() {
        return sent / (Math.max(1, sendElapsedNanos) / 1e9);
    }

    /** True when every record was sent, acknowledged and read back, and nothing unexpected was read. */
    public boolean complete() {
        return failed == 0 && firstError == null && received == records;
    }

    /**
     * {@code 10000 records at 1000 rec/s: sent at 999.9 rec/s, 10000 received, 9000 measured; latency from
     * intended send time 0.81 ms 50th, 1.20 ms 90th, 3.10 ms 99th, 7.70 ms 99.9th, 9.02 ms max.}
     */
    public String summary() {
        Histogram h = latencyMicros;
        return String.format(Locale.ROOT,
                "%d records at %d rec/s: sent at %.1f rec/s, %d received, %d measured; latency from intended send time "
                        + "%.2f ms 50th, %.2f ms 90th, %.2f ms 99th, %.2f ms 99.9th, %.2f ms max.",
                records, targetRatePerSec, achievedRatePerSec(), received, h.getTotalCount(),
                percentileMs(h, 50), percentileMs(h, 90), percentileMs(h, 99), percentileMs(h, 99.9),
                h.getTotalCount() == 0 ? 0.0 : h.getMaxValue() / 1000.0);
    }

    private static double percentileMs(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? 0.0 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }
}
