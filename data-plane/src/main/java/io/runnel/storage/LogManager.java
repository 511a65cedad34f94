package io.runnel.storage;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.time.Time;
import io.runnel.proto.ErrorCode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every {@link PartitionLog} of a broker across its log directories ({@code log.dirs}).
 *
 * <p>Per log directory on disk:
 * <pre>
 * .lock                               held (FileChannel lock) while a broker uses the directory
 * .runnel_cleanshutdown               present only after a clean shutdown; its absence at startup means
 *                                     every log there is recovered from its recovery point
 * recovery-point-offset-checkpoint    offset below which each log was fsynced
 * replication-offset-checkpoint       each partition's high watermark
 * log-start-offset-checkpoint         each partition's log start offset
 * &lt;topic&gt;-&lt;partition&gt;/              one partition log
 * &lt;topic&gt;-&lt;partition&gt;.&lt;id&gt;-delete/   a deleted partition whose files are being removed
 * </pre>
 * The checkpoint files use Kafka's format ({@link OffsetCheckpointFile}) and are written atomically.
 *
 * <p>Background work on the given scheduler (which the caller owns and shuts down): retention every
 * {@code log.retention.check.interval.ms}, the {@code flush.ms} check every
 * {@code log.flush.scheduler.interval.ms}, recovery-point and high-watermark checkpoints every
 * {@code log.flush.offset.checkpoint.interval.ms} and log-start-offset checkpoints every
 * {@code log.flush.start.offset.checkpoint.interval.ms}, and the expiry of idle idempotent producers every
 * {@code producer.id.expiration.check.interval.ms}; plus delayed segment file deletion. The
 * {@link LogCleaner} compacts the logs with {@code cleanup.policy=compact} on its own threads, keeping its
 * checkpoints in each directory's {@code cleaner-offset-checkpoint}.
 *
 * <p>Thread-safe: the log map is concurrent; creating or deleting a partition's log holds one of a fixed
 * stripe of locks (chosen by the partition), so creations of different partitions run in parallel while
 * two of the same partition are serialized, and no file is created inside a map operation.
 */
public final class LogManager implements Closeable {

    public static final String LOCK_FILE = ".lock";
    public static final String CLEAN_SHUTDOWN_FILE = ".runnel_cleanshutdown";
    static final String DELETE_DIR_SUFFIX = "-delete";

    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);

    private final LogManagerConfig config;
    private final Function<TopicPartition, LogConfig> configLookup;
    private final ScheduledExecutorService scheduler;
    private final Time time;
    private final LongSupplier producerIdsIssuedEnd;
    private final Map<TopicPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final LogFlushStats flushStats = new LogFlushStats();
    private final LogCleaner cleaner;
    private final Map<Path, FileChannel> dirLocks = new LinkedHashMap<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
    /**
     * Creation and deletion of one partition's log are serialized on a stripe of these locks, so
     * creating thousands of logs at once (each a few fsyncs) runs in parallel across partitions.
     */
    private final Object[] createDeleteLocks = new Object[64];

    {
        for (int i = 0; i < createDeleteLocks.length; i++) {
            createDeleteLocks[i] = new Object();
        }
    }
    private volatile boolean started;
    private volatile boolean shutDown;

    public LogManager(LogManagerConfig config, Function<TopicPartition, LogConfig> configLookup,
                      ScheduledExecutorService scheduler, Time time) {
        this(config, configLookup, scheduler, time, () -> Long.MAX_VALUE);
    }

    /**
     * @param producerIdsIssuedEnd the first producer id the cluster has not handed out yet (the metadata
     *                             image's next producer id): leaders refuse batches of unknown producers
     *                             with higher ids (see {@link PartitionLog.Builder#producerIdsIssuedEnd})
     */
    public LogManager(LogManagerConfig config, Function<TopicPartition, LogConfig> configLookup,
                      ScheduledExecutorService scheduler, Time time, LongSupplier producerIdsIssuedEnd) {
        this.config = config;
        this.configLookup = configLookup;
        this.scheduler = scheduler;
        this.time = time;
        this.producerIdsIssuedEnd = producerIdsIssuedEnd;
        this.cleaner = new LogCleaner(config.cleaner(), config.logDirs(), this::allLogs, time);
    }

    // ---- startup -----------------------------------------------------------------------------------

    /** Locks every directory, loads (recovering where needed) every partition, schedules background tasks. */
    public synchronized void startup() {
        if (started) {
            throw new IllegalStateException("log manager already started");
        }
        started = true;
        for (Path dir : config.logDirs()) {
            lockDir(dir);
        }
        // Every directory loads at once, each with its own num.recovery.threads.per.data.dir threads.
        List<DirLoad> loads = new ArrayList<>();
        try {
            for (Path dir : config.logDirs()) {
                loads.add(startLoading(dir));
            }
            for (DirLoad load : loads) {
                finishLoading(load);
            }
            cleaner.startup();
        } catch (RuntimeException e) {
            // Leave nothing held: the logs opened so far are closed (not flushed: nothing was appended)
            // and the directories unlocked, so the caller can fix the problem and start again.
            for (DirLoad load : loads) {
                load.pool().shutdownNow();
            }
            logs.values().forEach(PartitionLog::close);
            logs.clear();
            releaseLocks();
            shutDown = true;
            throw e;
        } finally {
            loads.forEach(load -> load.pool().shutdownNow());
        }
        scheduleTasks();
    }

    private void lockDir(Path dir) {
        try {
            Files.createDirectories(dir);
            FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                releaseLocks();
                throw new StorageException("log directory " + dir.toAbsolutePath()
                        + " is locked by another broker process (" + dir.resolve(LOCK_FILE) + ")");
            }
            dirLocks.put(dir, channel);
        } catch (IOException e) {
            releaseLocks();
            throw new StorageException("cannot lock log directory " + dir, e);
        }
    }

    /** A directory whose partitions are being opened. */
    private record DirLoad(Path dir, Path marker, ExecutorService pool, List<Future<PartitionLog>> futures) {
    }

    private DirLoad startLoading(Path dir) {
        Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
        boolean clean = Files.exists(marker);
        Map<TopicPartition, Long> recoveryPoints = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT)).read();
        Map<TopicPartition, Long> startOffsets = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.LOG_START_OFFSET)).read();
        Map<TopicPartition, Long> highWatermarks = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET)).read();
        List<Path> partitionDirs = new ArrayList<>();
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.filter(Files::isDirectory).toList()) {
                String name = child.getFileName().toString();
                if (name.endsWith(DELETE_DIR_SUFFIX)) {
                    PartitionLog.deleteDirectory(child);
                } else if (config.isForeign(child)) {
                    LOG.debug("skipping {}: it belongs to another part of this node", child);
                } else if (isPartitionDirName(name)) {
                    partitionDirs.add(child);
                } else {
                    LOG.warn("ignoring {}: not a partition directory", child);
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot list log directory " + dir, e);
        }
        if (partitionDirs.isEmpty()) {
            LOG.info("no partitions to load from {}", dir);
        } else {
            LOG.info("loading {} partition(s) from {} ({} shutdown)", partitionDirs.size(), dir, clean ? "clean" : "unclean");
        }
        ExecutorService pool = Executors.newFixedThreadPool(config.recoveryThreadsPerDataDir());
        List<Future<PartitionLog>> futures = new ArrayList<>();
        for (Path partitionDir : partitionDirs) {
                TopicPartition tp = TopicPartition.fromDirectoryName(partitionDir.getFileName().toString());
            futures.add(pool.submit(() -> PartitionLog.builder(partitionDir)
                    .config(configLookup.apply(tp))
                    .recoveryPoint(recoveryPoints.getOrDefault(tp, 0L))
                    .logStartOffset(startOffsets.getOrDefault(tp, 0L))
                    .highWatermark(highWatermarks.getOrDefault(tp, 0L))
                    .hadCleanShutdown(clean)
                    .scheduler(scheduler)
                    .time(time)
                    .producerStateConfig(config.producerState())
                    .producerIdsIssuedEnd(producerIdsIssuedEnd)
                    .flushStats(flushStats)
                    .open()));
        }
        return new DirLoad(dir, marker, pool, futures);
    }

    private void finishLoading(DirLoad load) {
        Path dir = load.dir();
        Path marker = load.marker();
        for (Future<PartitionLog> future : load.futures()) {
            PartitionLog log = await(future, dir);
            PartitionLog previous = logs.putIfAbsent(log.topicPartition(), log);
            if (previous != null) {
                throw new StorageException("partition " + log.topicPartition() + " exists in both " + previous.dir()
                        + " and " + log.dir());
            }
        }
        try {
            // From now on a crash must trigger recovery.
            Files.deleteIfExists(marker);
            CheckpointFile.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new StorageException("cannot remove " + marker, e);
        }
    }

    private static PartitionLog await(Future<PartitionLog> future, Path dir) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while loading " + dir);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException api) {
                throw api;
            }
            throw new IllegalStateException("loading a partition of " + dir + " failed", e.getCause());
        }
    }

    static boolean isPartitionDirName(String name) {
        try {
            TopicPartition.fromDirectoryName(name);
            return !name.contains(".") || !name.endsWith(DELETE_DIR_SUFFIX);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void scheduleTasks() {
        if (scheduler == null) {
            return;
        }
        schedule(this::retentionTask, config.retentionCheckIntervalMs());
        schedule(this::flushTask, config.flushSchedulerIntervalMs());
        schedule(this::checkpointRecoveryPointsAndHighWatermarks, config.recoveryPointCheckpointIntervalMs());
        schedule(this::checkpointLogStartOffsets, config.logStartOffsetCheckpointIntervalMs());
        schedule(this::producerExpirationTask, config.producerState().producerIdExpirationCheckIntervalMs());
    }

    private void schedule(Runnable task, long intervalMs) {
        if (intervalMs == Long.MAX_VALUE) {
            return;
        }
        tasks.add(scheduler.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("log manager background task failed", e);
            }
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS));
    }

    // ---- background tasks (public so a broker or a test can run them now) -------------------------------

    /** Runs retention on every log; returns the segments deleted. */
    public int retentionTask() {
        int deleted = 0;
        for (PartitionLog log : logs.values()) {
            try {
                deleted += log.deleteOldSegments();
            } catch (StorageException e) {
                // The log fenced itself (PartitionLog.markOffline); the other logs carry on.
                LOG.error("retention of {} failed", log.topicPartition(), e);
            }
        }
        return deleted;
    }

    /** Forgets, in every log, the producers idle for producer.id.expiration.ms; returns how many. */
    public int producerExpirationTask() {
        int expired = 0;
        for (PartitionLog log : logs.values()) {
            expired += log.removeExpiredProducers();
        }
        return expired;
    }

    /** Flushes every log whose last flush is at least flush.ms ago. */
    public void flushTask() {
        long now = time.milliseconds();
        for (PartitionLog log : logs.values()) {
            if (!log.isOffline() && now - log.lastFlushMs() >= log.config().flushMs()) {
                try {
                    log.flush();
                } catch (StorageException e) {
                    LOG.error("flush of {} failed", log.topicPartition(), e);
                }
            }
        }
    }

    // ---- logs --------------------------------------------------------------------------------------

    /**
     * The log of {@code tp}, created in the log directory holding the fewest partitions when absent. An
     * existing log with a different topic id is INCONSISTENT_TOPIC_ID.
     */
    public PartitionLog getOrCreateLog(TopicPartition tp, UUID topicId, LogConfig logConfig) {
        checkRunning();
        synchronized (createDeleteLock(tp)) {
            PartitionLog existing = logs.get(tp);
            if (existing != null) {
                if (topicId != null) {
                    existing.assignTopicId(topicId);
                }
                return existing;
            }
            Path dir = leastLoadedDir().resolve(tp.directoryName());
            PartitionLog log = PartitionLog.builder(dir)
                    .topicId(topicId)
                    .config(logConfig)
                    .hadCleanShutdown(true)
                    .scheduler(scheduler)
                    .time(time)
                    .producerStateConfig(config.producerState())
                    .producerIdsIssuedEnd(producerIdsIssuedEnd)
                    .flushStats(flushStats)
                    .open();
            // The new directory's entry in its parent is fsynced with the log's first flush or close.
            logs.put(tp, log);
            return log;
        }
    }

    private Object createDeleteLock(TopicPartition tp) {
        return createDeleteLocks[Math.floorMod(tp.hashCode(), createDeleteLocks.length)];
    }

    private Path leastLoadedDir() {
        Map<Path, Integer> counts = new HashMap<>();
        for (Path dir : config.logDirs()) {
            counts.put(dir, 0);
        }
        for (PartitionLog log : logs.values()) {
            counts.computeIfPresent(log.dir().getParent(), (d, n) -> n + 1);
        }
        Path best = config.logDirs().get(0);
        for (Path dir : config.logDirs()) {
            if (counts.get(dir) < counts.get(best)) {
                best = dir;
            }
        }
        return best;
    }

    /** The log cleaner, which compacts the logs with cleanup.policy=compact. */
    public LogCleaner cleaner() {
        return cleaner;
    }

    /** Where every log of this manager reports its flush times. */
    public LogFlushStats flushStats() {
        return flushStats;
    }

    public Optional<PartitionLog> getLog(TopicPartition tp) {
        return Optional.ofNullable(logs.get(tp));
    }

    public Collection<PartitionLog> allLogs() {
        return List.copyOf(logs.values());
    }

    /** Longest file name the common file systems (ext4, xfs, apfs, ntfs) accept, in bytes. */
    static final int FILE_NAME_BYTES_MAX = 255;

    /**
     * {@code <topic>-<partition>.<id>-delete}, with the topic name cut so that the whole name stays within
     * {@value #FILE_NAME_BYTES_MAX} bytes (as Kafka does): a topic name may be 249 characters long, and the
     * suffix adds 40 or more. Topic names are ASCII, so characters are bytes.
     */
    static String deleteDirName(TopicPartition tp) {
        String suffix = "-" + tp.partition() + "." + UUID.randomUUID().toString().replace("-", "") + DELETE_DIR_SUFFIX;
        String topic = tp.topic();
        return topic.substring(0, Math.min(topic.length(), FILE_NAME_BYTES_MAX - suffix.length())) + suffix;
    }

    /**
     * Removes a partition: closes its log, renames its directory to {@link #deleteDirName}
     * and removes the files in the background. UNKNOWN_TOPIC_OR_PARTITION when there is no such log.
     */
    public void deleteLog(TopicPartition tp) {
        checkRunning();
        synchronized (createDeleteLock(tp)) {
            PartitionLog log = logs.get(tp);
            if (log == null) {
                throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "no log for " + tp + " on this broker");
            }
            // The cleaner lets go of the log first: it must not write into a directory being removed.
            cleaner.abortCleaning(tp);
            logs.remove(tp);
            log.closeForDeletion();
            Path parent = log.dir().getParent();
            cleaner.removeLog(tp, parent);
            Path target = parent.resolve(deleteDirName(tp));
            log.renameDir(target);
            CheckpointFile.fsyncDirectory(parent);
            Runnable removal = () -> {
                try {
                    PartitionLog.deleteDirectory(target);
                } catch (RuntimeException e) {
                    LOG.error("cannot remove deleted partition directory {}", target, e);
                }
            };
            if (scheduler == null) {
                removal.run();
            } else {
                scheduler.execute(removal);
            }
        }
    }

    // ---- checkpoints -------------------------------------------------------------------------------

    /** Writes recovery points, high watermarks and log start offsets of every directory. */
    public void checkpointAll() {
        checkpointRecoveryPointsAndHighWatermarks();
        checkpointLogStartOffsets();
    }

    private void checkpointRecoveryPointsAndHighWatermarks() {
        for (Path dir : config.logDirs()) {
            Map<TopicPartition, Long> recoveryPoints = new HashMap<>();
            Map<TopicPartition, Long> highWatermarks = new HashMap<>();
            for (PartitionLog log : logsIn(dir)) {
                recoveryPoints.put(log.topicPartition(), log.recoveryPoint());
                highWatermarks.put(log.topicPartition(), log.highWatermark());
            }
            new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT)).write(recoveryPoints);
            new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET)).write(highWatermarks);
        }
    }

    private void checkpointLogStartOffsets() {
        for (Path dir : config.logDirs()) {
            Map<TopicPartition, Long> startOffsets = new HashMap<>();
            for (PartitionLog log : logsIn(dir)) {
                startOffsets.put(log.topicPartition(), log.logStartOffset());
            }
            new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.LOG_START_OFFSET)).write(startOffsets);
        }
    }

    private List<PartitionLog> logsIn(Path dir) {
        List<PartitionLog> in = new ArrayList<>();
        for (PartitionLog log : logs.values()) {
            if (log.dir().getParent().equals(dir)) {
                in.add(log);
            }
        }
        return in;
    }

    // ---- shutdown ----------------------------------------------------------------------------------

    /**
     * Stops background tasks, flushes and closes every log, writes the checkpoints and the clean-shutdown
     * marker of every directory, and releases the directory locks. Idempotent.
     */
    public synchronized void shutdown() {
        if (shutDown || !started) {
            shutDown = true;
            return;
        }
        shutDown = true;
        tasks.forEach(t -> t.cancel(false));
        cleaner.shutdown();
        for (PartitionLog log : logs.values()) {
            if (!log.isOffline()) {
                log.flush();
            }
        }
        checkpointAll();
        for (PartitionLog log : logs.values()) {
            log.close();
        }
        for (Path dir : config.logDirs()) {
            if (logsIn(dir).stream().anyMatch(PartitionLog::isOffline)) {
                LOG.error("not marking {} cleanly shut down: a log there is offline after an I/O failure", dir);
                continue;
            }
            CheckpointFile.writeAtomically(dir.resolve(CLEAN_SHUTDOWN_FILE), new byte[0]);
        }
        releaseLocks();
    }

    @Override
    public void close() {
        shutdown();
    }

    private void releaseLocks() {
        for (FileChannel channel : dirLocks.values()) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.warn("cannot release a log directory lock", e);
            }
        }
        dirLocks.clear();
    }

    private void checkRunning() {
        if (!started || shutDown) {
            throw new StorageException("log manager is " + (shutDown ? "shut down" : "not started"));
        }
    }
}
