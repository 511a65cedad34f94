package io.runnel.storage;

import static io.runnel.common.ListOffsetsTimestamps.EARLIEST_TIMESTAMP;
import static io.runnel.common.ListOffsetsTimestamps.LATEST_TIMESTAMP;
import static io.runnel.common.ListOffsetsTimestamps.MAX_TIMESTAMP;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.TimestampType;
import io.runnel.common.time.Time;
import io.runnel.proto.ErrorCode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one partition replica: a directory {@code <topic>-<partition>/} of {@link LogSegment}s
 * ordered by base offset, the last of which (the active segment) takes appends, plus its
 * {@link LeaderEpochFileCache} and {@code partition.metadata}.
 *
 * <p><b>Offsets.</b> {@code logStartOffset <= highWatermark <= logEndOffset}; the recovery point is the
 * offset below which everything has been fsynced. Appends assign offsets from the log end offset
 * (leader) or keep the leader's (follower); see {@link BatchValidator} for what is rejected. A rejected
 * request appends nothing.
 *
 * <p><b>Durability.</b> An append returns once the bytes are in the OS page cache: append ≠ flush ≠
 * durable. {@link #flush()} fsyncs the segments and advances the recovery point; it also runs when
 * {@code flush.messages} records are unflushed and, on a roll, for the segments rolled out (in the
 * background when a scheduler is given). After an unclean stop everything from the recovery point is
 * re-validated (see {@link #open}).
 *
 * <p><b>Thread safety.</b> Appends, truncation, rolls, retention and config changes take one lock.
 * Flushes (from an appending thread, the background flush after a roll, the log manager's flush task)
 * fsync without it and then move the recovery point under it, unless a truncation came in between.
 * Reads take no log lock: they read the published log end ({@link #logEndOffsetMetadata()}, volatile)
 * and never look past it, so they see whole batches only. Segments removed by retention, truncation or
 * a cleaner swap are renamed {@code .deleted} and their files closed only after
 * {@code file.delete.delay.ms}, so a read that already holds one finishes. A cleaner thread swaps cleaned
 * segments in with {@link #replaceSegments}, under a second lock that truncation and retention take
 * first and appends never take.
 *
 * <p><b>Producer state.</b> A {@link ProducerStateManager} keeps what the partition knows of each
 * idempotent producer (epoch, last five batches) under the log lock: a leader append is checked against
 * it before anything is written (a retried batch is answered with its original offsets and nothing is
 * appended; see {@link ProducerAppendCheck} for the errors), a follower append is recorded as it is, and
 * truncation, retention and expiry keep it in step with the log. It survives restarts through
 * {@code <offset>.snapshot} files in Kafka's format, written on every roll and on close, and is rebuilt
 * from the newest snapshot and the log after it when the log opens.
 */
public final class PartitionLog implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final TopicPartition topicPartition;
    private final Time time;
    private final ScheduledExecutorService scheduler;
    private final LogFlushStats flushStats;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Held by a cleaner's segment swap ({@link #replaceSegments}) from its commit (the {@code .swap}
     * renames) to its end, and by every operation that removes segments (truncation, retention), always
     * before {@link #lock}. While a {@code .swap} is on disk nothing else may change the segments it
     * replaces, or recovery would complete the swap over them. Appends never take it, so a swap's
     * renames and directory fsyncs do not hold producers up.
     */
    private final ReentrantLock swapLock = new ReentrantLock();
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final LeaderEpochFileCache leaderEpochCache;
    private final ProducerStateConfig producerStateConfig;
    /** The first producer id the cluster has not handed out (a leader refuses ids at or above it). */
    private final LongSupplier producerIdsIssuedEnd;
    /** Under {@link #lock}. */
    private ProducerStateManager producerState;
    private volatile Path dir;
    private volatile UUID topicId;
    private volatile LogConfig config;
    private volatile LogOffsetMetadata nextOffsetMetadata;
    private volatile long logStartOffset;
    private volatile long highWatermark;
    private volatile long recoveryPoint;
    /** Truncations so far (under {@link #lock}), so a flush that raced one leaves the recovery point alone. */
    private long truncations;
    private volatile long lastFlushMs;
    private volatile boolean closed;
    /** Truncations since the log was opened; a cleaning that saw another count has its swap refused. */
    private volatile long truncationCount;
    private volatile StorageException offlineCause;
    private volatile boolean directoryDirty;
    /** partition.metadata (and a new log's directory entry) were written without fsync; see {@link #syncMetadata()}. */
    private volatile boolean metadataDirty;

    private PartitionLog(Builder builder) {
        this.dir = builder.dir;
        this.topicPartition = TopicPartition.fromDirectoryName(builder.dir.getFileName().toString());
        this.time = builder.time;
        this.scheduler = builder.scheduler;
        this.flushStats = builder.flushStats;
        this.config = builder.config;
        this.lastFlushMs = time.milliseconds();
        this.leaderEpochCache = new LeaderEpochFileCache(builder.dir, this::logEndOffset);
        this.nextOffsetMetadata = LogOffsetMetadata.offsetOnly(0);
        this.producerStateConfig = builder.producerStateConfig;
        this.producerIdsIssuedEnd = builder.producerIdsIssuedEnd;
    }

    /**
     * Options for {@link #open}; defaults: recovery point 0, log start 0, HW 0, unclean (recover), system time,
     * Kafka's producer-state settings, and every producer id taken as issued.
     */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** How to open a log. Not thread-safe; use once. */
    public static final class Builder {
        private final Path dir;
        private UUID topicId;
        private LogConfig config = LogConfig.defaults();
        private long recoveryPoint;
        private long logStartOffset;
        private long highWatermark;
        private boolean hadCleanShutdown;
        private ScheduledExecutorService scheduler;
        private Time time = Time.SYSTEM;
        private ProducerStateConfig producerStateConfig = ProducerStateConfig.defaults();
        private LongSupplier producerIdsIssuedEnd = () -> Long.MAX_VALUE;
        private LogFlushStats flushStats = new LogFlushStats();

        private Builder(Path dir) {
            this.dir = dir;
        }

        public Builder topicId(UUID id) {
            this.topicId = id;
            return this;
        }

        public Builder config(LogConfig c) {
            this.config = c;
            return this;
        }

        public Builder recoveryPoint(long offset) {
            this.recoveryPoint = offset;
            return this;
        }

        public Builder logStartOffset(long offset) {
            this.logStartOffset = offset;
            return this;
        }

        public Builder highWatermark(long offset) {
            this.highWatermark = offset;
            return this;
        }

        public Builder hadCleanShutdown(boolean clean) {
            this.hadCleanShutdown = clean;
            return this;
        }

        /** Runs background flushes after a roll and delayed file deletion; null: both run inline. */
        public Builder scheduler(ScheduledExecutorService s) {
            this.scheduler = s;
            return this;
        }

        public Builder time(Time t) {
            this.time = t;
            return this;
        }

        public Builder producerStateConfig(ProducerStateConfig c) {
            this.producerStateConfig = c;
            return this;
        }

        /**
         * Where the first producer id the cluster has not handed out is read (the metadata image's next
         * producer id block); a client's batch from a producer this partition does not know with an id at or
         * above it is refused with UNKNOWN_PRODUCER_ID.
         */
        public Builder producerIdsIssuedEnd(LongSupplier end) {
            this.producerIdsIssuedEnd = end;
            return this;
        }

        /** Where the log reports how long its flushes take. */
        public Builder flushStats(LogFlushStats stats) {
            this.flushStats = stats;
            return this;
        }

        /** Opens (creating the directory if needed) and loads the log; see {@link PartitionLog#open}. */
        public PartitionLog open() {
            return PartitionLog.open(this);
        }
    }

    /**
     * Opens a partition directory. Stray {@code .deleted} and {@code .tmp} files and index files without a
     * log file are deleted, and a cleaner swap a crash interrupted is finished or undone ({@link LogLoader}).
     * After a clean shutdown, segment
     * indexes are only sanity-checked (a corrupt or missing index is rebuilt from its segment). Otherwise
     * every segment from the one holding the recovery point is re-read: each batch's framing, magic,
     * CRC-32C and offset order is checked, both indexes are rebuilt, the file is cut at the first bad or
     * torn batch and all later segments are deleted; the recovered segments are fsynced. The log end
     * offset is then the end of the last whole batch.
     */
    static PartitionLog open(Builder builder) {
        try {
            Files.createDirectories(builder.dir);
        } catch (IOException e) {
            throw new StorageException("cannot create partition directory " + builder.dir, e);
        }
        PartitionLog log = new PartitionLog(builder);
        log.load(builder);
        return log;
    }

    // ---- loading -----------------------------------------------------------------------------------

    private void load(Builder builder) {
        PartitionMetadataFile metadata = new PartitionMetadataFile(dir);
        Optional<UUID> storedId = metadata.read();
        if (builder.topicId != null && storedId.isPresent() && !storedId.get().equals(builder.topicId)) {
            throw new ApiException(ErrorCode.INCONSISTENT_TOPIC_ID, "partition directory " + dir + " belongs to topic id "
                    + storedId.get() + ", not " + builder.topicId);
        }
        topicId = storedId.orElse(builder.topicId);
        if (storedId.isEmpty() && builder.topicId != null) {
            // Not fsynced here: creating thousands of partitions must not wait for thousands of fsyncs.
            // The next flush (or close) makes it durable; lost in a crash, it is rewritten on load.
            metadata.write(builder.topicId, false);
            metadataDirty = true;
        }
        LogLoader.Result loaded = new LogLoader(dir, topicPartition, config, time, segments, leaderEpochCache)
                .load(builder.recoveryPoint, builder.logStartOffset, builder.hadCleanShutdown);
        LogSegment active = activeSegment();
        nextOffsetMetadata = new LogOffsetMetadata(loaded.logEndOffset(), active.baseOffset(), active.sizeInBytes());
        logStartOffset = loaded.logStartOffset();
        // After a clean shutdown everything was flushed; after recovery the recovered segments were fsynced.
        recoveryPoint = loaded.logEndOffset();
        highWatermark = Math.min(Math.max(builder.highWatermark, logStartOffset), loaded.logEndOffset());
        producerState = new ProducerStateManager(topicPartition, dir, producerStateConfig);
        producerState.load(logStartOffset, loaded.logEndOffset(), List.copyOf(segments.keySet()), this::forEachBatchHeader,
                time.milliseconds());
    }

    private LogSegment newSegment(long baseOffset) {
        directoryDirty = true;
        return LogSegment.createNew(dir, baseOffset, config, time.milliseconds());
    }

    // ---- accessors ---------------------------------------------------------------------------------

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Path dir() {
        return dir;
    }

    /** The topic id from partition.metadata, or null when none was ever assigned. */
    public UUID topicId() {
        return topicId;
    }

    /** Binds the log to a topic id (writes partition.metadata); a different existing id is INCONSISTENT_TOPIC_ID. */
    public void assignTopicId(UUID id) {
        lock.lock();
        try {
            if (topicId != null && !topicId.equals(id)) {
                throw new ApiException(ErrorCode.INCONSISTENT_TOPIC_ID, "partition " + topicPartition + " has topic id "
                        + topicId + ", not " + id);
            }
            if (topicId == null) {
                new PartitionMetadataFile(dir).write(id, false);
                metadataDirty = true;
                topicId = id;
            }
        } finally {
            lock.unlock();
        }
    }

    public LogConfig config() {
        return config;
    }

    public void updateConfig(LogConfig newConfig) {
        lock.lock();
        try {
            this.config = newConfig;
        } finally {
            lock.unlock();
        }
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return nextOffsetMetadata.messageOffset();
    }

    public LogOffsetMetadata logEndOffsetMetadata() {
        return nextOffsetMetadata;
    }

    public long highWatermark() {
        return highWatermark;
    }

    /**
     * Moves the high watermark up to {@code hw} (clamped to [logStartOffset, logEndOffset]); never down:
     * two appends that computed their high watermarks in one order may publish them in the other. Only a
     * truncation below it lowers the high watermark.
     */
    public void updateHighWatermark(long hw) {
        lock.lock();
        try {
            long candidate = Math.min(Math.max(hw, logStartOffset), logEndOffset());
            highWatermark = Math.max(highWatermark, candidate);
        } finally {
            lock.unlock();
        }
    }

    public long recoveryPoint() {
        return recoveryPoint;
    }

    /**
     * Wall-clock time when the last flush of everything then appended began (or of opening): no record
     * older than this is unflushed. For the flush.ms scheduler.
     */
    public long lastFlushMs() {
        return lastFlushMs;
    }

    public LeaderEpochFileCache leaderEpochCache() {
        return leaderEpochCache;
    }

    /** Kafka's OffsetsForLeaderEpoch answer, empty when the epoch is unknown (see {@link LeaderEpochFileCache#endOffsetFor}). */
    public Optional<OffsetAndEpoch> endOffsetForEpoch(int epoch) {
        OffsetAndEpoch result = leaderEpochCache.endOffsetFor(epoch, logEndOffset());
        return result.epoch() == LeaderEpochFileCache.UNDEFINED_EPOCH ? Optional.empty() : Optional.of(result);
    }

    public long sizeInBytes() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.sizeInBytes();
        }
        return total;
    }

    public int numberOfSegments() {
        return segments.size();
    }

    /** The segments, oldest first (a snapshot). */
    public List<LogSegment> segments() {
        return List.copyOf(segments.values());
    }

    public LogSegment activeSegment() {
        return segments.lastEntry().getValue();
    }

    // ---- producer state ----------------------------------------------------------------------------

    /** What the partition knows of {@code producerId}, empty when nothing. */
    public Optional<ProducerStateEntry> producerStateEntry(long producerId) {
        lock.lock();
        try {
            return Optional.ofNullable(producerState.entry(producerId));
        } finally {
            lock.unlock();
        }
    }

    /** Every producer the partition knows of, by id (a copy). */
    public Map<Long, ProducerStateEntry> activeProducers() {
        lock.lock();
        try {
            return producerState.activeProducers();
        } finally {
            lock.unlock();
        }
    }

    /** Each known producer's last data offset: the batches the cleaner must keep (Kafka's rule). */
    Map<Long, Long> lastDataOffsetsOfProducers() {
        lock.lock();
        try {
            return producerState.lastDataOffsets();
        } finally {
            lock.unlock();
        }
    }

    /** Offsets of the producer snapshot files in the partition directory, oldest first. */
    public List<Long> producerSnapshotOffsets() {
        lock.lock();
        try {
            return producerState.snapshotOffsets();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forgets the producers with no batch for {@code producer.id.expiration.ms}; returns how many. Run
     * every {@code producer.id.expiration.check.interval.ms} by the {@link LogManager}.
     */
    public int removeExpiredProducers() {
        lock.lock();
        try {
            if (closed) {
                return 0;
            }
            return producerState.removeExpiredProducers(time.milliseconds());
        } finally {
            lock.unlock();
        }
    }

    // ---- appending ---------------------------------------------------------------------------------

    /** {@link #appendAsLeader(ByteBuffer, int, AppendOrigin)} for a client's produce request. */
    public LogAppendInfo appendAsLeader(ByteBuffer batches, int leaderEpoch) {
        return appendAsLeader(batches, leaderEpoch, AppendOrigin.CLIENT);
    }

    /**
     * Validates the batches, assigns offsets from the log end offset and appends them. The batch headers
     * are rewritten in place in {@code batches} (baseOffset, partitionLeaderEpoch, and under
     * LogAppendTime the timestamp and CRC); a read-only buffer is copied first. Records
     * (leaderEpoch, first offset) in the epoch cache when the epoch is new.
     */
    public LogAppendInfo appendAsLeader(ByteBuffer batches, int leaderEpoch, AppendOrigin origin) {
        ByteBuffer buffer = writable(batches);
        lock.lock();
        try {
            checkOpen();
            long nowMs = time.milliseconds();
            ValidatedBatches validated = BatchValidator.validateAsLeader(topicPartition, buffer, logEndOffset(), leaderEpoch,
                    config, nowMs, origin);
            ProducerAppendCheck.Outcome producers = producerState.checkLeaderAppend(producerBatches(validated), origin,
                    producerIdsIssuedEnd.getAsLong());
            if (producers instanceof ProducerAppendCheck.Duplicate duplicate) {
                // A retry of batches already here: answer as the first time, append nothing.
                long appendTimeMs = config.messageTimestampType() == TimestampType.LOG_APPEND_TIME
                        ? duplicate.maxTimestamp() : RecordBatch.NO_TIMESTAMP;
                return LogAppendInfo.duplicate(duplicate.firstOffset(), duplicate.lastOffset(), duplicate.maxTimestamp(),
                        appendTimeMs, logStartOffset);
            }
            if (!validated.isEmpty() && leaderEpoch >= 0
                    && leaderEpochCache.latestEpoch().map(latest -> leaderEpoch > latest).orElse(true)) {
                checkFits(validated);
                leaderEpochCache.assign(leaderEpoch, validated.firstOffset());
            }
            LogAppendInfo info = append(validated);
            producerState.apply(((ProducerAppendCheck.Accepted) producers).updates(), logEndOffset());
            return info;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends batches replicated from the leader, keeping their offsets and epochs. Checks framing, size,
     * CRC and that offsets increase from the log end offset on. Each new epoch seen is recorded.
     */
    public LogAppendInfo appendAsFollower(ByteBuffer batches) {
        lock.lock();
        try {
            checkOpen();
            ValidatedBatches validated = BatchValidator.validateAsFollower(batches, logEndOffset(), config);
            checkFits(validated);
            for (ValidatedBatches.BatchInfo batch : validated.batches()) {
                int epoch = batch.partitionLeaderEpoch();
                if (epoch >= 0 && leaderEpochCache.latestEpoch().map(latest -> epoch > latest).orElse(true)) {
                    leaderEpochCache.assign(epoch, batch.baseOffset());
                }
            }
            LogAppendInfo info = append(validated);
            // The leader checked these batches; a follower records them as they are, so its state is the leader's.
            producerState.replay(producerBatches(validated), logEndOffset());
            return info;
        } finally {
            lock.unlock();
        }
    }

    /** The producer fields of each validated batch, read from its header. */
    private static List<ProducerBatchInfo> producerBatches(ValidatedBatches validated) {
        List<ProducerBatchInfo> infos = new ArrayList<>(validated.batches().size());
        ByteBuffer buffer = validated.buffer();
        for (ValidatedBatches.BatchInfo batch : validated.batches()) {
            ByteBuffer view = buffer.duplicate();
            view.position(buffer.position() + batch.position());
            infos.add(ProducerBatchInfo.of(RecordBatch.readFrom(view)));
        }
        return infos;
    }

    /**
     * Hands the header of every batch in [fromOffset, toOffset) to {@code consumer}, in order, reading
     * only the fixed headers. For rebuilding producer state; under {@link #lock} (or while opening).
     */
    private void forEachBatchHeader(long fromOffset, long toOffset, Consumer<ProducerBatchInfo> consumer) {
        if (fromOffset >= toOffset) {
            return;
        }
        Long floor = segments.floorKey(fromOffset);
        for (LogSegment segment : (floor == null ? segments : segments.tailMap(floor, true)).values()) {
            if (segment.baseOffset() >= toOffset) {
                return;
            }
            int size = segment.sizeInBytes();
            FileRecords.BatchHeader header = segment.translateOffset(fromOffset, size);
            while (header != null && header.isPlausible() && header.baseOffset() < toOffset) {
                consumer.accept(ProducerBatchInfo.of(header));
                header = segment.log().readHeader(header.endPosition(), size);
            }
        }
    }

    private static ByteBuffer writable(ByteBuffer batches) {
        if (!batches.isReadOnly()) {
            return batches;
        }
        ByteBuffer copy = ByteBuffer.allocate(batches.remaining());
        copy.put(batches.duplicate()).flip();
        return copy;
    }

    /**
     * Rejects a request with a batch no segment could hold (a batch is never split across segments). A
     * request of several batches that together exceed a segment is fine: {@link #append} rolls between them.
     */
    private void checkFits(ValidatedBatches validated) {
        for (ValidatedBatches.BatchInfo batch : validated.batches()) {
            if (batch.sizeInBytes() > config.segmentBytes()) {
                throw new ApiException(ErrorCode.RECORD_LIST_TOO_LARGE, "record batch of " + batch.sizeInBytes()
                        + " bytes at offset " + batch.baseOffset() + " of " + topicPartition + " exceeds segment.bytes "
                        + config.segmentBytes());
            }
        }
    }

    private LogAppendInfo append(ValidatedBatches validated) {
        if (validated.isEmpty()) {
            return LogAppendInfo.empty(logEndOffset(), validated.logAppendTimeMs(), logStartOffset);
        }
        checkFits(validated);
        long next = validated.lastOffset() + 1;
        try {
            // Each run fits one segment; the log end is published after each, so readers see whole runs.
            for (ValidatedBatches run : validated.segmentRuns(config.segmentBytes())) {
                LogSegment segment = maybeRoll(run);
                segment.append(run);
                nextOffsetMetadata = new LogOffsetMetadata(run.lastOffset() + 1, segment.baseOffset(), segment.sizeInBytes());
            }
        } catch (StorageException e) {
            // A write that failed half-way leaves bytes past the published end: fence the log.
            throw markOffline(e);
        }
        if (next - recoveryPoint >= config.flushMessages()) {
            flushUpTo(next);
        }
        return new LogAppendInfo(validated.firstOffset(), validated.lastOffset(), validated.maxTimestamp(),
                validated.logAppendTimeMs(), validated.recordCount(), validated.sizeInBytes(), logStartOffset, false);
    }

    private LogSegment maybeRoll(ValidatedBatches validated) {
        LogSegment active = activeSegment();
        Optional<String> reason = active.rollReason(validated.sizeInBytes(), validated.maxTimestamp(),
                validated.lastOffset(), time.milliseconds(), config);
        if (reason.isEmpty()) {
            return active;
        }
        LOG.debug("{}: rolling segment {}: {}", topicPartition, active.baseOffset(), reason.get());
        return rollAt(validated.firstOffset());
    }

    /** Rolls a new active segment at the log end offset (or later, for a follower's offset gap). */
    public void roll() {
        lock.lock();
        try {
            checkOpen();
            rollAt(logEndOffset());
        } catch (StorageException e) {
            throw markOffline(e);
        } finally {
            lock.unlock();
        }
    }

    private LogSegment rollAt(long expectedNextOffset) {
        long newBase = Math.max(expectedNextOffset, logEndOffset());
        LogSegment active = activeSegment();
        if (active.sizeInBytes() == 0 && active.baseOffset() == newBase) {
            return active;
        }
        if (segments.containsKey(newBase)) {
            throw new IllegalStateException("segment " + newBase + " already exists in " + dir);
        }
        active.onBecomeInactiveSegment();
        LogSegment segment = newSegment(newBase);
        segments.put(newBase, segment);
        nextOffsetMetadata = new LogOffsetMetadata(logEndOffset(), newBase, 0);
        // The state of the producers before the new segment, so recovery replays at most the active segment.
        // (A roll between the runs of one append happens before that append's state is recorded: no snapshot.)
        if (producerState.mapEndOffset() == newBase) {
            producerState.takeSnapshot(false);
        }
        if (scheduler != null) {
            scheduler.execute(() -> flushQuietly(newBase));
        } else {
            flushUpTo(newBase);
        }
        return segment;
    }

    private void flushQuietly(long offset) {
        try {
            flushUpTo(offset);
        } catch (StorageException e) {
            // flushUpTo has already fenced the log; nobody waits for this background task.
            LOG.error("{}: background flush up to {} failed; the log is offline", topicPartition, offset, e);
        }
    }

    // ---- flushing ----------------------------------------------------------------------------------

    /** Fsyncs everything appended so far and moves the recovery point to the log end offset. */
    public void flush() {
        flushUpTo(logEndOffset());
    }

    /**
     * Fsyncs the segments holding offsets in [recoveryPoint, offset) and their indexes (and the directory
     * when segments were created), then moves the recovery point to {@code offset}.
     */
    public void flushUpTo(long offset) {
        if (closed) {
            return;
        }
        long target;
        long from;
        long truncationsBefore;
        boolean toTheLogEnd;
        long startedMs;
        lock.lock();
        try {
            target = Math.min(offset, logEndOffset());
            from = recoveryPoint;
            truncationsBefore = truncations;
            toTheLogEnd = target == logEndOffset();
            startedMs = time.milliseconds();
        } finally {
            lock.unlock();
        }
        syncMetadata();
        if (target <= from) {
            return;
        }
        Long floor = segments.floorKey(from);
        Collection<LogSegment> toFlush = (floor == null ? segments : segments.tailMap(floor, true))
                .headMap(target, false).values();
        long flushStartNs = time.nanoseconds();
        try {
            for (LogSegment segment : toFlush) {
                segment.flush();
            }
            if (directoryDirty) {
                directoryDirty = false;
                CheckpointFile.fsyncDirectory(dir);
            }
            flushStats.record(time.nanoseconds() - flushStartNs);
        } catch (StorageException e) {
            if (closed) {
                return; // closed (or deleted) under a background flush: nothing left to make durable here
            }
            throw markOffline(e);
        }
        lock.lock();
        try {
            // The fsyncs ran without the lock (appends go on meanwhile). A truncation in that time may have
            // removed what was fsynced and the log grown again below the target with unflushed data, so
            // the recovery point moves only if none happened; it never passes the log end.
            if (truncations == truncationsBefore) {
                recoveryPoint = Math.max(recoveryPoint, target);
                // flush.ms bounds the age of unflushed data. A flush of everything appended when it began
                // leaves only younger data unflushed, so the clock restarts at that moment; a flush of
                // less (the rolled-out segments after a roll) leaves older data, so the clock runs on.
                if (toTheLogEnd) {
                    lastFlushMs = Math.max(lastFlushMs, startedMs);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- reading -----------------------------------------------------------------------------------

    /**
     * Reads whole batches from the one holding {@code startOffset}: at most {@code maxBytes} (but with
     * {@code minOneMessage} at least the first batch whole), none whose base offset is at or above
     * {@code maxOffsetExclusive}. Reading at the log end offset returns nothing; below the log start
     * offset or above the log end offset is OFFSET_OUT_OF_RANGE.
     */
    public FetchDataInfo read(long startOffset, int maxBytes, long maxOffsetExclusive, boolean minOneMessage) {
        if (maxBytes < 0) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "maxBytes " + maxBytes + " is negative");
        }
        if (offlineCause != null) {
            checkOpen();
        }
        LogOffsetMetadata end = nextOffsetMetadata;
        try {
            return read(end, startOffset, maxBytes, maxOffsetExclusive, minOneMessage);
        } catch (StorageException e) {
            if (nextOffsetMetadata.equals(end) && !closed) {
                throw e;
            }
            // The log was truncated (or closed) under the read, which looked past the new end: read again
            // against the new end, once. A second failure is a real I/O error.
            return read(nextOffsetMetadata, startOffset, maxBytes, maxOffsetExclusive, minOneMessage);
        }
    }

    private FetchDataInfo read(LogOffsetMetadata end, long startOffset, int maxBytes, long maxOffsetExclusive,
                               boolean minOneMessage) {
        long start = logStartOffset;
        if (startOffset == end.messageOffset()) {
            return FetchDataInfo.empty(end);
        }
        if (startOffset < start || startOffset > end.messageOffset()) {
            throw new ApiException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + startOffset + " is out of range for "
                    + topicPartition + ": log start offset " + start + ", log end offset " + end.messageOffset());
        }
        if (startOffset >= maxOffsetExclusive) {
            return FetchDataInfo.empty(LogOffsetMetadata.offsetOnly(startOffset));
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset);
        if (entry == null) {
            entry = segments.firstEntry();
        }
        while (entry != null && entry.getKey() <= end.segmentBaseOffset()) {
            LogSegment segment = entry.getValue();
            int maxPosition = segment.baseOffset() == end.segmentBaseOffset() ? end.relativePositionInSegment() : segment.sizeInBytes();
            FetchDataInfo info = segment.read(startOffset, maxBytes, maxPosition, maxOffsetExclusive, minOneMessage);
            if (info != null) {
                return info;
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return FetchDataInfo.empty(end);
    }

    /** Where {@code offset} lives (segment and byte position of its batch); OFFSET_OUT_OF_RANGE outside the log. */
    public LogOffsetMetadata convertToOffsetMetadata(long offset) {
        FetchDataInfo info = read(offset, 1, Long.MAX_VALUE, false);
        return info.fetchOffsetMetadata();
    }

    /**
     * Kafka's ListOffsets: the first record whose timestamp is at or above {@code timestampMs}, with its
     * batch's leader epoch; empty when there is none. The special timestamps of
     * {@link io.runnel.common.ListOffsetsTimestamps} ask for the log start, the log end and the largest timestamp.
     */
    public Optional<TimestampAndOffset> fetchOffsetByTimestamp(long timestampMs) {
        if (timestampMs == EARLIEST_TIMESTAMP) {
            long start = logStartOffset;
            return Optional.of(new TimestampAndOffset(RecordBatch.NO_TIMESTAMP, start, epochOf(start)));
        }
        if (timestampMs == LATEST_TIMESTAMP) {
            long end = logEndOffset();
            OptionalInt epoch = leaderEpochCache.latestEpoch().map(OptionalInt::of).orElse(OptionalInt.empty());
            return Optional.of(new TimestampAndOffset(RecordBatch.NO_TIMESTAMP, end, epoch));
        }
        if (timestampMs == MAX_TIMESTAMP) {
            return maxTimestampRecord();
        }
        if (timestampMs < 0) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "timestamp " + timestampMs + " is negative and not one of -1, -2, -3");
        }
        long start = logStartOffset;
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestampSoFar() >= timestampMs) {
                Optional<TimestampAndOffset> found = segment.findOffsetByTimestamp(timestampMs, start);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private Optional<TimestampAndOffset> maxTimestampRecord() {
        LogSegment best = null;
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestampSoFar() >= 0 && (best == null || segment.maxTimestampSoFar() > best.maxTimestampSoFar())) {
                best = segment;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        return best.findOffsetByTimestamp(best.maxTimestampSoFar(), logStartOffset);
    }

    private OptionalInt epochOf(long offset) {
        return leaderEpochCache.epochForOffset(offset).map(OptionalInt::of).orElse(OptionalInt.empty());
    }

    // ---- truncation and retention ------------------------------------------------------------------

    /**
     * Removes everything from {@code offset} on (whole batches: a batch holding {@code offset} goes too).
     * When {@code offset >= logEndOffset} only an epoch entry at the log end (a leadership that appended
     * nothing) goes. Used by followers whose log diverged from the leader's.
     */
    public void truncateTo(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("cannot truncate " + topicPartition + " to negative offset " + offset);
        }
        swapLock.lock();
        lock.lock();
        try {
            checkOpen();
            if (offset >= logEndOffset()) {
                // Nothing to cut, but an epoch this replica began as leader without appending anything
                // (at the log end) would make it claim an epoch the new leader never saw: drop it, as Kafka does.
                leaderEpochCache.truncateFromEnd(logEndOffset());
                return;
            }
            if (segments.firstKey() > offset) {
                truncateFullyAndStartAt(offset);
                return;
            }
            truncateLocked(offset);
        } catch (StorageException e) {
            throw markOffline(e);
        } finally {
            lock.unlock();
            swapLock.unlock();
        }
    }

    private void truncateLocked(long offset) {
        truncationCount++;
        List<LogSegment> removed = new ArrayList<>(segments.tailMap(offset, false).values());
        removed.forEach(s -> segments.remove(s.baseOffset()));
        LogSegment active = activeSegment();
        active.truncateTo(offset);
        active.resizeIndexes(config.segmentIndexBytes());
        long end = active.readNextOffset();
        nextOffsetMetadata = new LogOffsetMetadata(end, active.baseOffset(), active.sizeInBytes());
        deleteSegmentFiles(removed);
        leaderEpochCache.truncateFromEnd(end);
        truncations++;
        recoveryPoint = Math.min(recoveryPoint, end);
        highWatermark = Math.min(highWatermark, end);
        logStartOffset = Math.min(logStartOffset, end);
        producerState.truncateAndReload(logStartOffset, end, this::forEachBatchHeader, time.milliseconds());
    }

    /** Deletes every segment and restarts the log empty at {@code newOffset} (start, end, HW and recovery point). */
    public void truncateFullyAndStartAt(long newOffset) {
        if (newOffset < 0) {
            throw new IllegalArgumentException("cannot start " + topicPartition + " at negative offset " + newOffset);
        }
        swapLock.lock();
        lock.lock();
        try {
            checkOpen();
            truncationCount++;
            List<LogSegment> removed = new ArrayList<>(segments.values());
            segments.clear();
            deleteSegmentFiles(removed);
            LogSegment segment = newSegment(newOffset);
            segments.put(newOffset, segment);
            nextOffsetMetadata = new LogOffsetMetadata(newOffset, newOffset, 0);
            logStartOffset = newOffset;
            highWatermark = newOffset;
            truncations++;
            recoveryPoint = newOffset;
            leaderEpochCache.clearAndFlush();
            producerState.truncateFullyAndStartAt(newOffset);
        } catch (StorageException e) {
            throw markOffline(e);
        } finally {
            lock.unlock();
            swapLock.unlock();
        }
    }

    /**
     * DeleteRecords: moves the log start offset up to {@code newLogStartOffset} (whole segments below it
     * are deleted by the next retention pass). OFFSET_OUT_OF_RANGE when it is above the high watermark.
     * Returns true when the log start offset moved.
     */
    public boolean maybeIncrementLogStartOffset(long newLogStartOffset) {
        lock.lock();
        try {
            checkOpen();
            if (newLogStartOffset > highWatermark) {
                throw new ApiException(ErrorCode.OFFSET_OUT_OF_RANGE, "cannot move the log start offset of " + topicPartition
                        + " to " + newLogStartOffset + ", above the high watermark " + highWatermark);
            }
            if (newLogStartOffset <= logStartOffset) {
                return false;
            }
            logStartOffset = newLogStartOffset;
            leaderEpochCache.truncateFromStart(newLogStartOffset);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Deletes the oldest segments that retention allows ({@link RetentionPolicy}); rolls first when the
     * active segment itself is due, so an empty active segment remains. Returns the number deleted.
     */
    public int deleteOldSegments() {
        swapLock.lock();
        lock.lock();
        try {
            if (closed || offlineCause != null) {
                return 0;
            }
            List<LogSegment> current = new ArrayList<>(segments.values());
            List<RetentionPolicy.SegmentInfo> infos = new ArrayList<>(current.size());
            for (LogSegment segment : current) {
                infos.add(new RetentionPolicy.SegmentInfo(segment.baseOffset(), segment.sizeInBytes(), segment.largestTimestamp()));
            }
            RetentionPolicy.Decision decision = RetentionPolicy.deletable(infos, logEndOffset(), highWatermark,
                    logStartOffset, config, time.milliseconds());
            int count = decision.deletableCount();
            if (count == 0) {
                return 0;
            }
            if (count == current.size()) {
                rollAt(logEndOffset());
            }
            List<LogSegment> removed = current.subList(0, count);
            removed.forEach(s -> segments.remove(s.baseOffset()));
            LOG.info("{}: deleting {} segment(s) from {} by {}", topicPartition, count, removed.get(0).baseOffset(), decision.reason());
            deleteSegmentFiles(removed);
            // Their snapshots go with them (as in Kafka); the producers' state stays until they expire.
            removed.forEach(s -> producerState.deleteSnapshot(s.baseOffset()));
            long newStart = Math.max(logStartOffset, segments.firstKey());
            if (newStart > logStartOffset) {
                logStartOffset = newStart;
                leaderEpochCache.truncateFromStart(newStart);
            }
            highWatermark = Math.max(highWatermark, logStartOffset);
            return count;
        } catch (StorageException e) {
            throw markOffline(e);
        } finally {
            lock.unlock();
            swapLock.unlock();
        }
    }

    /** Renames the segments' files to {@code .deleted} and removes them after file.delete.delay.ms. */
    private void deleteSegmentFiles(List<LogSegment> removed) {
        if (removed.isEmpty()) {
            return;
        }
        for (LogSegment segment : removed) {
            segment.addSuffix(LogFileNames.DELETED_SUFFIX);
        }
        scheduleFileDeletion(removed);
    }

    /** Closes and removes segments already renamed {@code .deleted}, after file.delete.delay.ms. */
    private void scheduleFileDeletion(List<LogSegment> removed) {
        long delayMs = config.fileDeleteDelayMs();
        List<LogSegment> toDelete = List.copyOf(removed);
        if (scheduler == null || delayMs == 0) {
            toDelete.forEach(LogSegment::deleteFiles);
        } else {
            scheduler.schedule(() -> {
                for (LogSegment segment : toDelete) {
                    try {
                        segment.deleteFiles();
                    } catch (StorageException e) {
                        markOffline(e);
                        LOG.error("{}: cannot delete segment {}; the log is offline", topicPartition, segment.baseOffset(), e);
                    }
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    // ---- compaction --------------------------------------------------------------------------------

    /** Truncations since the log was opened (a cleaning compares the count at its start and at its swap). */
    long truncationCount() {
        return truncationCount;
    }

    /**
     * Swaps a segment the cleaner wrote ({@code cleaned}, files named {@code .cleaned}, flushed) in for the
     * consecutive segments it was cleaned from, in a way a crash cannot turn into a mix of both:
     * <ol>
     *   <li>under the log lock, check that the log was not truncated since the cleaning began
     *       ({@code truncationCountAtStart}) and that every one of {@code oldSegments} is still in the
     *       log; otherwise delete the cleaned files and return false;</li>
     *   <li>rename the cleaned files {@code .cleaned} → {@code .swap} and fsync the directory: the commit
     *       point. Before it, recovery deletes the {@code .cleaned} files (the old segments stay); after it,
     *       recovery finishes the swap (see {@link LogLoader});</li>
     *   <li>under the log lock, put the new segment in the segment map and take the old ones out (readers
     *       that already hold an old segment finish on it);</li>
     *   <li>rename the old segments {@code .deleted} (their files are removed after file.delete.delay.ms),
     *       then the new segment's files from {@code .swap} to their final names, and fsync the directory.</li>
     * </ol>
     * From step 2 to the end {@link #swapLock} keeps truncation and retention away, so the segments a
     * {@code .swap} replaces cannot change while it is on disk. An I/O failure takes the log offline (the
     * next start recovers the directory). Called by the cleaner thread of this log.
     *
     * @return true when swapped in; false when the log changed (or was closed or taken offline) and the
     *         cleaned segment's files were deleted
     */
    boolean replaceSegments(LogSegment cleaned, List<LogSegment> oldSegments, long truncationCountAtStart,
                            FailurePoints faults) {
        swapLock.lock();
        try {
            if (!stillReplaceable(oldSegments, truncationCountAtStart)) {
                cleaned.deleteFiles();
                return false;
            }
            cleaned.changeFileSuffixes(LogFileNames.CLEANED_SUFFIX, LogFileNames.SWAP_SUFFIX,
                    () -> faults.reached(FailurePoints.Point.SWAP_FILE_RENAMED));
            CheckpointFile.fsyncDirectory(dir);
            faults.reached(FailurePoints.Point.SWAPPED);
            lock.lock();
            try {
                segments.put(cleaned.baseOffset(), cleaned);
                for (LogSegment old : oldSegments) {
                    if (old.baseOffset() != cleaned.baseOffset()) {
                        segments.remove(old.baseOffset());
                        // No segment starts there any more: keep one snapshot per segment.
                        producerState.deleteSnapshot(old.baseOffset());
                    }
                }
            } finally {
                lock.unlock();
            }
            for (LogSegment old : oldSegments) {
                old.addSuffix(LogFileNames.DELETED_SUFFIX);
                faults.reached(FailurePoints.Point.OLD_SEGMENT_DELETED);
            }
            scheduleFileDeletion(oldSegments);
            cleaned.changeFileSuffixes(LogFileNames.SWAP_SUFFIX, "", () -> faults.reached(FailurePoints.Point.SWAP_SUFFIX_REMOVED));
            CheckpointFile.fsyncDirectory(dir);
            return true;
        } catch (StorageException e) {
            throw markOffline(e);
        } finally {
            swapLock.unlock();
        }
    }

    private boolean stillReplaceable(List<LogSegment> oldSegments, long truncationCountAtStart) {
        lock.lock();
        try {
            if (closed || offlineCause != null || truncationCount != truncationCountAtStart) {
                return false;
            }
            LogSegment active = activeSegment();
            for (LogSegment old : oldSegments) {
                if (old == active || segments.get(old.baseOffset()) != old) {
                    return false;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    // ---- lifecycle ---------------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new StorageException("log of " + topicPartition + " in " + dir + " is closed");
        }
        StorageException cause = offlineCause;
        if (cause != null) {
            throw new StorageException("log of " + topicPartition + " in " + dir + " is offline after an I/O failure: "
                    + cause.getMessage());
        }
    }

    /**
     * Fences the log after an I/O failure whose effect on the files is unknown: every later append,
     * read, roll, truncation or retention pass fails with KAFKA_STORAGE_ERROR, and {@link LogManager}
     * leaves out the clean-shutdown marker so the next start recovers the directory. Returns the cause.
     */
    StorageException markOffline(StorageException cause) {
        // A closed log (or the "closed"/"offline" refusal itself) is not a new I/O failure.
        if (!closed && offlineCause == null) {
            offlineCause = cause;
            LOG.error("{}: log is offline after an I/O failure", topicPartition, cause);
        }
        return cause;
    }

    /** True after an I/O failure fenced the log (see {@link #markOffline}). */
    public boolean isOffline() {
        return offlineCause != null;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the segments (trimming their indexes) without flushing, after writing a producer snapshot at the
     * log end (fsynced), so the next start loads the producers' state without reading the log; see
     * {@link LogManager#shutdown()}.
     */
    @Override
    public void close() {
        close(true);
    }

    /** Closes without a producer snapshot: the log is about to be deleted. */
    void closeForDeletion() {
        close(false);
    }

    private void close(boolean snapshot) {
        // A swap under way finishes first: its files are renamed whole, never half.
        swapLock.lock();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            try {
                syncMetadata();
            } catch (StorageException e) {
                LOG.error("{}: cannot make partition.metadata and leader-epoch-checkpoint durable on close", topicPartition, e);
            }
            if (snapshot && offlineCause == null && producerState != null) {
                try {
                    producerState.takeSnapshot(true);
                } catch (StorageException e) {
                    // The next start rebuilds the state from an older snapshot and the log instead.
                    LOG.error("{}: cannot write the producer snapshot on close", topicPartition, e);
                }
            }
            closed = true;
            for (LogSegment segment : segments.values()) {
                segment.close();
            }
        } finally {
            lock.unlock();
            swapLock.unlock();
        }
    }

    /**
     * Fsyncs what was written without fsync for speed: partition.metadata, the leader-epoch
     * checkpoint, and the directory entries of a new log.
     */
    private void syncMetadata() {
        if (metadataDirty) {
            metadataDirty = false;
            if (topicId != null) {
                new PartitionMetadataFile(dir).write(topicId, true);
            }
            CheckpointFile.fsyncDirectory(dir.getParent());
        }
        leaderEpochCache.sync();
    }

    /** Moves the (closed) log's directory, for deletion by {@link LogManager#deleteLog}. */
    void renameDir(Path target) {
        lock.lock();
        try {
            Files.move(dir, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            dir = target;
        } catch (IOException e) {
            throw new StorageException("cannot rename " + dir + " to " + target, e);
        } finally {
            lock.unlock();
        }
    }

    /** Closes the log and removes its directory with every file in it. */
    public void deleteFiles() {
        closeForDeletion();
        deleteDirectory(dir);
    }

    static void deleteDirectory(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new StorageException("cannot delete " + directory, e);
        }
    }

    @Override
    public String toString() {
        return "PartitionLog(" + topicPartition + ", start=" + logStartOffset + ", end=" + logEndOffset() + ", hw="
                + highWatermark + ", segments=" + segments.size() + ")";
    }
}
