package io.runnel.storage;

import io.runnel.common.errors.CorruptRecordException;
import io.runnel.common.record.CloseableIterator;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.record.TimestampType;
import io.runnel.common.time.Time;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts one log: keeps the latest record of every key, in Kafka's on-disk format, keeping offsets.
 * One cleaning:
 * <ol>
 *   <li>builds the {@link OffsetMap} (key → offset of its latest record) over the dirty section
 *       [first dirty offset, first uncleanable offset); when the map fills, the cleaning ends at the last
 *       offset it mapped and the next one continues from there;</li>
 *   <li>groups the segments below that end ({@link CleaningPolicy#groupBySize}) and rewrites each group
 *       into one {@code .cleaned} segment: a record stays when no later record of its key is in the map
 *       (or it lies above the mapped range), a tombstone (null value) only until its batch's delete
 *       horizon, a record without a key never (Kafka's rule; a compacted topic refuses them on produce);</li>
 *   <li>swaps each cleaned segment in ({@link PartitionLog#replaceSegments}).</li>
 * </ol>
 *
 * <p><b>Batches.</b> A batch whose records all stay is copied byte for byte. One that loses records is
 * rebuilt with the same base offset, last offset (so offsets keep their gaps and the producer's last
 * sequence is kept), partition leader epoch, producer id, epoch and base sequence, compression codec,
 * timestamp type and transactional flag, and a new CRC-32C. The first cleaning that keeps a tombstone
 * stamps its batch's delete horizon (now + {@code delete.retention.ms}) into the base timestamp with the
 * attribute bit of KIP-534, so the tombstone stays readable that long and a later cleaning drops it.
 * A batch that loses every record is dropped, except a group's last batch, which stays as an empty batch
 * (Kafka writes the same): the cleaned segment then ends where the group did, which is how crash recovery
 * knows which segments a {@code .swap} replaces. Control batches are kept as they are.
 *
 * <p><b>Integrity.</b> Every batch read is CRC-checked first; a corrupt one stops the cleaning with an
 * error (the log is then left alone by the cleaner) rather than being rewritten with a fresh, valid CRC.
 *
 * <p>Not thread-safe: a cleaner thread owns a Cleaner, its map and its I/O buffers.
 */
final class Cleaner {

    private static final Logger LOG = LoggerFactory.getLogger(Cleaner.class);

    /** A cleaning stopped because it was asked to (log deleted, broker shutting down). */
    static final class CleaningAbortedException extends RuntimeException {
        CleaningAbortedException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * What a cleaning did.
     *
     * @param nextDirtyOffset the offset the next cleaning starts from (the new checkpoint)
     * @param tombstoneDueMs  the earliest delete horizon of a tombstone the cleaning kept, or -1 when none
     * @param completed       false when a swap was refused because the log changed; the checkpoint stays
     */
    record Result(long nextDirtyOffset, CleanerStats stats, long tombstoneDueMs, boolean completed) {
    }

    private final OffsetMap map;
    private final Throttler throttler;
    private final Time time;
    private final FailurePoints faults;
    private final int ioBufferBytes;
    private ByteBuffer readBuffer;
    private ByteBuffer writeBuffer;

    Cleaner(OffsetMap map, int ioBufferBytes, Throttler throttler, Time time, FailurePoints faults) {
        this.map = map;
        this.ioBufferBytes = ioBufferBytes;
        this.throttler = throttler;
        this.time = time;
        this.faults = faults;
        this.readBuffer = ByteBuffer.allocate(ioBufferBytes);
        this.writeBuffer = ByteBuffer.allocate(ioBufferBytes);
    }

    /**
     * Cleans {@code log} from its clean section through [firstDirtyOffset, firstUncleanableOffset).
     * {@code checkDone} runs between batches and throws {@link CleaningAbortedException} to stop.
     */
    Result clean(PartitionLog log, long firstDirtyOffset, long firstUncleanableOffset, Runnable checkDone) {
        CleanerStats stats = new CleanerStats(time);
        long truncations = log.truncationCount();
        long nowMs = time.milliseconds();
        LogConfig config = log.config();
        List<LogSegment> segments = log.segments();
        try {
            buildOffsetMap(segments, firstDirtyOffset, firstUncleanableOffset, config, stats, checkDone);
            stats.mapDone();
            long endOffset = map.latestOffset() + 1;
            List<LogSegment> cleanable = new ArrayList<>();
            List<CleaningPolicy.SegmentInfo> infos = new ArrayList<>();
            for (LogSegment segment : segments.subList(0, segments.size() - 1)) {
                if (segment.baseOffset() < endOffset) {
                    cleanable.add(segment);
                    infos.add(new CleaningPolicy.SegmentInfo(segment.baseOffset(), segment.sizeInBytes(), 0, 0,
                            segment.offsetIndex().sizeInBytes(), segment.timeIndex().sizeInBytes()));
                }
            }
            TombstoneDue due = new TombstoneDue();
            for (List<Integer> group : CleaningPolicy.groupBySize(infos, config.segmentBytes(), config.segmentIndexBytes(), endOffset)) {
                List<LogSegment> oldSegments = group.stream().map(cleanable::get).toList();
                if (!cleanGroup(log, oldSegments, truncations, config, nowMs, stats, due, checkDone)) {
                    LOG.info("{}: cleaning stopped: the log changed (truncation or retention) under it", log.topicPartition());
                    stats.allDone();
                    return new Result(firstDirtyOffset, stats, due.earliestMs, false);
                }
            }
            stats.bufferUtilization = map.utilization();
            stats.allDone();
            return new Result(endOffset, stats, due.earliestMs, true);
        } catch (StorageException e) {
            if (changedUnder(log, segments, truncations)) {
                // A truncation or retention removed a segment being read (and closed its file): not an error.
                LOG.info("{}: cleaning stopped: the log changed under it ({})", log.topicPartition(), e.getMessage());
                stats.allDone();
                return new Result(firstDirtyOffset, stats, -1, false);
            }
            throw e;
        } finally {
            restoreBuffers();
        }
    }

    /** True when the log was truncated, or lost one of {@code segments}, since the cleaning began. */
    private static boolean changedUnder(PartitionLog log, List<LogSegment> segments, long truncations) {
        if (log.truncationCount() != truncations || log.isClosed()) {
            return true;
        }
        List<LogSegment> now = log.segments();
        for (LogSegment segment : segments.subList(0, segments.size() - 1)) {
            if (!now.contains(segment)) {
                return true;
            }
        }
        return false;
    }

    /** The earliest delete horizon among the tombstone batches written. */
    private static final class TombstoneDue {
        long earliestMs = -1;

        void add(long horizonMs) {
            earliestMs = earliestMs < 0 ? horizonMs : Math.min(earliestMs, horizonMs);
        }
    }

    // ---- the key map ------------------------------------------------------------------------------

    private void buildOffsetMap(List<LogSegment> segments, long firstDirty, long firstUncleanable, LogConfig config,
                                CleanerStats stats, Runnable checkDone) {
        long dirtyBytes = 0;
        List<Integer> dirty = new ArrayList<>();
        for (int i = 0; i < segments.size() - 1; i++) {
            LogSegment segment = segments.get(i);
            long nextBase = segments.get(i + 1).baseOffset();
            if (segment.baseOffset() < firstUncleanable && nextBase > firstDirty) {
                dirty.add(i);
                dirtyBytes += segment.sizeInBytes();
            }
        }
        map.clear(dirtyBytes, firstDirty - 1);
        for (int i : dirty) {
            LogSegment segment = segments.get(i);
            int from = segment.baseOffset() < firstDirty ? segment.offsetIndex().lookup(firstDirty).position() : 0;
            boolean[] full = {false};
            forEachBatch(segment, from, config, stats, checkDone, (batch, lastInSegment) -> {
                if (batch.lastOffset() < firstDirty) {
                    return true;
                }
                stats.mapBytesRead += batch.sizeInBytes();
                if (!batch.isControlBatch() && !mapBatch(batch, firstDirty, stats)) {
                    full[0] = true;
                    return false;
                }
                map.updateLatestOffset(batch.lastOffset());
                return true;
            });
            if (full[0]) {
                LOG.debug("offset map full at offset {} ({} keys)", map.latestOffset(), map.size());
                return;
            }
            // Offsets may have a gap before the next segment: everything below it has been seen.
            map.updateLatestOffset(segments.get(i + 1).baseOffset() - 1);
        }
    }

    /** Puts the batch's keyed records in the map; false when the map filled up before the batch's end. */
    private boolean mapBatch(RecordBatch batch, long firstDirty, CleanerStats stats) {
        try (CloseableIterator<Record> records = batch.records()) {
            while (records.hasNext()) {
                Record record = records.next();
                stats.mapRecordsRead++;
                if (record.hasKey() && record.offset() >= firstDirty && !map.put(record.key(), record.offset())) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---- rewriting --------------------------------------------------------------------------------

    /** Cleans one group into a new segment and swaps it in; false when the swap was refused. */
    private boolean cleanGroup(PartitionLog log, List<LogSegment> oldSegments, long truncations, LogConfig config,
                               long nowMs, CleanerStats stats, TombstoneDue due, Runnable checkDone) {
        LogSegment cleaned = LogSegment.createCleaned(log.dir(), oldSegments.get(0).baseOffset(), config, time.milliseconds());
        try {
            Output output = new Output(cleaned, stats, checkDone);
            boolean changed = oldSegments.size() > 1;
            for (int i = 0; i < oldSegments.size(); i++) {
                boolean lastOfGroup = i == oldSegments.size() - 1;
                changed |= cleanSegment(oldSegments.get(i), output, lastOfGroup, config, nowMs, stats, due, checkDone);
            }
            output.flush();
            if (!changed) {
                cleaned.deleteFiles();
                return true;
            }
            cleaned.onBecomeInactiveSegment();
            cleaned.flush();
            cleaned.setLastModifiedMs(oldSegments.get(oldSegments.size() - 1).lastModifiedMs());
        } catch (RuntimeException e) {
            // Errors (a simulated crash in tests) leave the files where they are, as a crash would.
            try {
                cleaned.deleteFiles();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        faults.reached(FailurePoints.Point.CLEANED_WRITTEN);
        LOG.debug("{}: swapping cleaned segment {} in for {}", log.topicPartition(), cleaned.baseOffset(), oldSegments);
        return log.replaceSegments(cleaned, oldSegments, truncations, faults);
    }

    /** Copies what stays of one segment into the output; returns true when anything was dropped or rewritten. */
    private boolean cleanSegment(LogSegment source, Output output, boolean lastOfGroup, LogConfig config, long nowMs,
                                 CleanerStats stats, TombstoneDue due, Runnable checkDone) {
        boolean[] changed = {false};
        forEachBatch(source, 0, config, stats, checkDone, (batch, lastInSegment) -> {
            stats.bytesRead += batch.sizeInBytes();
            Kept kept = filter(batch, lastOfGroup && lastInSegment, config, nowMs, stats, due);
            changed[0] |= kept == null || kept.rewritten();
            if (kept != null) {
                output.add(kept.bytes());
            }
            return true;
        });
        return changed[0];
    }

    /** What stays of a batch: its bytes, and whether they differ from the original's. */
    private record Kept(ByteBuffer bytes, boolean rewritten) {
    }

    /**
     * What stays of one batch: the batch itself, a rebuilt batch, an empty batch (when
     * {@code keepEvenIfEmpty}), or null when nothing stays.
     */
    private Kept filter(RecordBatch batch, boolean keepEvenIfEmpty, LogConfig config, long nowMs, CleanerStats stats,
                        TombstoneDue due) {
        if (batch.isControlBatch()) {
            stats.recordsRead += batch.recordCount();
            stats.recordsWritten += batch.recordCount();
            return new Kept(batch.buffer(), false);
        }
        long horizonMs = batch.hasDeleteHorizonMs() ? batch.baseTimestamp() : RecordBatch.NO_TIMESTAMP;
        List<Record> retained = new ArrayList<>();
        boolean dropped = false;
        boolean tombstoneKept = false;
        // Tombstones above the mapped range are kept unjudged; only the judged ones make a later cleaning due.
        boolean judgedTombstoneKept = false;
        try (CloseableIterator<Record> records = batch.records()) {
            while (records.hasNext()) {
                Record record = records.next();
                stats.recordsRead++;
                if (shouldRetain(record, horizonMs, nowMs, stats)) {
                    retained.add(record);
                    tombstoneKept |= !record.hasValue();
                    judgedTombstoneKept |= !record.hasValue() && record.offset() <= map.latestOffset();
                } else {
                    dropped = true;
                }
            }
        }
        stats.recordsWritten += retained.size();
        if (retained.isEmpty()) {
            return keepEvenIfEmpty ? new Kept(emptyBatchLike(batch), true) : null;
        }
        boolean stampHorizon = tombstoneKept && horizonMs == RecordBatch.NO_TIMESTAMP;
        long newHorizonMs = stampHorizon ? saturatedAdd(nowMs, config.deleteRetentionMs()) : horizonMs;
        if (judgedTombstoneKept) {
            due.add(newHorizonMs);
        }
        if (!dropped && !stampHorizon) {
            return new Kept(batch.buffer(), false);
        }
        return new Kept(rebuild(batch, retained, newHorizonMs), true);
    }

    private boolean shouldRetain(Record record, long horizonMs, long nowMs, CleanerStats stats) {
        if (record.offset() > map.latestOffset()) {
            return true; // not looked at by this cleaning's map
        }
        if (!record.hasKey()) {
            stats.invalidRecordsRead++;
            return false;
        }
        if (record.offset() < map.get(record.key())) {
            return false; // a later record of the same key exists
        }
        if (record.hasValue()) {
            return true;
        }
        boolean keep = horizonMs == RecordBatch.NO_TIMESTAMP || nowMs < horizonMs;
        if (!keep) {
            stats.tombstonesRemoved++;
        }
        return keep;
    }

    /** The retained records in a batch with the original's header fields (see the class comment). */
    private static ByteBuffer rebuild(RecordBatch batch, List<Record> retained, long deleteHorizonMs) {
        RecordBatchBuilder.Spec spec = RecordBatchBuilder.spec()
                .compression(batch.compressionType())
                .baseOffset(batch.baseOffset())
                .producerId(batch.producerId())
                .producerEpoch(batch.producerEpoch())
                .baseSequence(batch.baseSequence())
                .transactional(batch.isTransactional())
                .partitionLeaderEpoch(batch.partitionLeaderEpoch())
                .initialCapacityBytes(batch.sizeInBytes());
        if (batch.timestampType() == TimestampType.LOG_APPEND_TIME) {
            spec.logAppendTimeMs(batch.maxTimestamp());
        }
        if (deleteHorizonMs != RecordBatch.NO_TIMESTAMP) {
            spec.deleteHorizonMs(deleteHorizonMs);
        }
        RecordBatchBuilder builder = spec.newBuilder();
        for (Record record : retained) {
            builder.append(record);
        }
        builder.overrideLastOffset(batch.lastOffset());
        return builder.build();
    }

    /**
     * A batch with no records and the original's offsets, epoch, producer fields, timestamp type and
     * flags (Kafka's empty batch header): base and max timestamp are the original's max timestamp.
     */
    static ByteBuffer emptyBatchLike(RecordBatch batch) {
        ByteBuffer empty = ByteBuffer.allocate(RecordBatch.HEADER_SIZE);
        short attributes = (short) (batch.attributes() & ~0x07 & ~0x40); // no compression, no delete horizon
        empty.putLong(RecordBatch.BASE_OFFSET_OFFSET, batch.baseOffset());
        empty.putInt(RecordBatch.LENGTH_OFFSET, RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD);
        empty.putInt(RecordBatch.PARTITION_LEADER_EPOCH_OFFSET, batch.partitionLeaderEpoch());
        empty.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC_V2);
        empty.putShort(RecordBatch.ATTRIBUTES_OFFSET, attributes);
        empty.putInt(RecordBatch.LAST_OFFSET_DELTA_OFFSET, batch.lastOffsetDelta());
        empty.putLong(RecordBatch.BASE_TIMESTAMP_OFFSET, batch.maxTimestamp());
        empty.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, batch.maxTimestamp());
        empty.putLong(RecordBatch.PRODUCER_ID_OFFSET, batch.producerId());
        empty.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, batch.producerEpoch());
        empty.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, batch.baseSequence());
        empty.putInt(RecordBatch.RECORDS_COUNT_OFFSET, 0);
        CRC32C crc = new CRC32C();
        crc.update(empty.slice(RecordBatch.ATTRIBUTES_OFFSET, RecordBatch.HEADER_SIZE - RecordBatch.ATTRIBUTES_OFFSET));
        empty.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
        return empty;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    // ---- I/O ----------------------------------------------------------------------------------------

    /** Receives each whole batch of a segment; returns false to stop. */
    @FunctionalInterface
    private interface BatchVisitor {
        boolean visit(RecordBatch batch, boolean lastInSegment);
    }

    /**
     * Reads the (closed, unchanging) segment from {@code fromPosition} in chunks of the read buffer and
     * hands each whole, CRC-checked batch to {@code visitor}. The buffer grows for a batch larger than it,
     * up to the larger of max.message.bytes and the initial buffer; a larger batch, or a batch that does
     * not frame, stops the cleaning with an error naming the segment and the position.
     */
    private void forEachBatch(LogSegment segment, int fromPosition, LogConfig config, CleanerStats stats,
                              Runnable checkDone, BatchVisitor visitor) {
        int size = segment.sizeInBytes();
        int position = fromPosition;
        int batchBytesMax = Math.max(config.maxMessageBytes(), ioBufferBytes);
        while (position < size) {
            readBuffer.clear();
            readBuffer.limit(Math.min(readBuffer.capacity(), size - position));
            segment.log().readInto(readBuffer, position);
            readBuffer.flip();
            throttler.maybeThrottle(readBuffer.remaining(), checkDone);
            int available = readBuffer.limit();
            if (available < RecordBatch.LOG_OVERHEAD) {
                throw new CorruptRecordException("segment " + segment.log().file() + " ends with " + available
                        + " bytes at position " + position + ", less than a batch header; the cleaner leaves the log alone");
            }
            int consumed = 0;
            while (available - consumed >= RecordBatch.LOG_OVERHEAD) {
                int batchSize = RecordBatch.LOG_OVERHEAD + readBuffer.getInt(consumed + RecordBatch.LENGTH_OFFSET);
                if (batchSize < RecordBatch.HEADER_SIZE || batchSize > size - position - consumed) {
                    throw new CorruptRecordException("segment " + segment.log().file() + " has a batch of " + batchSize
                            + " bytes at position " + (position + consumed) + " that does not frame; the cleaner leaves the log alone");
                }
                if (batchSize > available - consumed) {
                    break;
                }
                checkDone.run();
                RecordBatch batch = RecordBatch.readFrom(readBuffer.duplicate().position(consumed).limit(consumed + batchSize));
                try {
                    batch.ensureValid();
                } catch (CorruptRecordException e) {
                    throw new CorruptRecordException("segment " + segment.log().file() + " at position " + (position + consumed)
                            + ": " + e.getMessage() + "; the cleaner leaves the log alone");
                }
                consumed += batchSize;
                if (!visitor.visit(batch, position + consumed == size)) {
                    return;
                }
            }
            if (consumed == 0) {
                int batchSize = RecordBatch.LOG_OVERHEAD + readBuffer.getInt(RecordBatch.LENGTH_OFFSET);
                if (batchSize > batchBytesMax) {
                    throw new IllegalStateException("segment " + segment.log().file() + " holds a batch of " + batchSize
                            + " bytes at position " + position + ", above the cleaner's limit of " + batchBytesMax
                            + " (max.message.bytes); the log cannot be cleaned until max.message.bytes is raised");
                }
                readBuffer = ByteBuffer.allocate(batchSize);
                continue;
            }
            position += consumed;
        }
    }

    private void restoreBuffers() {
        if (readBuffer.capacity() > ioBufferBytes) {
            readBuffer = ByteBuffer.allocate(ioBufferBytes);
        }
        if (writeBuffer.capacity() > ioBufferBytes) {
            writeBuffer = ByteBuffer.allocate(ioBufferBytes);
        }
    }

    /** Collects kept batches in the write buffer and appends them to the cleaned segment when it fills. */
    private final class Output {
        private final LogSegment dest;
        private final CleanerStats stats;
        private final Runnable checkDone;
        private final List<ValidatedBatches.BatchInfo> infos = new ArrayList<>();
        private long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        private long offsetOfMaxTimestamp = -1;

        Output(LogSegment dest, CleanerStats stats, Runnable checkDone) {
            this.dest = dest;
            this.stats = stats;
            this.checkDone = checkDone;
            writeBuffer.clear();
        }

        void add(ByteBuffer batchBytes) {
            int size = batchBytes.remaining();
            if (size > writeBuffer.remaining()) {
                flush();
                if (size > writeBuffer.capacity()) {
                    writeBuffer = ByteBuffer.allocate(size);
                }
            }
            int position = writeBuffer.position();
            writeBuffer.put(batchBytes.duplicate());
            RecordBatch batch = RecordBatch.readFrom(writeBuffer.duplicate().position(position).limit(position + size));
            infos.add(new ValidatedBatches.BatchInfo(position, size, batch.baseOffset(), batch.lastOffset(),
                    batch.maxTimestamp(), batch.partitionLeaderEpoch(), batch.recordCount()));
            if (batch.maxTimestamp() > maxTimestamp) {
                maxTimestamp = batch.maxTimestamp();
                offsetOfMaxTimestamp = batch.lastOffset();
            }
        }

        void flush() {
            if (infos.isEmpty()) {
                return;
            }
            writeBuffer.flip();
            int bytes = writeBuffer.remaining();
            dest.append(new ValidatedBatches(writeBuffer, List.copyOf(infos), maxTimestamp, offsetOfMaxTimestamp, 0,
                    RecordBatch.NO_TIMESTAMP));
            stats.bytesWritten += bytes;
            infos.clear();
            maxTimestamp = RecordBatch.NO_TIMESTAMP;
            offsetOfMaxTimestamp = -1;
            writeBuffer.clear();
            throttler.maybeThrottle(bytes, checkDone);
        }
    }
}
