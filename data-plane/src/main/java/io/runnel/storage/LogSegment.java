package io.runnel.storage;

import io.runnel.common.errors.CorruptRecordException;
import io.runnel.common.record.CloseableIterator;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One segment of a partition log: the {@code .log} file of batches ({@link FileRecords}) with its sparse
 * {@link OffsetIndex} and {@link TimeIndex}, all named by the segment's base offset. Offsets in the
 * segment are at least the base offset and at most base + {@link Integer#MAX_VALUE} (indexes store them
 * relative to the base as int32).
 *
 * <p>Index maintenance follows Kafka: while appending, once more than {@code index.interval.bytes} of
 * log were written since the last entry, the next batch gets an offset-index entry (its last offset →
 * its start position) and the time index gets (largest timestamp so far, offset of it) if that grew.
 * When the segment stops being active, a final time-index entry is added and both index files are
 * trimmed to their valid entries.
 *
 * <p>Thread safety: mutations (append, truncate, recover, roll-related calls) run under the owning
 * {@link PartitionLog}'s lock; reads ({@link #read}, {@link #findOffsetByTimestamp}) may run concurrently
 * with them and are bounded by a byte position the caller took from the published log end.
 */
public final class LogSegment {

    private final Path dir;
    private final long baseOffset;
    private final FileRecords log;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final int indexIntervalBytes;
    private final long rollJitterMs;
    private volatile long createdMs;
    private volatile long maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
    private volatile long offsetOfMaxTimestampSoFar;
    private int bytesSinceLastIndexEntry;
    private Long rollingBasedTimestamp;

    private LogSegment(Path dir, long baseOffset, LogConfig config, long rollJitterMs, long nowMs, String suffix) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.log = FileRecords.open(withSuffix(LogFileNames.logFile(dir, baseOffset), suffix));
        this.offsetIndex = new OffsetIndex(withSuffix(LogFileNames.indexFile(dir, baseOffset), suffix), baseOffset,
                config.segmentIndexBytes());
        this.timeIndex = new TimeIndex(withSuffix(LogFileNames.timeIndexFile(dir, baseOffset), suffix), baseOffset,
                config.segmentIndexBytes());
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.rollJitterMs = rollJitterMs;
        this.createdMs = nowMs;
        this.offsetOfMaxTimestampSoFar = baseOffset;
    }

    /** Opens the segment's files in {@code dir}, creating empty ones where missing. */
    static LogSegment open(Path dir, long baseOffset, LogConfig config, long nowMs) {
        return new LogSegment(dir, baseOffset, config, randomJitterMs(config), nowMs, "");
    }

    /** Creates a new empty segment, first deleting any stale files with its name. */
    static LogSegment createNew(Path dir, long baseOffset, LogConfig config, long nowMs) {
        return createWithSuffix(dir, baseOffset, config, nowMs, "");
    }

    /**
     * Creates the empty segment a cleaning writes into: files named {@code <base>.log.cleaned},
     * {@code .index.cleaned} and {@code .timeindex.cleaned} (stale ones deleted first), renamed when the
     * cleaner swaps it in ({@link PartitionLog#replaceSegments}).
     */
    static LogSegment createCleaned(Path dir, long baseOffset, LogConfig config, long nowMs) {
        return createWithSuffix(dir, baseOffset, config, nowMs, LogFileNames.CLEANED_SUFFIX);
    }

    private static LogSegment createWithSuffix(Path dir, long baseOffset, LogConfig config, long nowMs, String suffix) {
        for (Path stale : List.of(LogFileNames.logFile(dir, baseOffset), LogFileNames.indexFile(dir, baseOffset),
                LogFileNames.timeIndexFile(dir, baseOffset))) {
            try {
                Files.deleteIfExists(withSuffix(stale, suffix));
            } catch (IOException e) {
                throw new StorageException("cannot delete stale segment file " + withSuffix(stale, suffix), e);
            }
        }
        return new LogSegment(dir, baseOffset, config, randomJitterMs(config), nowMs, suffix);
    }

    private static Path withSuffix(Path file, String suffix) {
        return suffix.isEmpty() ? file : file.resolveSibling(file.getFileName() + suffix);
    }

    /** Kafka's per-segment roll jitter: uniform in [0, min(segment.jitter.ms, segment.ms)). */
    static long randomJitterMs(LogConfig config) {
        long bound = Math.min(config.segmentJitterMs(), config.segmentMs());
        return bound > 0 ? ThreadLocalRandom.current().nextLong(bound) : 0;
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int sizeInBytes() {
        return log.sizeInBytes();
    }

    public FileRecords log() {
        return log;
    }

    public OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    public TimeIndex timeIndex() {
        return timeIndex;
    }

    /** Largest batch max-timestamp appended, or -1 when no batch carried a timestamp. */
    public long maxTimestampSoFar() {
        return maxTimestampSoFar;
    }

    public long offsetOfMaxTimestampSoFar() {
        return offsetOfMaxTimestampSoFar;
    }

    /** The timestamp retention judges the segment by: its largest timestamp, else the file's mtime. */
    public long largestTimestamp() {
        long max = maxTimestampSoFar;
        return max >= 0 ? max : lastModifiedMs();
    }

    public long lastModifiedMs() {
        try {
            return Files.getLastModifiedTime(log.file()).toMillis();
        } catch (IOException e) {
            throw new StorageException("cannot read the modification time of " + log.file(), e);
        }
    }

    /** Sets the log file's modification time (a cleaned segment keeps the one of the segments it replaces). */
    void setLastModifiedMs(long timeMs) {
        try {
            Files.setLastModifiedTime(log.file(), java.nio.file.attribute.FileTime.fromMillis(timeMs));
        } catch (IOException e) {
            throw new StorageException("cannot set the modification time of " + log.file(), e);
        }
    }

    /** The max timestamp of the segment's first batch (what max.compaction.lag.ms is judged by), or null when empty. */
    Long firstBatchTimestamp() {
        return rollingBasedTimestamp();
    }

    /** True when an offset can be stored relative to this segment's base. */
    boolean canHoldOffset(long offset) {
        long relative = offset - baseOffset;
        return relative >= 0 && relative <= Integer.MAX_VALUE;
    }

    // ---- appending ---------------------------------------------------------------------------------

    /** Writes validated batches at the end of the file and indexes them. Caller holds the log lock. */
    void append(ValidatedBatches batches) {
        if (batches.isEmpty()) {
            return;
        }
        if (!canHoldOffset(batches.firstOffset()) || !canHoldOffset(batches.lastOffset())) {
            throw new IllegalStateException("offsets " + batches.firstOffset() + ".." + batches.lastOffset()
                    + " do not fit segment " + baseOffset);
        }
        int startPosition = log.sizeInBytes();
        if (startPosition == 0) {
            rollingBasedTimestamp = batches.batches().get(0).maxTimestamp();
        }
        log.append(batches.buffer());
        for (ValidatedBatches.BatchInfo batch : batches.batches()) {
            indexBatch(startPosition + batch.position(), batch.sizeInBytes(), batch.lastOffset(), batch.maxTimestamp());
        }
    }

    private void indexBatch(int position, int sizeInBytes, long lastOffset, long maxTimestamp) {
        if (maxTimestamp > maxTimestampSoFar) {
            maxTimestampSoFar = maxTimestamp;
            offsetOfMaxTimestampSoFar = lastOffset;
        }
        // A full index only makes lookups scan further (it is sparse); the log rolls before that happens
        // on append, but recovery may meet a segment written with a larger segment.index.bytes.
        if (bytesSinceLastIndexEntry > indexIntervalBytes && !offsetIndex.isFull() && !timeIndex.isFull()) {
            offsetIndex.append(lastOffset, position);
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar, false);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += sizeInBytes;
    }

    // ---- rolling -----------------------------------------------------------------------------------

    /**
     * Why the segment must roll before an append of {@code incoming}, or empty when it need not. Kafka's
     * rules: the append would take the segment past segment.bytes; the segment is not empty and the
     * incoming max timestamp is segment.ms (minus jitter) past the segment's first batch timestamp (or,
     * without one, now is past its creation); either index is full; the incoming last offset does not fit
     * an int32 relative offset.
     */
    Optional<String> rollReason(int incomingBytes, long incomingMaxTimestampMs, long incomingLastOffset, long nowMs,
                                LogConfig config) {
        int size = log.sizeInBytes();
        if ((long) size + incomingBytes > config.segmentBytes()) {
            return Optional.of("segment.bytes: " + size + " + " + incomingBytes + " > " + config.segmentBytes());
        }
        if (size > 0) {
            Long firstTimestamp = rollingBasedTimestamp();
            long waitedMs = firstTimestamp != null && firstTimestamp >= 0
                    ? incomingMaxTimestampMs - firstTimestamp : nowMs - createdMs;
            if (waitedMs > config.maxSegmentMs() - rollJitterMs) {
                return Optional.of("segment.ms: waited " + waitedMs + " ms > " + config.maxSegmentMs() + " - jitter " + rollJitterMs);
            }
        }
        if (offsetIndex.isFull()) {
            return Optional.of("offset index full (" + offsetIndex.entries() + " entries)");
        }
        if (timeIndex.isFull()) {
            return Optional.of("time index full (" + timeIndex.entries() + " entries)");
        }
        if (!canHoldOffset(incomingLastOffset)) {
            return Optional.of("offset " + incomingLastOffset + " does not fit an int32 relative to " + baseOffset);
        }
        return Optional.empty();
    }

    private Long rollingBasedTimestamp() {
        if (rollingBasedTimestamp == null && log.sizeInBytes() > 0) {
            FileRecords.BatchHeader first = log.readHeader(0);
            rollingBasedTimestamp = first == null ? null : first.maxTimestamp();
        }
        return rollingBasedTimestamp;
    }

    /** Adds the final time-index entry and trims both indexes to their valid entries. */
    void onBecomeInactiveSegment() {
        if (maxTimestampSoFar >= 0) {
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar, true);
        }
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
    }

    /** Gives the active segment's indexes room again (they are trimmed when closed). */
    void resizeIndexes(int sizeBytes) {
        offsetIndex.resize(sizeBytes);
        timeIndex.resize(sizeBytes);
    }

    // ---- reading -----------------------------------------------------------------------------------

    /**
     * The first batch whose last offset is at least {@code offset}, starting the scan at the offset
     * index's entry for it and not looking past {@code maxPosition}; null when there is none.
     */
    FileRecords.BatchHeader translateOffset(long offset, int maxPosition) {
        int position = offsetIndex.lookup(offset).position();
        int limit = Math.min(maxPosition, log.sizeInBytes());
        while (position < limit) {
            FileRecords.BatchHeader header = log.readHeader(position, limit);
            if (header == null || !header.isPlausible()) {
                return null;
            }
            if (header.lastOffset() >= offset) {
                return header;
            }
            position = header.endPosition();
        }
        return null;
    }

    /**
     * Whole batches from the one holding {@code startOffset}: at most {@code maxBytes} (but the first batch
     * whole when {@code minOneMessage}), not past {@code maxPosition}, none whose base offset is at or above
     * {@code maxOffsetExclusive}. Null when the segment holds no batch at or after {@code startOffset}.
     */
    FetchDataInfo read(long startOffset, int maxBytes, int maxPosition, long maxOffsetExclusive, boolean minOneMessage) {
        FileRecords.BatchHeader first = translateOffset(startOffset, maxPosition);
        if (first == null) {
            return null;
        }
        LogOffsetMetadata at = new LogOffsetMetadata(startOffset, baseOffset, first.position());
        if (first.baseOffset() >= maxOffsetExclusive) {
            return FetchDataInfo.empty(at);
        }
        if (maxBytes == 0 && !minOneMessage) {
            return FetchDataInfo.empty(at);
        }
        if (first.sizeInBytes() > maxBytes && !minOneMessage) {
            return new FetchDataInfo(at, FileRecords.empty(), true);
        }
        if (first.endPosition() > maxPosition) {
            return FetchDataInfo.empty(at);
        }
        int end = first.endPosition();
        int limit = Math.min(maxPosition, log.sizeInBytes());
        while (end < limit) {
            FileRecords.BatchHeader next = log.readHeader(end, limit);
            if (next == null || next.baseOffset() >= maxOffsetExclusive || next.endPosition() > limit
                    || (long) next.endPosition() - first.position() > maxBytes) {
                break;
            }
            end = next.endPosition();
        }
        return new FetchDataInfo(at, log.slice(first.position(), end - first.position()), false);
    }

    /**
     * The first record with timestamp {@code >= timestampMs} and offset {@code >= startingOffset}, or empty.
     * The time index gives a starting offset, the offset index its position, then batches are scanned and
     * the first batch whose max timestamp reaches the target is opened.
     */
    Optional<TimestampAndOffset> findOffsetByTimestamp(long timestampMs, long startingOffset) {
        TimeIndex.TimestampOffset entry = timeIndex.lookup(timestampMs);
        int position = offsetIndex.lookup(Math.max(entry.offset(), startingOffset)).position();
        int limit = log.sizeInBytes();
        while (position < limit) {
            FileRecords.BatchHeader header = log.readHeader(position, limit);
            if (header == null || !header.isPlausible()) {
                return Optional.empty();
            }
            if (header.maxTimestamp() >= timestampMs && header.lastOffset() >= startingOffset) {
                RecordBatch batch = log.readBatch(header);
                if (batch == null) {
                    return Optional.empty();
                }
                try (CloseableIterator<Record> records = batch.records()) {
                    while (records.hasNext()) {
                        Record record = records.next();
                        if (record.timestamp() >= timestampMs && record.offset() >= startingOffset) {
                            int epoch = batch.partitionLeaderEpoch();
                            return Optional.of(new TimestampAndOffset(record.timestamp(), record.offset(),
                                    epoch >= 0 ? OptionalInt.of(epoch) : OptionalInt.empty()));
                        }
                    }
                }
            }
            position = header.endPosition();
        }
        return Optional.empty();
    }

    /** The offset after the last batch of the segment (its base offset when empty). */
    long readNextOffset() {
        OffsetIndex.OffsetPosition last = offsetIndex.lookup(Long.MAX_VALUE);
        int position = last.position();
        long next = baseOffset;
        int limit = log.sizeInBytes();
        while (position < limit) {
            FileRecords.BatchHeader header = log.readHeader(position, limit);
            if (header == null) {
                break;
            }
            next = header.nextOffset();
            position = header.endPosition();
        }
        return next;
    }

    // ---- recovery and truncation -------------------------------------------------------------------

    /** What recovery found: the bytes of torn or corrupt tail removed and why. */
    record RecoveryResult(int truncatedBytes, String reason) {
    }

    /** Receives each valid batch recovery reads (to rebuild the leader-epoch cache). */
    @FunctionalInterface
    interface RecoveredBatchListener {
        void onBatch(RecordBatch batch);
    }

    /**
     * Re-reads the whole segment: validates every batch's framing, magic, CRC-32C and offset order,
     * rebuilds both indexes, and truncates the file at the first invalid or incomplete batch.
     */
    RecoveryResult recover(LogConfig config, RecoveredBatchListener listener) {
        offsetIndex.reset();
        timeIndex.reset();
        bytesSinceLastIndexEntry = 0;
        maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestampSoFar = baseOffset;
        rollingBasedTimestamp = null;
        int position = 0;
        int size = log.sizeInBytes();
        long nextOffset = baseOffset;
        String reason = null;
        while (position < size) {
            FileRecords.BatchHeader header = log.readHeader(position, size);
            reason = problemWith(header, nextOffset, size - position);
            if (reason != null) {
                break;
            }
            RecordBatch batch = log.readBatch(header);
            try {
                batch.ensureValid();
            } catch (CorruptRecordException e) {
                reason = e.getMessage();
                break;
            }
            indexBatch(position, header.sizeInBytes(), header.lastOffset(), header.maxTimestamp());
            listener.onBatch(batch);
            nextOffset = header.nextOffset();
            position = header.endPosition();
        }
        int truncated = size - position;
        if (truncated > 0) {
            log.truncateTo(position);
        }
        if (maxTimestampSoFar >= 0) {
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar, true);
        }
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
        return new RecoveryResult(truncated, truncated > 0 ? reason : null);
    }

    private String problemWith(FileRecords.BatchHeader header, long nextOffset, int remaining) {
        if (header == null) {
            return "torn batch header: " + remaining + " bytes left";
        }
        if (!header.isPlausible()) {
            return "implausible batch header " + header;
        }
        if (header.sizeInBytes() > remaining) {
            return "torn batch: declares " + header.sizeInBytes() + " bytes, " + remaining + " present";
        }
        if (header.baseOffset() < nextOffset || !canHoldOffset(header.lastOffset())) {
            return "batch offsets " + header.baseOffset() + ".." + header.lastOffset() + " out of order after "
                    + nextOffset + " in segment " + baseOffset;
        }
        return null;
    }

    /**
     * Checks that the indexes are structurally sound and point inside the log; throws
     * {@link AbstractIndex.CorruptIndexException} otherwise, so the caller rebuilds them.
     */
    void sanityCheck() {
        offsetIndex.sanityCheck();
        timeIndex.sanityCheck();
        if (offsetIndex.lastPosition() >= log.sizeInBytes() && offsetIndex.entries() > 0) {
            throw new AbstractIndex.CorruptIndexException("offset index " + offsetIndex.file() + " points at position "
                    + offsetIndex.lastPosition() + " beyond the log's " + log.sizeInBytes() + " bytes");
        }
        loadMaxTimestamp(false);
    }

    /**
     * Restores the largest timestamp from the time index's last entry, which is exact for a segment closed
     * cleanly or rolled (both add a final entry). With {@code scanTail} the batches after that entry are
     * scanned too, which truncation needs because it may remove the final entry.
     */
    void loadMaxTimestamp(boolean scanTail) {
        TimeIndex.TimestampOffset last = timeIndex.lastEntry();
        maxTimestampSoFar = last.timestamp();
        offsetOfMaxTimestampSoFar = last.offset();
        int limit = log.sizeInBytes();
        int position = scanTail ? offsetIndex.lookup(last.offset()).position() : limit;
        while (position < limit) {
            FileRecords.BatchHeader header = log.readHeader(position, limit);
            if (header == null || !header.isPlausible()) {
                break;
            }
            if (header.maxTimestamp() > maxTimestampSoFar) {
                maxTimestampSoFar = header.maxTimestamp();
                offsetOfMaxTimestampSoFar = header.lastOffset();
            }
            position = header.endPosition();
        }
        // Index entries resume after the last batch: count the bytes since the last offset-index entry.
        int lastIndexed = offsetIndex.entries() == 0 ? 0 : offsetIndex.lastPosition();
        bytesSinceLastIndexEntry = offsetIndex.entries() == 0 ? limit : limit - lastIndexed;
    }

    /**
     * Removes every batch from the one holding {@code offset} on (the whole batch, so a batch is never
     * cut). Returns the bytes removed.
     */
    int truncateTo(long offset) {
        FileRecords.BatchHeader header = translateOffset(offset, log.sizeInBytes());
        if (header == null) {
            return 0;
        }
        offsetIndex.truncateTo(offset);
        timeIndex.truncateTo(offset);
        int removed = log.truncateTo(header.position());
        if (log.sizeInBytes() == 0) {
            rollingBasedTimestamp = null;
        }
        loadMaxTimestamp(true);
        if (log.sizeInBytes() == 0) {
            maxTimestampSoFar = RecordBatch.NO_TIMESTAMP;
            offsetOfMaxTimestampSoFar = baseOffset;
            bytesSinceLastIndexEntry = 0;
        }
        return removed;
    }

    /** Resets the creation time (used when an emptied active segment is reused). */
    void setCreatedMs(long nowMs) {
        createdMs = nowMs;
    }

    // ---- durability and lifecycle ------------------------------------------------------------------

    /** Forces the log file and both indexes to the device. */
    void flush() {
        log.flush();
        offsetIndex.flush();
        timeIndex.flush();
    }

    /** Adds the final time-index entry, trims the indexes and closes the file. */
    void close() {
        if (maxTimestampSoFar >= 0) {
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar, true);
        }
        offsetIndex.close();
        timeIndex.close();
        log.close();
    }

    /** Renames the three files by appending {@code suffix} (for example {@code .deleted}). */
    void addSuffix(String suffix) {
        log.renameTo(dir.resolve(log.file().getFileName() + suffix));
        offsetIndex.renameTo(dir.resolve(offsetIndex.file().getFileName() + suffix));
        timeIndex.renameTo(dir.resolve(timeIndex.file().getFileName() + suffix));
    }

    /**
     * Renames the three files from suffix {@code from} to {@code to} ({@code .cleaned} → {@code .swap} →
     * none), log file first, calling {@code afterEachFile} after each rename (a failure point for tests).
     */
    void changeFileSuffixes(String from, String to, Runnable afterEachFile) {
        log.renameTo(replaceSuffix(log.file(), from, to));
        afterEachFile.run();
        offsetIndex.renameTo(replaceSuffix(offsetIndex.file(), from, to));
        afterEachFile.run();
        timeIndex.renameTo(replaceSuffix(timeIndex.file(), from, to));
        afterEachFile.run();
    }

    private static Path replaceSuffix(Path file, String from, String to) {
        String name = file.getFileName().toString();
        if (!name.endsWith(from)) {
            throw new IllegalStateException("segment file " + file + " does not end with " + from);
        }
        return file.resolveSibling(name.substring(0, name.length() - from.length()) + to);
    }

    /** Closes and removes the three files. */
    void deleteFiles() {
        log.deleteIfExists();
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
    }

    @Override
    public String toString() {
        return "LogSegment(baseOffset=" + baseOffset + ", size=" + log.sizeInBytes() + ")";
    }
}
