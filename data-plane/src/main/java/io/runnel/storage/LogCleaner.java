package io.runnel.storage;

import io.runnel.common.TopicPartition;
import io.runnel.common.time.Time;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log cleaner of a broker: {@code log.cleaner.threads} threads, each owning a {@link Cleaner} (its
 * {@link OffsetMap} and I/O buffers), repeatedly ask the {@link LogCleanerManager} for the compacted log
 * that most needs cleaning, clean it, and sleep {@code log.cleaner.backoff.ms} when none does. All
 * threads share one {@link Throttler} ({@code log.cleaner.io.max.bytes.per.second}).
 *
 * <p>Figures for monitoring use Kafka's metric names: {@link #maxDirtyPercent()} (max-dirty-percent),
 * {@link #cleanerRecopyPercent()} (cleaner-recopy-percent), {@link #maxCleanTimeSecs()}
 * (max-clean-time-secs), {@link #maxCompactionDelaySecs()} (max-compaction-delay-secs),
 * {@link #maxBufferUtilizationPercent()}, {@link #deadThreadCount()}, {@link #timeSinceLastRunMs()} and
 * {@link #uncleanablePartitionsCount()}.
 *
 * <p>Threads: the cleaner threads are started by {@link #startup()} and stopped by {@link #shutdown()},
 * which waits for them; they are never interrupted (an interrupt would close the segment files they
 * read). A cleaning notices a shutdown or an abort between two batches. Thread-safe.
 */
public final class LogCleaner {

    private static final Logger LOG = LoggerFactory.getLogger(LogCleaner.class);

    private final CleanerConfig config;
    private final LogCleanerManager manager;
    private final Throttler throttler;
    private final Time time;
    private final FailurePoints faults;
    private final List<CleanerThread> threads = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stopping = lock.newCondition();
    private volatile boolean running;
    /** The Cleaner of {@link #cleanOnce()}, made on first use; only while no thread runs. */
    private Cleaner manualCleaner;
    private volatile CleanerStats manualStats = CleanerStats.none();

    public LogCleaner(CleanerConfig config, List<Path> logDirs, Supplier<Collection<PartitionLog>> logs, Time time) {
        this(config, logDirs, logs, time, FailurePoints.NONE);
    }

    LogCleaner(CleanerConfig config, List<Path> logDirs, Supplier<Collection<PartitionLog>> logs, Time time,
               FailurePoints faults) {
        this.config = config;
        this.manager = new LogCleanerManager(logDirs, logs, time);
        this.throttler = new Throttler(config.ioMaxBytesPerSecond(), time);
        this.time = time;
        this.faults = faults;
    }

    /** Loads the cleaner checkpoints and, with log.cleaner.enable, starts the threads. */
    public void startup() {
        manager.loadCheckpoints();
        if (!config.enable()) {
            LOG.info("log cleaner disabled (log.cleaner.enable=false): compacted topics are not compacted");
            return;
        }
        running = true;
        for (int i = 0; i < config.threads(); i++) {
            CleanerThread thread = new CleanerThread(i);
            threads.add(thread);
            thread.start();
        }
        LOG.info("started {} log cleaner thread(s)", config.threads());
    }

    /** Stops the threads and waits until each has finished (a cleaning stops at its next batch). */
    public void shutdown() {
        lock.lock();
        try {
            running = false;
            stopping.signalAll();
        } finally {
            lock.unlock();
        }
        for (CleanerThread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        threads.clear();
    }

    /**
     * Runs one cleaning on the calling thread: the log that most needs it, if any. Returns whether a log
     * was cleaned. Only while the cleaner threads are not running (log.cleaner.enable=false), so tests and
     * tools can clean deterministically.
     */
    public synchronized boolean cleanOnce() {
        if (running) {
            throw new IllegalStateException("the cleaner threads are running; cleanOnce is for log.cleaner.enable=false");
        }
        if (manualCleaner == null) {
            manualCleaner = newCleaner();
        }
        Optional<CleanerStats> stats = cleanFilthiestLog(manualCleaner, () -> { });
        stats.ifPresent(s -> manualStats = s);
        return stats.isPresent();
    }

    /** What the last {@link #cleanOnce()} that cleaned a log did. */
    public CleanerStats lastCleanOnceStats() {
        return manualStats;
    }

    private Cleaner newCleaner() {
        OffsetMap map = new OffsetMap(config.dedupeBytesPerThread(), config.dedupeBufferLoadFactor());
        return new Cleaner(map, config.ioBufferBytesPerThread(), throttler, time, faults);
    }

    /** Stops the cleaning of {@code tp} if one runs and waits for it (before the log is deleted). */
    public void abortCleaning(TopicPartition tp) {
        manager.abortCleaning(tp);
    }

    /** Forgets a deleted log. */
    public void removeLog(TopicPartition tp, Path logDir) {
        manager.removeLog(tp, logDir);
    }

    /** Each compacted log's cleaner checkpoint: the offset its next cleaning starts from. */
    public Map<TopicPartition, Long> cleanerCheckpoints() {
        return manager.checkpoints();
    }

    /**
     * Grabs, cleans and releases one log; the stats when a log was cleaned. Errors other than an abort or
     * an I/O failure (the log then fenced itself) leave the log to itself until a restart, as Kafka does.
     */
    private Optional<CleanerStats> cleanFilthiestLog(Cleaner cleaner, Runnable stopCheck) {
        Optional<LogCleanerManager.LogToClean> grabbed = manager.grabFilthiestLog();
        if (grabbed.isEmpty()) {
            return Optional.empty();
        }
        PartitionLog log = grabbed.get().log();
        CleaningPolicy.CleanableRange range = grabbed.get().range();
        TopicPartition tp = log.topicPartition();
        Cleaner.Result result = null;
        try {
            result = cleaner.clean(log, range.firstDirtyOffset(), range.firstUncleanableOffset(), () -> {
                stopCheck.run();
                manager.checkAborted(tp);
            });
            LOG.info("{}: cleaned [{}, {}) (dirty ratio {}): {}", tp, range.firstDirtyOffset(), result.nextDirtyOffset(),
                    String.format("%.2f", range.dirtyRatio()), result.stats());
            return Optional.of(result.stats());
        } catch (Cleaner.CleaningAbortedException e) {
            LOG.info("{}: cleaning aborted: {}", tp, e.getMessage());
            return Optional.empty();
        } catch (StorageException e) {
            if (!log.isOffline() && !log.isClosed()) {
                LOG.error("{}: cleaning failed; the cleaner leaves the log alone until restart", tp, e);
                manager.markUncleanable(tp);
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            LOG.error("{}: cleaning failed; the cleaner leaves the log alone until restart", tp, e);
            manager.markUncleanable(tp);
            return Optional.empty();
        } finally {
            manager.doneCleaning(log, result);
        }
    }

    // ---- metrics (Kafka's names) ------------------------------------------------------------------

    /** max-dirty-percent: the highest dirty ratio of a compacted log at the last check, in percent. */
    public int maxDirtyPercent() {
        return (int) (100 * manager.maxDirtyRatio());
    }

    /** cleaner-recopy-percent: bytes written / bytes read by each thread's last cleaning, in percent. */
    public int cleanerRecopyPercent() {
        long read = 0;
        long written = 0;
        for (CleanerStats stats : lastStats()) {
            read += stats.bytesRead();
            written += stats.bytesWritten();
        }
        return (int) (100.0 * written / Math.max(read, 1));
    }

    /** max-clean-time-secs: the longest of the threads' last cleanings. */
    public int maxCleanTimeSecs() {
        return (int) lastStats().stream().mapToDouble(CleanerStats::elapsedSecs).max().orElse(0);
    }

    /** max-compaction-delay-secs: how far the most overdue log is past max.compaction.lag.ms. */
    public int maxCompactionDelaySecs() {
        return (int) (manager.maxCompactionDelayMs() / 1000);
    }

    /** max-buffer-utilization-percent: the fullest key map of the threads' last cleanings. */
    public int maxBufferUtilizationPercent() {
        return (int) (100 * lastStats().stream().mapToDouble(CleanerStats::bufferUtilization).max().orElse(0));
    }

    /** DeadThreadCount: cleaner threads that died of an unexpected error. */
    public int deadThreadCount() {
        return (int) threads.stream().filter(t -> t.dead).count();
    }

    /** time-since-last-run-ms: since the cleaner last looked for a log to clean. */
    public long timeSinceLastRunMs() {
        return time.milliseconds() - manager.lastRunMs();
    }

    /** uncleanable-partitions-count: logs the cleaner gave up on after an error. */
    public int uncleanablePartitionsCount() {
        return manager.uncleanableCount();
    }

    private List<CleanerStats> lastStats() {
        List<CleanerStats> all = new ArrayList<>();
        all.add(manualStats);
        for (CleanerThread thread : List.copyOf(threads)) {
            all.add(thread.lastStats);
        }
        return all;
    }

    /** One cleaner thread: clean the dirtiest log, or wait log.cleaner.backoff.ms. */
    private final class CleanerThread extends Thread {
        private final Cleaner cleaner = newCleaner();
        private volatile CleanerStats lastStats = CleanerStats.none();
        private volatile boolean dead;

        CleanerThread(int id) {
            super("log-cleaner-" + id);
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (running) {
                    Optional<CleanerStats> stats = cleanFilthiestLog(cleaner, this::checkRunning);
                    stats.ifPresent(s -> lastStats = s);
                    if (stats.isEmpty()) {
                        backOff();
                    }
                }
            } catch (Error e) {
                dead = true;
                LOG.error("log cleaner thread {} died", getName(), e);
                throw e;
            }
        }

        private void checkRunning() {
            if (!running) {
                throw new Cleaner.CleaningAbortedException("the log cleaner is shutting down");
            }
        }

        private void backOff() {
            lock.lock();
            try {
                if (running) {
                    stopping.await(config.backoffMs(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            } finally {
                lock.unlock();
            }
        }
    }
}
