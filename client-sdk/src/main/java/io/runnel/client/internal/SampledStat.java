package io.runnel.client.internal;

/**
 * A windowed statistic like Kafka's sampled stats: values recorded into {@code samples} consecutive
 * windows of {@code windowMs}; a window older than all of them is forgotten. Gives the rate (sum per
 * second, over the time the live windows span, at least {@code samples - 1} windows, as Kafka's Rate
 * does), the average and the maximum of the recorded values. The average and maximum are NaN when no
 * value is live. Memory is fixed ({@code samples} windows). Thread-safe (synchronized).
 */
public final class SampledStat {

    private final long windowMs;
    private final long[] starts;
    private final double[] sums;
    private final long[] counts;
    private final double[] maxes;
    private int current;

    public SampledStat(long windowMs, int samples) {
        if (windowMs < 1 || samples < 1) {
            throw new IllegalArgumentException("windowMs and samples must be positive: " + windowMs + ", " + samples);
        }
        this.windowMs = windowMs;
        this.starts = new long[samples];
        this.sums = new double[samples];
        this.counts = new long[samples];
        this.maxes = new double[samples];
        java.util.Arrays.fill(starts, Long.MIN_VALUE);
    }

    public synchronized void record(double value, long nowMs) {
        if (starts[current] == Long.MIN_VALUE || nowMs >= starts[current] + windowMs) {
            current = starts[current] == Long.MIN_VALUE ? current : (current + 1) % starts.length;
            starts[current] = nowMs;
            sums[current] = 0;
            counts[current] = 0;
            maxes[current] = Double.NEGATIVE_INFINITY;
        }
        sums[current] += value;
        counts[current]++;
        maxes[current] = Math.max(maxes[current], value);
    }

    private boolean live(int i, long nowMs) {
        return starts[i] != Long.MIN_VALUE && nowMs - starts[i] < windowMs * starts.length;
    }

    /** Sum of the live values per second. */
    public synchronized double rate(long nowMs) {
        double sum = 0;
        long oldest = nowMs;
        for (int i = 0; i < starts.length; i++) {
            if (live(i, nowMs)) {
                sum += sums[i];
                oldest = Math.min(oldest, starts[i]);
            }
        }
        long elapsedMs = Math.max(nowMs - oldest, windowMs * (starts.length - 1));
        return sum * 1000.0 / Math.max(1, elapsedMs);
    }

    public synchronized double avg(long nowMs) {
        double sum = 0;
        long count = 0;
        for (int i = 0; i < starts.length; i++) {
            if (live(i, nowMs)) {
                sum += sums[i];
                count += counts[i];
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    public synchronized double max(long nowMs) {
        double max = Double.NEGATIVE_INFINITY;
        boolean any = false;
        for (int i = 0; i < starts.length; i++) {
            if (live(i, nowMs) && counts[i] > 0) {
                max = Math.max(max, maxes[i]);
                any = true;
            }
        }
        return any ? max : Double.NaN;
    }
}
