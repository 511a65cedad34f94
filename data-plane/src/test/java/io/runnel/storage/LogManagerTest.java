package io.runnel.storage;

import static io.runnel.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.TopicPartition;
import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.TopicConfig;
import io.runnel.common.errors.ApiException;
import io.runnel.common.time.MockTime;
import io.runnel.proto.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogManagerTest {

    @TempDir
    Path root;

    final MockTime time = new MockTime();
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final TopicPartition tp = new TopicPartition("orders", 0);
    final UUID topicId = UUID.randomUUID();
    final LogConfig config = LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 2000);
    LogManager manager;

    LogManager start(Path... dirs) {
        manager = new LogManager(LogManagerConfig.of(List.of(dirs)), t -> config, scheduler, time);
        manager.startup();
        return manager;
    }

    @AfterEach
    void stop() {
        if (manager != null) {
            manager.shutdown();
        }
        scheduler.shutdownNow();
    }

    @Test
    void dataHighWatermarkStartOffsetAndEpochsSurviveRestart() throws Exception {
        Path dir = root.resolve("d1");
        start(dir);
        PartitionLog log = manager.getOrCreateLog(tp, topicId, config);
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(batch(2, 100, time.milliseconds()), i < 10 ? 1 : 2);
        }
        log.updateHighWatermark(30);
        log.maybeIncrementLogStartOffset(7);
        byte[] bytes = TestBatches.allBytes(log);
        manager.shutdown();
        assertThat(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).exists();
        assertThat(Files.readString(dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET))).isEqualTo("0\n1\norders 0 30\n");

        start(dir);
        PartitionLog reopened = manager.getLog(tp).orElseThrow();
        assertThat(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE)).doesNotExist();
        assertThat(reopened.logEndOffset()).isEqualTo(40);
        assertThat(reopened.highWatermark()).isEqualTo(30);
        assertThat(reopened.logStartOffset()).isEqualTo(7);
        assertThat(reopened.recoveryPoint()).isEqualTo(40);
        assertThat(reopened.topicId()).isEqualTo(topicId);
        assertThat(reopened.leaderEpochCache().entries()).containsExactly(
                new LeaderEpochFileCache.EpochEntry(1, 7), new LeaderEpochFileCache.EpochEntry(2, 20));
        assertThat(TestBatches.allBytes(reopened)).isEqualTo(bytes);
        assertThatThrownBy(() -> manager.getOrCreateLog(tp, UUID.randomUUID(), config)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.INCONSISTENT_TOPIC_ID));
    }

    @Test
    void cleanShutdownMarkerSkipsRecovery() throws Exception {
        Path dir = root.resolve("d1");
        start(dir);
        PartitionLog log = manager.getOrCreateLog(tp, topicId, config);
        log.appendAsLeader(batch(2, 100, time.milliseconds()), 0);
        long size = log.sizeInBytes();
        manager.shutdown();
        Path segment = dir.resolve("orders-0/00000000000000000000.log");
        Files.write(segment, new byte[] {0, 0, 0}, java.nio.file.StandardOpenOption.APPEND); // a torn tail
        start(dir);
        assertThat(manager.getLog(tp).orElseThrow().sizeInBytes()).as("clean: not recovered").isEqualTo(size + 3);
    }

    @Test
    void recoveryRunsWithoutTheMarker() throws Exception {
        Path dir = root.resolve("d1");
        start(dir);
        PartitionLog log = manager.getOrCreateLog(tp, topicId, config);
        log.appendAsLeader(batch(2, 100, time.milliseconds()), 0);
        long size = log.sizeInBytes();
        manager.shutdown();
        Files.delete(dir.resolve(LogManager.CLEAN_SHUTDOWN_FILE));
        Files.write(dir.resolve("orders-0/00000000000000000000.log"), new byte[] {0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);
        start(dir);
        assertThat(manager.getLog(tp).orElseThrow().sizeInBytes()).isEqualTo(size);
        assertThat(manager.getLog(tp).orElseThrow().logEndOffset()).isEqualTo(2);
    }

    @Test
    void secondManagerOnTheSameDirectoryFails() {
        Path dir = root.resolve("d1");
        start(dir);
        LogManager other = new LogManager(LogManagerConfig.of(List.of(dir)), t -> config, scheduler, time);
        assertThatThrownBy(other::startup).isInstanceOf(StorageException.class).hasMessageContaining(dir.toAbsolutePath().toString())
                .hasMessageContaining("locked");
    }

    @Test
    void newLogsGoToTheLeastLoadedDirectory() {
        start(root.resolve("d1"), root.resolve("d2"));
        PartitionLog a = manager.getOrCreateLog(new TopicPartition("a", 0), topicId, config);
        PartitionLog b = manager.getOrCreateLog(new TopicPartition("a", 1), topicId, config);
        PartitionLog c = manager.getOrCreateLog(new TopicPartition("a", 2), topicId, config);
        assertThat(a.dir().getParent()).isEqualTo(root.resolve("d1"));
        assertThat(b.dir().getParent()).isEqualTo(root.resolve("d2"));
        assertThat(c.dir().getParent()).isEqualTo(root.resolve("d1"));
        assertThat(manager.allLogs()).hasSize(3);
        assertThat(manager.getOrCreateLog(new TopicPartition("a", 1), topicId, config)).isSameAs(b);
    }

    @Test
    void deleteLogRenamesAndRemovesTheDirectory() {
        Path dir = root.resolve("d1");
        start(dir);
        PartitionLog log = manager.getOrCreateLog(tp, topicId, config);
        log.appendAsLeader(batch(2, 100, time.milliseconds()), 0);
        manager.deleteLog(tp);
        assertThat(manager.getLog(tp)).isEmpty();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
            try (var children = Files.list(dir)) {
                assertThat(children.filter(Files::isDirectory)).isEmpty();
            }
        });
        assertThatThrownBy(() -> manager.deleteLog(tp)).isInstanceOf(ApiException.class);
        manager.checkpointAll();
        assertThat(new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT)).read()).isEmpty();
    }

    @Test
    void aPartitionOfATopicWithTheLongestNameCanBeDeletedAndCreatedAgain() {
        Path dir = root.resolve("d1");
        start(dir);
        TopicPartition longest = new TopicPartition("n".repeat(io.runnel.common.TopicNames.MAX_LENGTH), 9_999);
        manager.getOrCreateLog(longest, topicId, config).appendAsLeader(batch(1, 10, time.milliseconds()), 0);
        manager.deleteLog(longest); // the -delete name would exceed 255 bytes uncut
        assertThat(LogManager.deleteDirName(longest)).hasSizeLessThanOrEqualTo(LogManager.FILE_NAME_BYTES_MAX)
                .endsWith(LogManager.DELETE_DIR_SUFFIX);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
            try (var children = Files.list(dir)) {
                assertThat(children.filter(Files::isDirectory)).isEmpty();
            }
        });
        java.util.UUID otherId = java.util.UUID.randomUUID();
        assertThat(manager.getOrCreateLog(longest, otherId, config).logEndOffset()).isZero();
    }

    @Test
    void retentionAndFlushTasksRunOnEveryLog() throws Exception {
        start(root.resolve("d1"));
        LogConfig short_ = config.with(TopicConfig.RETENTION_MS, 1000).with(TopicConfig.FLUSH_MS, 500);
        PartitionLog log = manager.getOrCreateLog(tp, topicId, short_);
        log.updateConfig(short_);
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch(2, 300, time.milliseconds()), 0);
        }
        log.updateHighWatermark(log.logEndOffset());
        // The flushes that the rolls handed to the (single-threaded) scheduler run before the clock moves,
        // so every run takes the same path; a flush running late is PartitionLogTest's concern.
        scheduler.submit(() -> { }).get(30, java.util.concurrent.TimeUnit.SECONDS);
        time.advance(2000);
        manager.flushTask();
        assertThat(log.recoveryPoint()).isEqualTo(20);
        assertThat(manager.retentionTask()).isPositive();
        assertThat(log.logStartOffset()).isEqualTo(20);
    }

    @Test
    void settingsAreReadFromTheDeclaredKeysAndValuesBuiltInCodeKeepTheirBounds() {
        LogManagerConfig c = LogManagerConfig.from(ServerConfig.parse(Map.of("num.recovery.threads.per.data.dir", "4")),
                List.of(Path.of("/a"), Path.of("/b")), List.of());
        assertThat(c.logDirs()).containsExactly(Path.of("/a"), Path.of("/b"));
        assertThat(c.recoveryThreadsPerDataDir()).isEqualTo(4);
        assertThat(c.retentionCheckIntervalMs()).isEqualTo(300_000L);
        assertThatThrownBy(() -> ServerConfig.parse(Map.of("log.retention.check.interval.ms", "x")))
                .hasMessageContaining("log.retention.check.interval.ms");
        // The record's own constructor applies the declared bounds (1..64 recovery threads), not bounds of its own.
        assertThatThrownBy(() -> new LogManagerConfig(List.of(Path.of("/a")), 1, 1, 1, 1, 65, CleanerConfig.defaults(), List.of()))
                .hasMessageContaining("num.recovery.threads.per.data.dir").hasMessageContaining("at most 64");
    }

    @Test
    void theControllersDirectoryInsideALogDirectoryIsNotLoadedOrWarnedAbout() throws Exception {
        Path dir = root.resolve("shared");
        Files.createDirectories(dir.resolve("__metadata"));
        LogManager shared = new LogManager(LogManagerConfig.from(ServerConfig.DEFAULTS, List.of(dir), List.of(dir.resolve("__metadata"))),
                t -> config, scheduler, time);
        shared.startup();
        try {
            assertThat(shared.allLogs()).isEmpty();
            assertThat(dir.resolve("__metadata")).isDirectory();
        } finally {
            shared.shutdown();
        }
    }

    @Test
    void everyDirectoryIsReloadedAndAPartitionInTwoDirectoriesIsAnError() throws Exception {
        Path d1 = root.resolve("d1");
        Path d2 = root.resolve("d2");
        start(d1, d2);
        for (int p = 0; p < 4; p++) {
            manager.getOrCreateLog(new TopicPartition("m", p), topicId, config).appendAsLeader(batch(p + 1, 10, time.milliseconds()), 0);
        }
        manager.shutdown();
        start(d1, d2);
        for (int p = 0; p < 4; p++) {
            assertThat(manager.getLog(new TopicPartition("m", p)).orElseThrow().logEndOffset()).isEqualTo(p + 1);
        }
        Path inD1 = manager.getLog(new TopicPartition("m", 0)).orElseThrow().dir();
        manager.shutdown();
        manager = null;
        Files.createDirectories(d2.resolve(inD1.getFileName()));
        LogManager broken = new LogManager(LogManagerConfig.of(List.of(d1, d2)), t -> config, scheduler, time);
        assertThatThrownBy(broken::startup).isInstanceOf(StorageException.class).hasMessageContaining("exists in both");
        PartitionLog.deleteDirectory(d2.resolve(inD1.getFileName()));
        start(d1, d2); // the failed start released the directory locks
        assertThat(manager.allLogs()).hasSize(4);
    }

    @Test
    void theCleanerThreadCompactsACompactedLogAndItsCheckpointSurvivesARestart() throws Exception {
        Path dir = root.resolve("d1");
        LogConfig compact = CompactionFixtures.compactConfig(600);
        LogManagerConfig withCleaner = LogManagerConfig.of(List.of(dir))
                .withCleaner(CleanerConfig.defaults().withBackoffMs(20).withDedupeBufferBytes(4L * 1024 * 1024));
        manager = new LogManager(withCleaner, t -> compact, scheduler, time);
        manager.startup();
        PartitionLog log = manager.getOrCreateLog(tp, topicId, compact);
        List<CompactionFixtures.Rec> written = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String key = "key-" + (i % 10);
            written.add(new CompactionFixtures.Rec(log.logEndOffset(), key, "value-" + i));
            log.appendAsLeader(CompactionFixtures.keyed(time.milliseconds(), key, "value-" + i), 1);
        }
        log.roll();
        log.updateHighWatermark(log.logEndOffset());
        long end = log.logEndOffset();

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> manager.cleaner().cleanerCheckpoints().getOrDefault(tp, -1L) == end);
        assertThat(CompactionFixtures.readAll(log)).isEqualTo(CompactionFixtures.latestPerKey(written));
        assertThat(manager.cleaner().cleanerRecopyPercent()).isBetween(1, 99);
        manager.shutdown();
        assertThat(Files.readString(dir.resolve(LogCleanerManager.CHECKPOINT_FILE))).isEqualTo("0\n1\norders 0 " + end + "\n");

        manager = new LogManager(withCleaner, t -> compact, scheduler, time);
        manager.startup();
        assertThat(manager.cleaner().cleanerCheckpoints()).containsEntry(tp, end);
        assertThat(CompactionFixtures.readAll(manager.getLog(tp).orElseThrow())).isEqualTo(CompactionFixtures.latestPerKey(written));

        manager.deleteLog(tp);
        assertThat(manager.cleaner().cleanerCheckpoints()).doesNotContainKey(tp);
        assertThat(Files.readString(dir.resolve(LogCleanerManager.CHECKPOINT_FILE))).isEqualTo("0\n0\n");
    }
}
