package io.runnel.storage.bench;

import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.storage.FetchDataInfo;
import io.runnel.storage.LogConfig;
import io.runnel.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A throughput harness for the storage engine (a measurement, not a test; see docs/benchmarks.md).
 * Appends 16 KiB batches of 1 KiB records with {@link PartitionLog#appendAsLeader} (validation, offset
 * assignment, index maintenance, no fsync), then reads the whole log back from the page cache with
 * {@link PartitionLog#read} in 1 MiB fetches copied into heap buffers.
 *
 * <pre>
 * java -cp ... io.runnel.storage.bench.StorageBench [totalMiB=1024] [rounds=3] [dir=/tmp]
 * </pre>
 */
public final class StorageBench {

    private static final int RECORD_BYTES = 1024;
    private static final int RECORDS_PER_BATCH = 16;
    private static final int DISTINCT_BATCHES = 64;
    private static final int FETCH_BYTES = 1 << 20;

    private StorageBench() {
    }

    public static void main(String[] args) throws Exception {
        long totalMiB = args.length > 0 ? Long.parseLong(args[0]) : 1024;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path base = Path.of(args.length > 2 ? args[2] : System.getProperty("java.io.tmpdir"));
        ByteBuffer[] batches = buildBatches();
        int batchBytes = batches[0].remaining();
        long batchCount = totalMiB * 1024 * 1024 / batchBytes;
        System.out.printf("batch: %d records x %d B = %d bytes; %d batches (%d MiB) per round%n",
                RECORDS_PER_BATCH, RECORD_BYTES, batchBytes, batchCount, batchCount * batchBytes >> 20);
        for (int round = 0; round < rounds; round++) {
            Path dir = Files.createTempDirectory(base, "runnel-bench").resolve("bench-0");
            try (PartitionLog log = PartitionLog.builder(dir).config(LogConfig.defaults()).hadCleanShutdown(true).open()) {
                long start = System.nanoTime();
                for (long i = 0; i < batchCount; i++) {
                    ByteBuffer batch = batches[(int) (i % DISTINCT_BATCHES)];
                    log.appendAsLeader(batch.duplicate(), 0);
                }
                double appendSeconds = (System.nanoTime() - start) / 1e9;
                long bytes = log.sizeInBytes();
                start = System.nanoTime();
                long readBytes = readAll(log);
                double readSeconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("round %d: append %.1f MB/s (%.0f records/s), read %.1f MB/s (%d bytes, %d segments)%n",
                        round, bytes / 1e6 / appendSeconds, batchCount * RECORDS_PER_BATCH / appendSeconds,
                        readBytes / 1e6 / readSeconds, readBytes, log.numberOfSegments());
            } finally {
                deleteRecursively(dir.getParent());
            }
        }
    }

    private static long readAll(PartitionLog log) {
        long offset = 0;
        long total = 0;
        long end = log.logEndOffset();
        while (offset < end) {
            FetchDataInfo info = log.read(offset, FETCH_BYTES, Long.MAX_VALUE, true);
            ByteBuffer bytes = info.records().readAllBytes();
            total += bytes.remaining();
            // The last batch's next offset: baseOffset of the last batch + lastOffsetDelta + 1.
            offset = nextOffset(bytes);
        }
        return total;
    }

    private static long nextOffset(ByteBuffer bytes) {
        int position = 0;
        long next = 0;
        while (position < bytes.limit()) {
            long baseOffset = bytes.getLong(position);
            int length = bytes.getInt(position + 8);
            int lastOffsetDelta = bytes.getInt(position + 23);
            next = baseOffset + lastOffsetDelta + 1;
            position += 12 + length;
        }
        return next;
    }

    private static ByteBuffer[] buildBatches() {
        Random random = new Random(42);
        ByteBuffer[] batches = new ByteBuffer[DISTINCT_BATCHES];
        for (int b = 0; b < DISTINCT_BATCHES; b++) {
            RecordBatchBuilder builder = RecordBatchBuilder.spec().initialCapacityBytes(20_000).newBuilder();
            for (int r = 0; r < RECORDS_PER_BATCH; r++) {
                byte[] value = new byte[RECORD_BYTES];
                random.nextBytes(value);
                builder.append(System.currentTimeMillis(), null, value, null);
            }
            batches[b] = builder.build();
        }
        return batches;
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
