package io.runnel.storage;

import io.runnel.common.config.ConfigException;
import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;
import java.nio.file.Path;
import java.util.List;

/**
 * Broker-level settings of the {@link LogManager}, read from the node's {@link ServerConfig} (the keys,
 * defaults and bounds are declared in {@link ServerSettings}): the log directories, the periods of the
 * retention ({@code log.retention.check.interval.ms}), flush ({@code log.flush.scheduler.interval.ms}) and
 * checkpoint tasks, {@code num.recovery.threads.per.data.dir}, and the log cleaner ({@link CleanerConfig}).
 * A value built in code is held to the same bounds. Immutable value.
 *
 * @param logDirs     the data directories ({@code log.dirs}, else {@code log.dir})
 * @param foreignDirs directories inside a log directory that belong to another part of the node (the
 *                    controller's metadata directory): loading skips them quietly instead of warning that
 *                    they are not partitions
 */
public record LogManagerConfig(List<Path> logDirs, long retentionCheckIntervalMs, long flushSchedulerIntervalMs,
                               long recoveryPointCheckpointIntervalMs, long logStartOffsetCheckpointIntervalMs,
                               int recoveryThreadsPerDataDir, CleanerConfig cleaner, List<Path> foreignDirs) {

    public LogManagerConfig {
        logDirs = List.copyOf(logDirs);
        foreignDirs = foreignDirs.stream().map(dir -> dir.toAbsolutePath().normalize()).toList();
        if (logDirs.isEmpty()) {
            throw new ConfigException(ServerSettings.LOG_DIRS.key(), logDirs, "at least one log directory is needed");
        }
        if (logDirs.stream().map(p -> p.toAbsolutePath().normalize()).distinct().count() != logDirs.size()) {
            throw new ConfigException(ServerSettings.LOG_DIRS.key(), logDirs, "a directory is listed twice");
        }
        ServerSettings.LOG_RETENTION_CHECK_INTERVAL_MS.validate(retentionCheckIntervalMs);
        ServerSettings.LOG_FLUSH_SCHEDULER_INTERVAL_MS.validate(flushSchedulerIntervalMs);
        ServerSettings.LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS.validate(recoveryPointCheckpointIntervalMs);
        ServerSettings.LOG_FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS.validate(logStartOffsetCheckpointIntervalMs);
        ServerSettings.NUM_RECOVERY_THREADS_PER_DATA_DIR.validate(recoveryThreadsPerDataDir);
    }

    /** The storage settings of {@code settings} for these directories. */
    public static LogManagerConfig from(ServerConfig settings, List<Path> logDirs, List<Path> foreignDirs) {
        return new LogManagerConfig(logDirs,
                settings.get(ServerSettings.LOG_RETENTION_CHECK_INTERVAL_MS),
                settings.get(ServerSettings.LOG_FLUSH_SCHEDULER_INTERVAL_MS),
                settings.get(ServerSettings.LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS),
                settings.get(ServerSettings.LOG_FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS),
                settings.get(ServerSettings.NUM_RECOVERY_THREADS_PER_DATA_DIR),
                CleanerConfig.from(settings),
                foreignDirs);
    }

    /** The default settings for {@code dirs}. */
    public static LogManagerConfig of(List<Path> dirs) {
        return from(ServerConfig.DEFAULTS, dirs, List.of());
    }

    /** A copy with other cleaner settings. */
    public LogManagerConfig withCleaner(CleanerConfig cleanerConfig) {
        return new LogManagerConfig(logDirs, retentionCheckIntervalMs, flushSchedulerIntervalMs, recoveryPointCheckpointIntervalMs,
                logStartOffsetCheckpointIntervalMs, recoveryThreadsPerDataDir, cleanerConfig, foreignDirs);
    }

    /** True when {@code dir} belongs to another part of the node (see {@code foreignDirs}). */
    boolean isForeign(Path dir) {
        return foreignDirs.contains(dir.toAbsolutePath().normalize());
    }
}
