package io.runnel.storage;

import io.runnel.common.TopicPartition;
import io.runnel.common.time.Time;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which compacted log the cleaner threads clean next and keeps what survives between cleanings:
 * the cleaner checkpoints (per log directory, {@value #CHECKPOINT_FILE}: each compacted partition's first
 * dirty offset, in Kafka's offset-checkpoint format, written atomically after every cleaning), the logs
 * being cleaned or whose cleaning was asked to stop, and the logs the cleaner gave up on after an error.
 *
 * <p>States of a log, as in Kafka's LogCleanerManager: none → in progress (grabbed by a thread) → none
 * (done) or → aborted ({@link #abortCleaning}, e.g. the log is being deleted) → none once the thread
 * noticed ({@link #checkAborted} throws in the cleaning thread) and reported back.
 *
 * <p>Thread-safe: every field but the metric values is guarded by this object's monitor; a thread
 * waiting for an abort waits on it.
 */
final class LogCleanerManager {

    static final String CHECKPOINT_FILE = "cleaner-offset-checkpoint";
    /** Longest single wait of {@link #abortCleaning} between checks (the cleaning checks its abort flag per batch). */
    private static final long ABORT_WAIT_SLICE_MS = 100;

    private static final Logger LOG = LoggerFactory.getLogger(LogCleanerManager.class);

    /** A log grabbed for cleaning, with the range to clean. */
    record LogToClean(PartitionLog log, CleaningPolicy.CleanableRange range) {
    }

    private enum State { IN_PROGRESS, ABORTED }

    private final List<Path> logDirs;
    private final Supplier<Collection<PartitionLog>> logs;
    private final Time time;
    private final Map<TopicPartition, State> inProgress = new HashMap<>();
    private final Set<TopicPartition> uncleanable = new HashSet<>();
    private final Map<Path, Map<TopicPartition, Long>> checkpoints = new LinkedHashMap<>();
    /** Each log's truncation count when its checkpoint was last trusted; a change resets the checkpoint. */
    private final Map<TopicPartition, Long> truncationCounts = new HashMap<>();
    /** The earliest delete horizon of a tombstone the last cleaning of each log kept (in memory only). */
    private final Map<TopicPartition, Long> tombstoneDueMs = new HashMap<>();
    private volatile double maxDirtyRatio;
    private volatile long maxCompactionDelayMs;
    private volatile long lastRunMs;

    LogCleanerManager(List<Path> logDirs, Supplier<Collection<PartitionLog>> logs, Time time) {
        this.logDirs = List.copyOf(logDirs);
        this.logs = logs;
        this.time = time;
        this.lastRunMs = time.milliseconds();
    }

    /** Reads every directory's checkpoint file (a malformed one is a StorageException naming it). */
    synchronized void loadCheckpoints() {
        for (Path dir : logDirs) {
            checkpoints.put(dir, new LinkedHashMap<>(checkpointFile(dir).read()));
        }
    }

    private static OffsetCheckpointFile checkpointFile(Path dir) {
        return new OffsetCheckpointFile(dir.resolve(CHECKPOINT_FILE));
    }

    /**
     * Picks the compacted log that most needs cleaning ({@link CleaningPolicy#shouldClean}; the highest
     * dirty ratio first) and marks it in progress; empty when none does. Also updates the
     * max-dirty-percent and max-compaction-delay figures.
     */
    synchronized Optional<LogToClean> grabFilthiestLog() {
        long nowMs = time.milliseconds();
        lastRunMs = nowMs;
        LogToClean best = null;
        double dirtiest = 0;
        long delayMs = 0;
        for (PartitionLog log : logs.get()) {
            TopicPartition tp = log.topicPartition();
            if (!log.config().compact() || log.isClosed() || log.isOffline() || inProgress.containsKey(tp)
                    || uncleanable.contains(tp)) {
                continue;
            }
            CleaningPolicy.CleanableRange range;
            try {
                range = cleanableRange(log, nowMs);
            } catch (StorageException e) {
                LOG.warn("{}: cannot judge whether the log needs cleaning: {}", tp, e.getMessage());
                continue;
            }
            delayMs = Math.max(delayMs, range.compactionDelayMs());
            dirtiest = Math.max(dirtiest, range.dirtyRatio());
            boolean due = CleaningPolicy.shouldClean(range, log.config(), tombstoneDueMs.getOrDefault(tp, -1L), nowMs);
            if (due && (best == null || range.dirtyRatio() > best.range().dirtyRatio())) {
                best = new LogToClean(log, range);
            }
        }
        maxDirtyRatio = dirtiest;
        maxCompactionDelayMs = delayMs;
        if (best == null) {
            return Optional.empty();
        }
        inProgress.put(best.log().topicPartition(), State.IN_PROGRESS);
        return Optional.of(best);
    }

    private CleaningPolicy.CleanableRange cleanableRange(PartitionLog log, long nowMs) {
        TopicPartition tp = log.topicPartition();
        Path dir = log.dir().getParent();
        Map<TopicPartition, Long> dirCheckpoints = checkpoints.computeIfAbsent(dir, d -> new LinkedHashMap<>());
        Long recordedTruncations = truncationCounts.put(tp, log.truncationCount());
        if (recordedTruncations != null && recordedTruncations != log.truncationCount() && dirCheckpoints.remove(tp) != null) {
            // The log was cut since its checkpoint: records there may be new. Consider the whole log dirty.
            LOG.info("{}: the log was truncated; the cleaner will treat it as dirty from its start", tp);
            writeCheckpoints(dir);
        }
        Long checkpoint = dirCheckpoints.get(tp);
        List<LogSegment> segments = log.segments();
        List<CleaningPolicy.SegmentInfo> infos = new ArrayList<>(segments.size());
        for (int i = 0; i < segments.size(); i++) {
            LogSegment segment = segments.get(i);
            boolean active = i == segments.size() - 1;
            Long first = active ? null : segment.firstBatchTimestamp();
            infos.add(new CleaningPolicy.SegmentInfo(segment.baseOffset(), segment.sizeInBytes(),
                    active ? segment.maxTimestampSoFar() : segment.largestTimestamp(), first == null ? -1 : first,
                    segment.offsetIndex().sizeInBytes(), segment.timeIndex().sizeInBytes()));
        }
        CleaningPolicy.CleanableRange range = CleaningPolicy.cleanableRange(infos, log.logStartOffset(), log.logEndOffset(),
                log.highWatermark(), checkpoint == null ? OptionalLong.empty() : OptionalLong.of(checkpoint), log.config(), nowMs);
        if (range.checkpointReset()) {
            LOG.warn("{}: cleaner checkpoint {} is outside the log [{}, {}]; cleaning from the log start", tp, checkpoint,
                    log.logStartOffset(), log.logEndOffset());
            dirCheckpoints.put(tp, range.firstDirtyOffset());
            writeCheckpoints(dir);
        }
        return range;
    }

    /**
     * Ends a cleaning: unless it was aborted, a completed result moves the log's checkpoint and is
     * written to the directory's checkpoint file. {@code result} is null when the cleaning failed.
     */
    synchronized void doneCleaning(PartitionLog log, Cleaner.Result result) {
        TopicPartition tp = log.topicPartition();
        State state = inProgress.remove(tp);
        notifyAll();
        if (state != State.IN_PROGRESS || result == null || !result.completed()) {
            return;
        }
        Path dir = log.dir().getParent();
        checkpoints.computeIfAbsent(dir, d -> new LinkedHashMap<>()).put(tp, result.nextDirtyOffset());
        truncationCounts.put(tp, log.truncationCount());
        if (result.tombstoneDueMs() >= 0) {
            tombstoneDueMs.put(tp, result.tombstoneDueMs());
        } else {
            tombstoneDueMs.remove(tp);
        }
        writeCheckpoints(dir);
    }

    private void writeCheckpoints(Path dir) {
        Map<TopicPartition, Long> dirCheckpoints = checkpoints.get(dir);
        Set<TopicPartition> present = new HashSet<>();
        for (PartitionLog log : logs.get()) {
            present.add(log.topicPartition());
        }
        dirCheckpoints.keySet().retainAll(present);
        try {
            checkpointFile(dir).write(dirCheckpoints);
        } catch (StorageException e) {
            // The checkpoint only saves work: a stale one makes the next cleaning redo some of it.
            LOG.error("cannot write {} in {}; the next cleaning may redo work", CHECKPOINT_FILE, dir, e);
        }
    }

    /** Throws {@link Cleaner.CleaningAbortedException} in the cleaning thread when its log's cleaning was aborted. */
    synchronized void checkAborted(TopicPartition tp) {
        if (inProgress.get(tp) == State.ABORTED) {
            throw new Cleaner.CleaningAbortedException("cleaning of " + tp + " was aborted");
        }
    }

    /**
     * Stops the cleaning of {@code tp} if one runs and waits until its thread has let go of the log (the
     * cleaning checks between batches and between throttle sleeps, so the wait is about one batch).
     */
    synchronized void abortCleaning(TopicPartition tp) {
        if (inProgress.containsKey(tp)) {
            inProgress.put(tp, State.ABORTED);
        }
        while (inProgress.containsKey(tp)) {
            try {
                wait(ABORT_WAIT_SLICE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StorageException("interrupted while aborting the cleaning of " + tp);
            }
        }
    }

    /** The cleaner gave up on {@code tp} after an error: it is left alone until the broker restarts. */
    synchronized void markUncleanable(TopicPartition tp) {
        uncleanable.add(tp);
    }

    /** Forgets a deleted log (its checkpoint entry and state). */
    synchronized void removeLog(TopicPartition tp, Path dir) {
        uncleanable.remove(tp);
        truncationCounts.remove(tp);
        tombstoneDueMs.remove(tp);
        Map<TopicPartition, Long> dirCheckpoints = checkpoints.get(dir);
        if (dirCheckpoints != null && dirCheckpoints.remove(tp) != null) {
            writeCheckpoints(dir);
        }
    }

    /** Every log's checkpoint (its first dirty offset). */
    synchronized Map<TopicPartition, Long> checkpoints() {
        Map<TopicPartition, Long> all = new HashMap<>();
        checkpoints.values().forEach(all::putAll);
        return all;
    }

    synchronized int uncleanableCount() {
        return uncleanable.size();
    }

    double maxDirtyRatio() {
        return maxDirtyRatio;
    }

    long maxCompactionDelayMs() {
        return maxCompactionDelayMs;
    }

    long lastRunMs() {
        return lastRunMs;
    }
}
