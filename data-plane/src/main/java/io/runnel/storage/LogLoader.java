package io.runnel.storage;

import io.runnel.common.TopicPartition;
import io.runnel.common.time.Time;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the segments of a partition directory when a {@link PartitionLog} opens, recovering them after
 * an unclean stop:
 * <ol>
 *   <li>stray {@code .deleted} and {@code .tmp} files are deleted; a cleaner swap interrupted by a crash
 *       is finished or undone ({@link #finishInterruptedSwaps}); index files without a {@code .log} are
 *       deleted;</li>
 *   <li>every segment is opened and its indexes sanity-checked; a missing or corrupt index is rebuilt
 *       from its segment;</li>
 *   <li>without a clean shutdown, every segment from the one holding the recovery point on is re-read
 *       ({@link LogSegment#recover}): framing, magic, CRC-32C and offset order of each batch, indexes
 *       rebuilt, the leader-epoch cache taught each new epoch; the file is cut at the first bad or torn
 *       batch and every later segment deleted; the recovered segments and the directory are fsynced;</li>
 *   <li>the log end offset is the end of the last whole batch, the log start offset the checkpointed one
 *       clamped into [first segment base, log end], and the epoch cache is truncated to that range.</li>
 * </ol>
 * Runs once, before the log is visible to any other thread; not thread-safe.
 */
final class LogLoader {

    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);

    /** What loading found. */
    record Result(long logEndOffset, long logStartOffset) {
    }

    private final Path dir;
    private final TopicPartition topicPartition;
    private final LogConfig config;
    private final Time time;
    private final ConcurrentSkipListMap<Long, LogSegment> segments;
    private final LeaderEpochFileCache leaderEpochCache;

    LogLoader(Path dir, TopicPartition topicPartition, LogConfig config, Time time,
              ConcurrentSkipListMap<Long, LogSegment> segments, LeaderEpochFileCache leaderEpochCache) {
        this.dir = dir;
        this.topicPartition = topicPartition;
        this.config = config;
        this.time = time;
        this.segments = segments;
        this.leaderEpochCache = leaderEpochCache;
    }

    /** Fills {@code segments} (at least one, the active segment last) and returns the log's offsets. */
    Result load(long recoveryPointCheckpoint, long logStartOffsetCheckpoint, boolean hadCleanShutdown) {
        removeStrayFiles();
        List<Long> needRebuild = openSegments(hadCleanShutdown);
        if (segments.isEmpty()) {
            long start = Math.max(0, logStartOffsetCheckpoint);
            segments.put(start, LogSegment.createNew(dir, start, config, time.milliseconds()));
        }
        recoverSegments(hadCleanShutdown ? Long.MAX_VALUE : recoveryPointCheckpoint, needRebuild);
        LogSegment active = segments.lastEntry().getValue();
        active.resizeIndexes(config.segmentIndexBytes());
        long logEndOffset = active.readNextOffset();
        long logStartOffset = Math.min(Math.max(logStartOffsetCheckpoint, segments.firstKey()), logEndOffset);
        leaderEpochCache.truncateFromEnd(logEndOffset);
        leaderEpochCache.truncateFromStart(logStartOffset);
        return new Result(logEndOffset, logStartOffset);
    }

    private void removeStrayFiles() {
        try {
            for (Path file : listFiles()) {
                String name = file.getFileName().toString();
                if (name.endsWith(LogFileNames.DELETED_SUFFIX) || name.endsWith(".tmp")) {
                    LOG.info("{}: deleting stray file {}", topicPartition, name);
                    Files.deleteIfExists(file);
                }
            }
            finishInterruptedSwaps();
            for (Path file : listFiles()) {
                String name = file.getFileName().toString();
                boolean orphanIndex = (LogFileNames.baseOffsetOf(name, LogFileNames.INDEX_SUFFIX).isPresent()
                        || LogFileNames.baseOffsetOf(name, LogFileNames.TIME_INDEX_SUFFIX).isPresent())
                        && !Files.exists(dir.resolve(name.substring(0, LogFileNames.OFFSET_DIGITS) + LogFileNames.LOG_SUFFIX));
                if (orphanIndex) {
                    LOG.info("{}: deleting stray file {}", topicPartition, name);
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot clean up partition directory " + dir, e);
        }
    }

    private List<Path> listFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    /**
     * Finishes or undoes a cleaner swap a crash interrupted ({@link PartitionLog#replaceSegments} renames a
     * cleaned segment's three files {@code .cleaned} → {@code .swap}, fsyncs the directory, renames the
     * replaced segments {@code .deleted}, then the new files to their final names). Per base offset:
     * <ul>
     *   <li>a {@code .cleaned} file means the swap never committed: that offset's {@code .swap} and
     *       {@code .cleaned} files are deleted and the old segments stay;</li>
     *   <li>a {@code .log.swap} without any {@code .cleaned} file is a committed swap: every segment file
     *       (log or index) whose base offset lies in [base, the swap log's next offset) belongs to a replaced
     *       segment and is deleted, then the {@code .swap} files take their final names;</li>
     *   <li>index {@code .swap} files whose log file already has its final name were being renamed last:
     *       they take their final names.</li>
     * </ul>
     * The cleaned segment always ends with the last batch of the segments it replaces (see {@link Cleaner}),
     * so its next offset is theirs and the range covers exactly the replaced segments.
     */
    private void finishInterruptedSwaps() throws IOException {
        Map<Long, List<Path>> swaps = new TreeMap<>();
        Set<Long> cleanedBases = new HashSet<>();
        List<Path> cleanedFiles = new ArrayList<>();
        for (Path file : listFiles()) {
            String name = file.getFileName().toString();
            if (name.endsWith(LogFileNames.CLEANED_SUFFIX)) {
                cleanedFiles.add(file);
                segmentBaseOffset(name, LogFileNames.CLEANED_SUFFIX).ifPresent(cleanedBases::add);
            } else if (name.endsWith(LogFileNames.SWAP_SUFFIX)) {
                OptionalLong base = segmentBaseOffset(name, LogFileNames.SWAP_SUFFIX);
                if (base.isPresent()) {
                    swaps.computeIfAbsent(base.getAsLong(), b -> new ArrayList<>()).add(file);
                } else {
                    LOG.warn("{}: deleting unrecognised swap file {}", topicPartition, name);
                    Files.deleteIfExists(file);
                }
            }
        }
        boolean changed = !cleanedFiles.isEmpty();
        for (Path file : cleanedFiles) {
            LOG.info("{}: deleting {} of a cleaning that did not swap in", topicPartition, file.getFileName());
            Files.deleteIfExists(file);
        }
        for (Map.Entry<Long, List<Path>> swap : swaps.entrySet()) {
            long base = swap.getKey();
            changed = true;
            if (cleanedBases.contains(base)) {
                LOG.info("{}: undoing the uncommitted swap of segment {}", topicPartition, base);
                for (Path file : swap.getValue()) {
                    Files.deleteIfExists(file);
                }
                continue;
            }
            Path swapLog = withSuffix(LogFileNames.logFile(dir, base), LogFileNames.SWAP_SUFFIX);
            if (Files.exists(swapLog)) {
                long end = nextOffsetOf(swapLog, base);
                LOG.info("{}: finishing the swap of cleaned segment {}: replacing the segment files in [{}, {})",
                        topicPartition, base, base, end);
                deleteSegmentFilesIn(base, end);
            }
            for (Path file : swap.getValue()) {
                String name = file.getFileName().toString();
                Path target = file.resolveSibling(name.substring(0, name.length() - LogFileNames.SWAP_SUFFIX.length()));
                Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (changed) {
            CheckpointFile.fsyncDirectory(dir);
        }
    }

    /** The base offset of {@code <20 digits>.log|.index|.timeindex<suffix>}, or empty. */
    private static OptionalLong segmentBaseOffset(String name, String suffix) {
        String stripped = name.substring(0, name.length() - suffix.length());
        for (String kind : List.of(LogFileNames.LOG_SUFFIX, LogFileNames.INDEX_SUFFIX, LogFileNames.TIME_INDEX_SUFFIX)) {
            OptionalLong base = LogFileNames.baseOffsetOf(stripped, kind);
            if (base.isPresent()) {
                return base;
            }
        }
        return OptionalLong.empty();
    }

    private static Path withSuffix(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    /** The offset after the last whole batch of a (fsynced, hence whole) swap log file. */
    private static long nextOffsetOf(Path logFile, long baseOffset) {
        try (FileRecords records = FileRecords.open(logFile)) {
            long next = baseOffset;
            int position = 0;
            int size = records.sizeInBytes();
            while (position < size) {
                FileRecords.BatchHeader header = records.readHeader(position, size);
                if (header == null || !header.isPlausible() || header.endPosition() > size) {
                    break;
                }
                next = header.nextOffset();
                position = header.endPosition();
            }
            return next;
        }
    }

    /** Deletes the regular segment files (log and indexes, no suffix) whose base offset is in [from, to). */
    private void deleteSegmentFilesIn(long from, long to) throws IOException {
        for (Path file : listFiles()) {
            String name = file.getFileName().toString();
            OptionalLong base = segmentBaseOffset(name, "");
            if (base.isPresent() && base.getAsLong() >= from && base.getAsLong() < to) {
                LOG.info("{}: deleting {}, replaced by a cleaned segment", topicPartition, name);
                Files.deleteIfExists(file);
            }
        }
    }

    /** Opens every segment; returns the base offsets of segments whose indexes must be rebuilt. */
    private List<Long> openSegments(boolean hadCleanShutdown) {
        List<Long> needRebuild = new ArrayList<>();
        List<Long> baseOffsets = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> LogFileNames.baseOffsetOf(f.getFileName().toString(), LogFileNames.LOG_SUFFIX)
                    .ifPresent(baseOffsets::add));
        } catch (IOException e) {
            throw new StorageException("cannot list partition directory " + dir, e);
        }
        baseOffsets.sort(Comparator.naturalOrder());
        for (long baseOffset : baseOffsets) {
            boolean indexesPresent = Files.exists(LogFileNames.indexFile(dir, baseOffset))
                    && Files.exists(LogFileNames.timeIndexFile(dir, baseOffset));
            LogSegment segment = LogSegment.open(dir, baseOffset, config, time.milliseconds());
            segments.put(baseOffset, segment);
            if (!indexesPresent && segment.sizeInBytes() > 0) {
                LOG.warn("{}: index files of segment {} missing; rebuilding", topicPartition, baseOffset);
                needRebuild.add(baseOffset);
                continue;
            }
            try {
                segment.sanityCheck();
            } catch (AbstractIndex.CorruptIndexException e) {
                if (hadCleanShutdown) {
                    LOG.warn("{}: {}; rebuilding the indexes of segment {}", topicPartition, e.getMessage(), baseOffset);
                }
                needRebuild.add(baseOffset);
            }
        }
        return needRebuild;
    }

    /** Recovers the segments from the one holding {@code recoverFrom} (none: Long.MAX_VALUE) and those in {@code needRebuild}. */
    private void recoverSegments(long recoverFrom, List<Long> needRebuild) {
        Long firstUnflushed = recoverFrom == Long.MAX_VALUE ? null : segments.floorKey(recoverFrom);
        if (firstUnflushed == null && recoverFrom != Long.MAX_VALUE) {
            firstUnflushed = segments.firstKey();
        }
        List<LogSegment> recovered = new ArrayList<>();
        for (LogSegment segment : new ArrayList<>(segments.values())) {
            boolean unflushed = firstUnflushed != null && segment.baseOffset() >= firstUnflushed;
            if (!unflushed && !needRebuild.contains(segment.baseOffset())) {
                continue;
            }
            LogSegment.RecoveryResult result = segment.recover(config, batch -> {
                int epoch = batch.partitionLeaderEpoch();
                if (epoch >= 0 && leaderEpochCache.latestEpoch().map(latest -> epoch > latest).orElse(true)) {
                    leaderEpochCache.assign(epoch, batch.baseOffset());
                }
            });
            recovered.add(segment);
            if (result.truncatedBytes() > 0) {
                LOG.warn("{}: recovery truncated {} bytes of segment {}: {}", topicPartition, result.truncatedBytes(),
                        segment.baseOffset(), result.reason());
                deleteSegmentsAfter(segment.baseOffset());
                break;
            }
        }
        for (LogSegment segment : recovered) {
            segment.flush();
        }
        if (!recovered.isEmpty()) {
            CheckpointFile.fsyncDirectory(dir);
        }
    }

    /** A batch after a hole cannot be trusted to be in order: everything after a truncated segment goes. */
    private void deleteSegmentsAfter(long baseOffset) {
        for (LogSegment later : new ArrayList<>(segments.tailMap(baseOffset, false).values())) {
            LOG.warn("{}: recovery deletes segment {} after the truncation point", topicPartition, later.baseOffset());
            segments.remove(later.baseOffset());
            later.deleteFiles();
        }
    }
}
