package io.runnel.storage;

import io.runnel.common.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Broker-level settings of the {@link LogManager}, with Kafka's keys and defaults:
 * {@code log.dirs} (comma-separated; else {@code log.dir}, default {@code /tmp/runnel-logs}),
 * {@code log.retention.check.interval.ms} (300000), {@code log.flush.scheduler.interval.ms}
 * (Long.MAX_VALUE: the flush.ms check never runs unless set), {@code log.flush.offset.checkpoint.interval.ms}
 * (60000), {@code log.flush.start.offset.checkpoint.interval.ms} (60000) and
 * {@code num.recovery.threads.per.data.dir} (2), and the log cleaner's {@code log.cleaner.*} settings
 * ({@link CleanerConfig}). Immutable value.
 */
public record LogManagerConfig(List<Path> logDirs, long retentionCheckIntervalMs, long flushSchedulerIntervalMs,
                               long recoveryPointCheckpointIntervalMs, long logStartOffsetCheckpointIntervalMs,
                               int recoveryThreadsPerDataDir, CleanerConfig cleaner) {

    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String FLUSH_SCHEDULER_INTERVAL_MS = "log.flush.scheduler.interval.ms";
    public static final String FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS = "log.flush.offset.checkpoint.interval.ms";
    public static final String FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS = "log.flush.start.offset.checkpoint.interval.ms";
    public static final String RECOVERY_THREADS_PER_DATA_DIR = "num.recovery.threads.per.data.dir";
    /** Upper bound on recovery threads per directory (each holds a segment's worth of reads). */
    public static final int RECOVERY_THREADS_MAX = 64;

    public LogManagerConfig {
        logDirs = List.copyOf(logDirs);
        if (logDirs.isEmpty()) {
            throw new ConfigException(LOG_DIRS, logDirs, "at least one log directory is needed");
        }
        if (logDirs.stream().map(p -> p.toAbsolutePath().normalize()).distinct().count() != logDirs.size()) {
            throw new ConfigException(LOG_DIRS, logDirs, "a directory is listed twice");
        }
        positive(RETENTION_CHECK_INTERVAL_MS, retentionCheckIntervalMs);
        positive(FLUSH_SCHEDULER_INTERVAL_MS, flushSchedulerIntervalMs);
        positive(FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS, recoveryPointCheckpointIntervalMs);
        positive(FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS, logStartOffsetCheckpointIntervalMs);
        if (recoveryThreadsPerDataDir < 1 || recoveryThreadsPerDataDir > RECOVERY_THREADS_MAX) {
            throw new ConfigException(RECOVERY_THREADS_PER_DATA_DIR, recoveryThreadsPerDataDir,
                    "must be between 1 and " + RECOVERY_THREADS_MAX);
        }
    }

    private static void positive(String key, long value) {
        if (value < 1) {
            throw new ConfigException(key, value, "must be at least 1");
        }
    }

    /** Defaults for {@code dirs}. */
    public static LogManagerConfig of(List<Path> dirs) {
        return new LogManagerConfig(dirs, 300_000L, Long.MAX_VALUE, 60_000L, 60_000L, 2, CleanerConfig.defaults());
    }

    /** A copy with other cleaner settings. */
    public LogManagerConfig withCleaner(CleanerConfig cleanerConfig) {
        return new LogManagerConfig(logDirs, retentionCheckIntervalMs, flushSchedulerIntervalMs, recoveryPointCheckpointIntervalMs,
                logStartOffsetCheckpointIntervalMs, recoveryThreadsPerDataDir, cleanerConfig);
    }

    public static LogManagerConfig fromProperties(Map<String, String> p) {
        String dirs = p.getOrDefault(LOG_DIRS, p.getOrDefault(LOG_DIR, "/tmp/runnel-logs"));
        List<Path> paths = new ArrayList<>();
        for (String dir : dirs.split(",")) {
            if (!dir.isBlank()) {
                paths.add(Path.of(dir.trim()));
            }
        }
        return new LogManagerConfig(paths,
                longValue(p, RETENTION_CHECK_INTERVAL_MS, 300_000L),
                longValue(p, FLUSH_SCHEDULER_INTERVAL_MS, Long.MAX_VALUE),
                longValue(p, FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS, 60_000L),
                longValue(p, FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS, 60_000L),
                (int) longValue(p, RECOVERY_THREADS_PER_DATA_DIR, 2),
                CleanerConfig.fromProperties(p));
    }

    private static long longValue(Map<String, String> p, String key, long defaultValue) {
        String value = p.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "not a number");
        }
    }
}
