package io.runnel.cli.client;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Latency and throughput of a perf run, printed in the style of Kafka's {@code ProducerPerformance}:
 * a progress line for every window of {@link #REPORT_INTERVAL_MS} and a final summary with
 * percentiles from an HdrHistogram of microseconds (3 significant digits).
 *
 * <p>Thread-safe: producer callbacks record from the SDK's sender thread while the main thread
 * sends; every method is synchronized on this object, which also serializes progress output.
 */
public final class PerfStats {

    public static final long REPORT_INTERVAL_MS = 5_000;
    private static final double MEGABYTE = 1024.0 * 1024.0;

    private final String verb;
    private final PrintWriter out;
    private final LongSupplier nanoClock;
    private final long startNanos;
    private final Histogram latencyMicros = new Histogram(3);
    private long count;
    private long bytes;

    private long windowStartNanos;
    private long windowCount;
    private long windowBytes;
    private long windowLatencyMicrosTotal;
    private long windowLatencyMicrosMax;

    /** {@code verb} completes "N records …" in every line: "sent", "consumed". */
    public PerfStats(String verb, PrintWriter out, LongSupplier nanoClock) {
        this.verb = verb;
        this.out = out;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
        this.windowStartNanos = startNanos;
    }

    /** One completed record of {@code sizeBytes} that took {@code latencyNanos}; prints progress when a window ends. */
    public synchronized void record(long latencyNanos, long sizeBytes) {
        long micros = Math.max(0, latencyNanos / 1_000);
        latencyMicros.recordValue(micros);
        count++;
        bytes += sizeBytes;
        windowCount++;
        windowBytes += sizeBytes;
        windowLatencyMicrosTotal += micros;
        windowLatencyMicrosMax = Math.max(windowLatencyMicrosMax, micros);
        long now = nanoClock.getAsLong();
        if (now - windowStartNanos >= REPORT_INTERVAL_MS * 1_000_000) {
            out.println(progressLine(verb, windowCount, windowBytes, now - windowStartNanos,
                    windowLatencyMicrosTotal, windowLatencyMicrosMax));
            out.flush();
            windowStartNanos = now;
            windowCount = 0;
            windowBytes = 0;
            windowLatencyMicrosTotal = 0;
            windowLatencyMicrosMax = 0;
        }
    }

    public synchronized long count() {
        return count;
    }

    /** The final line for everything recorded since construction. */
    public synchronized String summary() {
        long elapsedNanos = Math.max(1, nanoClock.getAsLong() - startNanos);
        return summaryLine(verb, count, bytes, elapsedNanos, latencyMicros);
    }

    /** {@code 50001 records sent, 10000.2 records/sec (9.77 MB/sec), 3.4 ms avg latency, 150.0 ms max latency.} */
    static String progressLine(String verb, long count, long bytes, long elapsedNanos,
                               long latencyMicrosTotal, long latencyMicrosMax) {
        double seconds = Math.max(1, elapsedNanos) / 1e9;
        double averageMs = count == 0 ? 0 : latencyMicrosTotal / 1000.0 / count;
        return String.format(Locale.ROOT, "%d records %s, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.",
                count, verb, count / seconds, bytes / MEGABYTE / seconds, averageMs, latencyMicrosMax / 1000.0);
    }

    /** {@code 50001 records consumed, 10000.2 records/sec (9.77 MB/sec).}, for runs without per-record latency. */
    static String throughputLine(String verb, long count, long bytes, long elapsedNanos) {
        double seconds = Math.max(1, elapsedNanos) / 1e9;
        return String.format(Locale.ROOT, "%d records %s, %.1f records/sec (%.2f MB/sec).",
                count, verb, count / seconds, bytes / MEGABYTE / seconds);
    }

    /**
     * {@code 100000 records sent, 9999.1 records/sec (9.76 MB/sec), 2.31 ms avg latency, 80.12 ms max latency,
     * 1.20 ms 50th, 5.00 ms 95th, 9.10 ms 99th, 40.00 ms 99.9th.}
     */
    static String summaryLine(String verb, long count, long bytes, long elapsedNanos, Histogram latencyMicros) {
        double seconds = Math.max(1, elapsedNanos) / 1e9;
        boolean empty = latencyMicros.getTotalCount() == 0;
        return String.format(Locale.ROOT,
                "%d records %s, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "
                        + "%.2f ms 50th, %.2f ms 95th, %.2f ms 99th, %.2f ms 99.9th.",
                count, verb, count / seconds, bytes / MEGABYTE / seconds,
                empty ? 0.0 : latencyMicros.getMean() / 1000.0,
                empty ? 0.0 : latencyMicros.getMaxValue() / 1000.0,
                percentileMs(latencyMicros, 50), percentileMs(latencyMicros, 95),
                percentileMs(latencyMicros, 99), percentileMs(latencyMicros, 99.9));
    }

    private static double percentileMs(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? 0.0 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }
}
