package io.runnel.storage;

import static io.runnel.storage.CompactionFixtures.compactConfig;
import static io.runnel.storage.CompactionFixtures.keyed;
import static io.runnel.storage.CompactionFixtures.latestPerKey;
import static io.runnel.storage.CompactionFixtures.readAll;
import static io.runnel.storage.CompactionFixtures.readBatches;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.record.RecordBatch;
import io.runnel.common.time.MockTime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash at every step of a cleaning's swaps, through named failure points: after the cleaned files are
 * written, after each {@code .cleaned} → {@code .swap} rename, after the commit, after each replaced
 * segment is renamed {@code .deleted}, after each {@code .swap} suffix is removed. The crashed log is
 * abandoned as a dead process would leave it and recovered; each group of segments must then read exactly
 * as before the cleaning or exactly as after it (after only once its swap committed), no record's latest
 * value may be lost, and a cleaning after recovery must reach the fully cleaned log.
 */
class CleanerCrashTest {

    @TempDir
    Path root;

    private final MockTime time = new MockTime();
    private final LogConfig config = compactConfig(700).with(io.runnel.common.config.TopicConfig.SEGMENT_INDEX_BYTES, 4096);

    /** A crash: an Error, so the cleaner's exception handling (which tidies up on failures) does not run. */
    static final class SimulatedCrash extends Error {
        SimulatedCrash(String message) {
            super(message);
        }
    }

    /** Counts the points reached and crashes at the {@code crashAt}-th (1-based; 0: never). */
    static final class CrashAt implements FailurePoints {
        final int crashAt;
        final List<Point> reached = new ArrayList<>();

        CrashAt(int crashAt) {
            this.crashAt = crashAt;
        }

        @Override
        public void reached(Point point) {
            reached.add(point);
            if (reached.size() == crashAt) {
                throw new SimulatedCrash("crash at " + point + " (#" + crashAt + ")");
            }
        }
    }

    private Path buildOriginal() {
        Path dir = root.resolve("original").resolve("compacted-0");
        PartitionLog log = PartitionLog.builder(dir).config(config).time(time).hadCleanShutdown(true).open();
        Random random = new Random(11);
        append(log, random, 24);
        // A first cleaning shrinks the segments, so the cleaning under test merges several into a group.
        clean(log, FailurePoints.NONE);
        append(log, random, 12);
        log.close();
        return dir;
    }

    private void append(PartitionLog log, Random random, int batches) {
        for (int i = 0; i < batches; i++) {
            String[] kv = new String[6];
            for (int r = 0; r < 3; r++) {
                kv[2 * r] = "key-" + random.nextInt(12);
                kv[2 * r + 1] = random.nextInt(8) == 0 ? null : "value-" + i + "-" + r;
            }
            log.appendAsLeader(keyed(time.milliseconds(), kv), 1);
        }
        log.roll();
        log.updateHighWatermark(log.logEndOffset());
    }

    private static Path copy(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return target;
    }

    private PartitionLog open(Path dir, boolean clean) {
        return PartitionLog.builder(dir).config(config).time(time).hadCleanShutdown(clean).open();
    }

    private Cleaner.Result clean(PartitionLog log, FailurePoints faults) {
        Cleaner cleaner = CompactionFixtures.directCleaner(new OffsetMap(1 << 20, 0.9), time, faults);
        return cleaner.clean(log, log.logStartOffset(), log.activeSegment().baseOffset(), () -> { });
    }

    private static List<byte[]> bytesOf(List<RecordBatch> batches) {
        List<byte[]> all = new ArrayList<>();
        for (RecordBatch batch : batches) {
            ByteBuffer buffer = batch.buffer();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            all.add(bytes);
        }
        return all;
    }

    private static List<byte[]> inRange(List<RecordBatch> batches, long from, long to) {
        return bytesOf(batches.stream().filter(b -> b.baseOffset() >= from && b.baseOffset() < to).toList());
    }

    private static boolean sameBytes(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void recoveryAfterACrashAtEveryStepOfTheSwapsEndsWithEachGroupOldOrNew() throws IOException {
        Path original = buildOriginal();
        PartitionLog reference = open(copy(original, root.resolve("reference").resolve("compacted-0")), true);
        List<RecordBatch> before = readBatches(reference);
        List<CompactionFixtures.Rec> latest = latestPerKey(readAll(reference));
        CrashAt counting = new CrashAt(0);
        assertThat(clean(reference, counting).completed()).isTrue();
        List<RecordBatch> after = readBatches(reference);
        List<CompactionFixtures.Rec> afterRecords = readAll(reference);
        List<LogSegment> cleanedSegments = reference.segments();
        // Each cleaned segment is one group: its range [base, next base) held old or new batches as a whole.
        List<long[]> groups = new ArrayList<>();
        for (int i = 0; i < cleanedSegments.size() - 1; i++) {
            groups.add(new long[] {cleanedSegments.get(i).baseOffset(), cleanedSegments.get(i + 1).baseOffset()});
        }
        assertThat(groups).as("the scenario spans several groups").hasSizeGreaterThan(1);
        assertThat(counting.reached).contains(FailurePoints.Point.values());
        assertThat(counting.reached.stream().filter(p -> p == FailurePoints.Point.OLD_SEGMENT_DELETED).count())
                .as("some group merges several segments").isGreaterThan(groups.size());
        int points = counting.reached.size();

        for (int crashAt = 1; crashAt <= points; crashAt++) {
            Path dir = copy(original, root.resolve("run-" + crashAt).resolve("compacted-0"));
            PartitionLog crashing = open(dir, true);
            CrashAt faults = new CrashAt(crashAt);
            assertThatThrownBy(() -> clean(crashing, faults)).isInstanceOf(SimulatedCrash.class);
            // The process "dies": the log object is abandoned, files and all, and the directory recovered.
            int committedSwaps = committedSwaps(faults.reached);

            PartitionLog recovered = open(dir, false);
            String at = "crash at " + faults.reached.get(faults.reached.size() - 1) + " (#" + crashAt + ")";
            List<RecordBatch> batches = readBatches(recovered);
            List<Long> bases = recovered.segments().stream().map(LogSegment::baseOffset).toList();
            for (int g = 0; g < groups.size(); g++) {
                long[] range = groups.get(g);
                List<byte[]> expected = g < committedSwaps ? inRange(after, range[0], range[1]) : inRange(before, range[0], range[1]);
                assertThat(sameBytes(inRange(batches, range[0], range[1]), expected))
                        .as("%s: group [%d, %d) reads as %s", at, range[0], range[1], g < committedSwaps ? "cleaned" : "before")
                        .isTrue();
                if (g < committedSwaps) {
                    // A reader going by offsets would skip a stale replaced segment: check none is left.
                    assertThat(bases).as("%s: segments inside committed group [%d, %d)", at, range[0], range[1])
                            .noneMatch(base -> base > range[0] && base < range[1]);
                }
            }
            assertThat(latestPerKey(readAll(recovered))).as(at).isEqualTo(latest);
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).as(at)
                        .noneMatch(n -> n.endsWith(".cleaned") || n.endsWith(".swap") || n.endsWith(".deleted"));
            }

            // Cleaning again reaches the cleaned records (segment boundaries, hence empty batches, may differ).
            clean(recovered, FailurePoints.NONE);
            assertThat(readAll(recovered)).as("%s: cleaned again", at).isEqualTo(afterRecords);
            recovered.close();
        }
        reference.close();
    }

    /**
     * How many groups' swaps had committed when the crash hit: a swap commits when the third of its files
     * is renamed {@code .swap} (every later point of the same swap follows).
     */
    private static int committedSwaps(List<FailurePoints.Point> reached) {
        int committed = 0;
        int renamedInSwap = 0;
        for (FailurePoints.Point point : reached) {
            if (point == FailurePoints.Point.CLEANED_WRITTEN) {
                renamedInSwap = 0;
            } else if (point == FailurePoints.Point.SWAP_FILE_RENAMED && ++renamedInSwap == 3) {
                committed++;
            }
        }
        return committed;
    }
}
