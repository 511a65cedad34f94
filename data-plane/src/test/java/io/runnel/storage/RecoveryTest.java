package io.runnel.storage;

import static io.runnel.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.time.MockTime;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryTest {

    @TempDir
    Path root;

    final MockTime time = new MockTime();
    final LogConfig config = LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 4000).with(TopicConfig.INDEX_INTERVAL_BYTES, 200);
    PartitionLog log;

    Path dir() {
        return root.resolve("t-0");
    }

    PartitionLog open(boolean clean, long recoveryPoint) {
        log = PartitionLog.builder(dir()).config(config).time(time).hadCleanShutdown(clean).recoveryPoint(recoveryPoint).open();
        return log;
    }

    @AfterEach
    void close() {
        if (log != null) {
            log.close();
        }
    }

    /** Appends {@code n} batches of 2 records each (about 300 bytes); returns the sizes of the batches. */
    void fill(int n) {
        for (int i = 0; i < n; i++) {
            log.appendAsLeader(batch(2, 100, time.milliseconds() + i), i / 5);
        }
    }

    static void truncateFile(Path file, long length) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(length);
        }
    }

    @Test
    void tornTailIsTruncatedToTheLastWholeBatch() throws Exception {
        open(true, 0);
        fill(10);
        long batchSize = log.sizeInBytes() / 10;
        log.close();
        Path file = dir().resolve("00000000000000000000.log");
        truncateFile(file, Files.size(file) - batchSize / 2);
        open(false, 0);
        assertThat(log.logEndOffset()).isEqualTo(18);
        assertThat(Files.size(file)).isEqualTo(9 * batchSize);
        assertThat(TestBatches.offsets(log.read(0, 1 << 20, Long.MAX_VALUE, false).records().readAllBytes())).hasSize(18);
        log.appendAsLeader(batch(1, 10, time.milliseconds()), 3);
        assertThat(log.logEndOffset()).isEqualTo(19);
    }

    @Test
    void corruptBatchTruncatesItAndDeletesLaterSegments() throws Exception {
        open(true, 0);
        fill(40);
        assertThat(log.numberOfSegments()).isGreaterThan(2);
        long secondBase = log.segments().get(1).baseOffset();
        log.close();
        Path file = dir().resolve(LogFileNames.prefix(secondBase) + ".log");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), 400); // inside the second batch's records
        }
        open(false, 0);
        assertThat(log.numberOfSegments()).isEqualTo(2);
        assertThat(log.logEndOffset()).isEqualTo(secondBase + 2);
        assertThat(log.activeSegment().baseOffset()).isEqualTo(secondBase);
    }

    @Test
    void corruptIndexIsRebuiltAfterCleanShutdown() throws Exception {
        open(true, 0);
        fill(10);
        byte[] before = TestBatches.allBytes(log);
        int entries = log.activeSegment().offsetIndex().entries();
        assertThat(entries).isGreaterThan(1);
        log.close();
        Path index = dir().resolve("00000000000000000000.index");
        Files.write(index, new byte[Math.toIntExact(Files.size(index))]); // zeros: entries not increasing
        open(true, 20);
        assertThat(log.activeSegment().offsetIndex().entries()).isEqualTo(entries);
        assertThat(TestBatches.allBytes(log)).isEqualTo(before);
        assertThat(TestBatches.offsets(log.read(13, 1 << 20, Long.MAX_VALUE, false).records().readAllBytes()).get(0)).isEqualTo(12L);
    }

    @Test
    void missingIndexesAreRebuilt() throws Exception {
        open(true, 0);
        fill(30);
        long firstMax = log.segments().get(0).maxTimestampSoFar();
        log.close();
        Files.delete(dir().resolve("00000000000000000000.index"));
        Files.delete(dir().resolve("00000000000000000000.timeindex"));
        open(true, 60);
        assertThat(log.segments().get(0).offsetIndex().entries()).isPositive();
        assertThat(log.segments().get(0).maxTimestampSoFar()).isEqualTo(firstMax);
        assertThat(log.logEndOffset()).isEqualTo(60);
    }

    @Test
    void strayFilesAreDeleted() throws Exception {
        open(true, 0);
        fill(3);
        log.close();
        for (String name : new String[] {"00000000000000000000.log.cleaned", "00000000000000000000.log.swap",
                "00000000000000000009.log.deleted", "00000000000000000055.index", "recovery.tmp"}) {
            Files.write(dir().resolve(name), new byte[] {1});
        }
        open(false, 0);
        try (var files = Files.list(dir())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("00000000000000000000.log", "00000000000000000000.index",
                            "00000000000000000000.timeindex", "leader-epoch-checkpoint");
        }
        assertThat(log.logEndOffset()).isEqualTo(6);
    }

    @Test
    void uncleanRestartWithPreallocatedIndexesRecovers() throws Exception {
        open(true, 0);
        fill(12);
        byte[] before = TestBatches.allBytes(log);
        // Simulate a crash: do not close (indexes stay preallocated with zeros past their entries).
        log = null;
        open(false, 0);
        assertThat(TestBatches.allBytes(log)).isEqualTo(before);
        assertThat(log.logEndOffset()).isEqualTo(24);
        assertThat(log.leaderEpochCache().latestEpoch()).contains(2);
    }

    @Test
    void leaderEpochsAreRebuiltFromBatchesWhenTheCheckpointIsLost() throws Exception {
        open(true, 0);
        fill(12);
        var epochs = log.leaderEpochCache().entries();
        log.close();
        Files.delete(dir().resolve(LeaderEpochFileCache.FILE_NAME));
        open(false, 0);
        assertThat(log.leaderEpochCache().entries()).isEqualTo(epochs);
    }
}
