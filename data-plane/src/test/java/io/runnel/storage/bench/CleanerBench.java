package io.runnel.storage.bench;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.time.Time;
import io.runnel.storage.CleanerConfig;
import io.runnel.storage.CleanerStats;
import io.runnel.storage.LogCleaner;
import io.runnel.storage.LogConfig;
import io.runnel.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * A measurement harness for the log cleaner (not a test; see docs/benchmarks.md).
 *
 * <ol>
 *   <li><b>Throughput.</b> Writes a compacted log of {@code totalMiB} (default 1 GiB) in 16 KiB batches of
 *       16 records with 1 KiB random values and 10-byte keys drawn uniformly from a key space of 10% of the
 *       record count (so about 10% of the records are live after cleaning), in 128 MiB segments, then runs
 *       one cleaning with the broker's default cleaner settings (128 MiB key map) and reports MB/s read
 *       (the key-map pass plus the rewrite pass) and written.</li>
 *   <li><b>Producer latency.</b> Appends a second dirty section of that size, then appends 16 KiB
 *       batches to the same log at a fixed rate ({@code ratePerSec}) from one thread, first for
 *       {@code baselineSecs} with no cleaning, then while a cleaning runs on another thread. Latency is
 *       measured from each append's scheduled start (so a stall is not hidden by the producer falling
 *       behind) and reported as percentiles for both windows.</li>
 * </ol>
 *
 * <pre>
 * java -cp ... io.runnel.storage.bench.CleanerBench [totalMiB=1024] [ratePerSec=1000] [baselineSecs=10] [dir=/tmp]
 * </pre>
 */
public final class CleanerBench {

    private static final int VALUE_BYTES = 1024;
    private static final int RECORDS_PER_BATCH = 16;
    private static final int SEGMENT_BYTES = 128 * 1024 * 1024;

    private CleanerBench() {
    }

    public static void main(String[] args) throws Exception {
        long totalMiB = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        int ratePerSec = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int baselineSecs = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path base = Path.of(args.length > 3 ? args[3] : System.getProperty("java.io.tmpdir"));
        Path root = Files.createTempDirectory(base, "runnel-cleaner-bench");
        Path dir = root.resolve("bench-0");
        LogConfig config = LogConfig.defaults()
                .with(TopicConfig.CLEANUP_POLICY, TopicConfig.CLEANUP_POLICY_COMPACT)
                .with(TopicConfig.SEGMENT_BYTES, SEGMENT_BYTES)
                .with(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, 0.0);
        Random random = new Random(42);
        try (PartitionLog log = PartitionLog.builder(dir).config(config).hadCleanShutdown(true).open()) {
            LogCleaner cleaner = new LogCleaner(CleanerConfig.defaults().withEnable(false), List.of(root), () -> List.of(log),
                    Time.SYSTEM);
            cleaner.startup();
            long records = totalMiB * 1024 * 1024 / (VALUE_BYTES + 20);
            long keySpace = Math.max(1, records / 10);
            long start = System.nanoTime();
            appendDirty(log, random, records, keySpace);
            System.out.printf("wrote %d records over %d keys: %.1f MiB in %d segments (%.1f s)%n", records, keySpace,
                    log.sizeInBytes() / 1048576.0, log.numberOfSegments(), (System.nanoTime() - start) / 1e9);

            long before = log.sizeInBytes();
            if (!cleaner.cleanOnce()) {
                throw new IllegalStateException("nothing was cleaned");
            }
            CleanerStats stats = cleaner.lastCleanOnceStats();
            report("throughput", stats, before, log.sizeInBytes());

            appendDirty(log, random, records, keySpace);
            measureLatency(log, cleaner, random, ratePerSec, baselineSecs);
        } finally {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void appendDirty(PartitionLog log, Random random, long records, long keySpace) {
        for (long written = 0; written < records; written += RECORDS_PER_BATCH) {
            log.appendAsLeader(batch(random, keySpace), 0);
        }
        log.roll();
        log.updateHighWatermark(log.logEndOffset());
    }

    private static ByteBuffer batch(Random random, long keySpace) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().initialCapacityBytes(20_000).newBuilder();
        byte[] value = new byte[VALUE_BYTES];
        for (int r = 0; r < RECORDS_PER_BATCH; r++) {
            random.nextBytes(value);
            byte[] key = String.format("%010d", (long) (random.nextDouble() * keySpace)).getBytes(StandardCharsets.US_ASCII);
            builder.append(System.currentTimeMillis(), key, value, null);
        }
        return builder.build();
    }

    private static void report(String what, CleanerStats stats, long bytesBefore, long bytesAfter) {
        double readMb = (stats.mapBytesRead() + stats.bytesRead()) / 1e6;
        double writtenMb = stats.bytesWritten() / 1e6;
        double secs = stats.elapsedSecs();
        System.out.printf("%s: cleaned %.1f MB -> %.1f MB (%d of %d records kept) in %.2f s: read %.1f MB/s (key map %.1f MB in "
                        + "%.2f s + rewrite %.1f MB), written %.1f MB/s; key map %.0f%% full%n",
                what, bytesBefore / 1e6, bytesAfter / 1e6, stats.recordsWritten(), stats.recordsRead(), secs, readMb / secs,
                stats.mapBytesRead() / 1e6, stats.elapsedMapSecs(), stats.bytesRead() / 1e6, writtenMb / secs,
                100 * stats.bufferUtilization());
    }

    private static void measureLatency(PartitionLog log, LogCleaner cleaner, Random random, int ratePerSec, int baselineSecs)
            throws InterruptedException {
        ByteBuffer[] batches = new ByteBuffer[64];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = batch(random, 1_000_000);
        }
        long intervalNs = 1_000_000_000L / ratePerSec;
        Histogram baseline = new Histogram(60_000_000_000L, 3);
        Histogram cleaning = new Histogram(60_000_000_000L, 3);
        long[] sent = {0};
        produce(log, batches, intervalNs, baseline, sent, () -> false, System.nanoTime() + baselineSecs * 1_000_000_000L);
        long before = log.sizeInBytes();
        boolean[] done = {false};
        Thread cleanerThread = new Thread(() -> {
            cleaner.cleanOnce();
            synchronized (done) {
                done[0] = true;
            }
        }, "bench-cleaner");
        cleanerThread.start();
        produce(log, batches, intervalNs, cleaning, sent, () -> {
            synchronized (done) {
                return done[0];
            }
        }, Long.MAX_VALUE);
        cleanerThread.join();
        report("while producing", cleaner.lastCleanOnceStats(), before, log.sizeInBytes());
        System.out.printf("append latency at %d batches/s (%.1f MB/s), from each append's scheduled start:%n", ratePerSec,
                ratePerSec * batches[0].remaining() / 1e6);
        print("  no cleaning ", baseline);
        print("  cleaning    ", cleaning);
    }

    private static void produce(PartitionLog log, ByteBuffer[] batches, long intervalNs, Histogram histogram, long[] sent,
                                java.util.function.BooleanSupplier stop, long deadlineNs) {
        long next = System.nanoTime();
        while (!stop.getAsBoolean() && System.nanoTime() < deadlineNs) {
            long now = System.nanoTime();
            if (now < next) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            log.appendAsLeader(batches[(int) (sent[0]++ % batches.length)].duplicate(), 0);
            log.updateHighWatermark(log.logEndOffset());
            histogram.recordValue(Math.max(0, System.nanoTime() - next));
            next += intervalNs;
        }
    }

    private static void print(String label, Histogram h) {
        System.out.printf("%s appends %d: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n", label, h.getTotalCount(),
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6,
                h.getMaxValue() / 1e6);
    }
}
