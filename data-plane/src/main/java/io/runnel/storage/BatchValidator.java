package io.runnel.storage;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.CorruptRecordException;
import io.runnel.common.record.CloseableIterator;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.TimestampType;
import io.runnel.proto.ErrorCode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates the batches of one append request before anything is written, and (for the leader) assigns
 * their offsets, stamps the leader epoch and, under LogAppendTime, the broker time. Pure logic on a
 * buffer: no files, no clock (the time is an argument). Stateless and thread-safe.
 *
 * <p>Every batch of the request is checked before any is changed, so a request with one bad batch is
 * rejected whole. Checks, in order, with the error each failure raises:
 * <ul>
 *   <li>framing: at least {@link RecordBatch#LOG_OVERHEAD} bytes, a length field that covers a v2 header
 *       and fits in the request, no trailing bytes → CORRUPT_MESSAGE;</li>
 *   <li>magic 2 only → CORRUPT_MESSAGE;</li>
 *   <li>batch size ≤ {@code max.message.bytes} → RECORD_TOO_LARGE;</li>
 *   <li>CRC-32C over attributes..end → CORRUPT_MESSAGE;</li>
 *   <li>leader only: at least one batch in the request (Kafka refuses a partition entry without one);
 *       recordCount &gt; 0 and lastOffsetDelta = recordCount − 1, offset deltas 0, 1, 2, … (Kafka's
 *       validator for v2) → INVALID_RECORD; record framing (including decompression) → CORRUPT_MESSAGE;</li>
 *   <li>leader only, the batch header ({@link #validateHeader}): no attribute bit outside those v2
 *       defines (compression, timestamp type, transactional, control, delete horizon); from a client, no
 *       control batch and no delete-horizon bit (both are the broker's own); the transactional bit only
 *       with a producer id; producer id -1 (none) or a real id ≥ 0; from a client, without a producer id,
 *       producer epoch and base sequence -1, and with one, both ≥ 0 → INVALID_RECORD. Sequence numbers
 *       themselves are the idempotent producer's to check;</li>
 *   <li>leader, compacted topic (cleanup.policy contains compact): every record of a data batch has a
 *       key → INVALID_RECORD naming the topic;</li>
 *   <li>leader, CreateTime: in a batch that says CreateTime, every record timestamp (baseTimestamp +
 *       timestampDelta) computed without overflow and the largest of them not below baseTimestamp (the
 *       first record of a batch carries the base); every record timestamp within [now − message.timestamp.before.max.ms, now + message.timestamp.after.max.ms]
 *       → INVALID_TIMESTAMP (under LogAppendTime the broker's time replaces them all);</li>
 *   <li>follower only: offsets increase from batch to batch, starting at or after the log end offset
 *       → INVALID_RECORD.</li>
 * </ul>
 */
final class BatchValidator {

    private BatchValidator() {
    }

    /**
     * Validates a leader append and assigns offsets from {@code nextOffset}. Rewrites baseOffset,
     * partitionLeaderEpoch and (when needed) maxTimestamp/attributes/CRC in {@code request}'s bytes.
     */
    static ValidatedBatches validateAsLeader(TopicPartition topicPartition, ByteBuffer request, long nextOffset, int leaderEpoch,
                                             LogConfig config, long nowMs, AppendOrigin origin) {
        List<RecordBatch> batches = frame(request, config);
        if (batches.isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_RECORD, "the request holds no record batch for the partition; "
                    + "a produce must send at least one");
        }
        boolean logAppendTime = config.messageTimestampType() == TimestampType.LOG_APPEND_TIME;
        long[] computedMaxTimestamps = new long[batches.size()];
        for (int i = 0; i < batches.size(); i++) {
            computedMaxTimestamps[i] = validateLeaderBatch(topicPartition, batches.get(i), config, nowMs, origin, logAppendTime);
        }
        // Everything is valid: only now change the bytes.
        List<ValidatedBatches.BatchInfo> infos = new ArrayList<>(batches.size());
        long offset = nextOffset;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        long offsetOfMaxTimestamp = -1;
        int recordCount = 0;
        int position = 0;
        for (int i = 0; i < batches.size(); i++) {
            RecordBatch batch = batches.get(i);
            batch.setBaseOffset(offset);
            batch.setPartitionLeaderEpoch(leaderEpoch);
            if (logAppendTime) {
                batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, nowMs);
            } else if (batch.timestampType() != TimestampType.CREATE_TIME || batch.maxTimestamp() != computedMaxTimestamps[i]) {
                batch.setMaxTimestamp(TimestampType.CREATE_TIME, computedMaxTimestamps[i]);
            }
            infos.add(new ValidatedBatches.BatchInfo(position, batch.sizeInBytes(), offset, batch.lastOffset(),
                    batch.maxTimestamp(), leaderEpoch, batch.recordCount()));
            if (batch.maxTimestamp() > maxTimestamp) {
                maxTimestamp = batch.maxTimestamp();
                offsetOfMaxTimestamp = batch.lastOffset();
            }
            recordCount += batch.recordCount();
            position += batch.sizeInBytes();
            offset = batch.nextOffset();
        }
        return new ValidatedBatches(request, List.copyOf(infos), maxTimestamp, offsetOfMaxTimestamp, recordCount,
                logAppendTime ? nowMs : RecordBatch.NO_TIMESTAMP);
    }

    /** Validates a follower append: framing, size, CRC and offsets in order from {@code logEndOffset}. Changes nothing. */
    static ValidatedBatches validateAsFollower(ByteBuffer request, long logEndOffset, LogConfig config) {
        List<RecordBatch> batches = frame(request, config);
        List<ValidatedBatches.BatchInfo> infos = new ArrayList<>(batches.size());
        long expectedAtLeast = logEndOffset;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        long offsetOfMaxTimestamp = -1;
        int recordCount = 0;
        int position = 0;
        for (RecordBatch batch : batches) {
            if (batch.lastOffsetDelta() < 0) {
                throw new ApiException(ErrorCode.INVALID_RECORD, "record batch at offset " + batch.baseOffset()
                        + " has a negative lastOffsetDelta " + batch.lastOffsetDelta());
            }
            if (batch.baseOffset() < expectedAtLeast) {
                throw new ApiException(ErrorCode.INVALID_RECORD, "record batch baseOffset " + batch.baseOffset()
                        + " is below the next expected offset " + expectedAtLeast + " (offsets must increase)");
            }
            infos.add(new ValidatedBatches.BatchInfo(position, batch.sizeInBytes(), batch.baseOffset(), batch.lastOffset(),
                    batch.maxTimestamp(), batch.partitionLeaderEpoch(), batch.recordCount()));
            if (batch.maxTimestamp() > maxTimestamp) {
                maxTimestamp = batch.maxTimestamp();
                offsetOfMaxTimestamp = batch.lastOffset();
            }
            recordCount += batch.recordCount();
            position += batch.sizeInBytes();
            expectedAtLeast = batch.nextOffset();
        }
        return new ValidatedBatches(request, List.copyOf(infos), maxTimestamp, offsetOfMaxTimestamp, recordCount,
                RecordBatch.NO_TIMESTAMP);
    }

    /** Splits the request into batches, checking framing, magic, size and CRC of each. */
    static List<RecordBatch> frame(ByteBuffer requestBuffer, LogConfig config) {
        ByteBuffer request = requestBuffer.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        List<RecordBatch> batches = new ArrayList<>();
        int limit = request.limit();
        int position = request.position();
        while (position < limit) {
            int remaining = limit - position;
            if (remaining < RecordBatch.LOG_OVERHEAD) {
                throw new CorruptRecordException("request ends with " + remaining + " trailing bytes at position "
                        + (position - request.position()) + ", fewer than a batch's " + RecordBatch.LOG_OVERHEAD
                        + "-byte offset and length prefix");
            }
            int length = request.getInt(position + RecordBatch.LENGTH_OFFSET);
            if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD) {
                throw new CorruptRecordException("record batch at position " + (position - request.position())
                        + " has batchLength " + length + ", less than the " + (RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD)
                        + " bytes of a v2 header");
            }
            if (length > remaining - RecordBatch.LOG_OVERHEAD) {
                throw new CorruptRecordException("record batch at position " + (position - request.position())
                        + " has batchLength " + length + " but only " + (remaining - RecordBatch.LOG_OVERHEAD)
                        + " bytes follow");
            }
            byte magic = request.get(position + RecordBatch.MAGIC_OFFSET);
            if (magic != RecordBatch.MAGIC_V2) {
                throw new CorruptRecordException("record batch at position " + (position - request.position())
                        + " has magic " + magic + "; only magic 2 (RecordBatch v2) is accepted");
            }
            int size = RecordBatch.LOG_OVERHEAD + length;
            if (size > config.maxMessageBytes()) {
                throw new ApiException(ErrorCode.RECORD_TOO_LARGE, "record batch at position "
                        + (position - request.position()) + " is " + size + " bytes, above max.message.bytes "
                        + config.maxMessageBytes());
            }
            ByteBuffer view = request.duplicate();
            view.position(position);
            RecordBatch batch = RecordBatch.readFrom(view);
            batch.ensureValid();
            batches.add(batch);
            position += size;
        }
        return batches;
    }

    /** Checks one batch as the leader must and returns the largest record timestamp in it. */
    private static long validateLeaderBatch(TopicPartition topicPartition, RecordBatch batch, LogConfig config, long nowMs,
                                            AppendOrigin origin, boolean logAppendTime) {
        int count = batch.recordCount();
        if (count <= 0) {
            throw new ApiException(ErrorCode.INVALID_RECORD, "record batch declares recordCount " + count
                    + "; a produced batch must hold at least one record");
        }
        if (batch.lastOffsetDelta() != count - 1) {
            throw new ApiException(ErrorCode.INVALID_RECORD, "record batch has lastOffsetDelta " + batch.lastOffsetDelta()
                    + " but recordCount " + count + " (expected lastOffsetDelta " + (count - 1) + ")");
        }
        validateHeader(batch, origin);
        long baseTimestamp = batch.baseTimestamp();
        // A batch that says LogAppendTime itself reads every record at its maxTimestamp (as Kafka's reader
        // does), so base + delta is not what its records carry: only a CreateTime batch is checked for it.
        boolean deltasApply = !logAppendTime && batch.timestampType() == TimestampType.CREATE_TIME;
        long maxTimestamp = Long.MIN_VALUE;
        int expectedDelta = 0;
        boolean compacted = config.compact() && !batch.isControlBatch();
        try (CloseableIterator<Record> records = batch.records()) {
            while (records.hasNext()) {
                Record record = records.next();
                if (record.offsetDelta() != expectedDelta) {
                    throw new ApiException(ErrorCode.INVALID_RECORD, "record " + expectedDelta + " of the batch has offsetDelta "
                            + record.offsetDelta() + "; offset deltas must be 0, 1, 2, ...");
                }
                if (compacted && !record.hasKey()) {
                    throw new ApiException(ErrorCode.INVALID_RECORD, "record " + expectedDelta + " of the batch has no key; "
                            + "topic " + topicPartition.topic() + " is compacted (cleanup.policy=compact), so every record needs one");
                }
                long timestamp = record.timestamp();
                if (deltasApply) {
                    checkTimestampArithmetic(baseTimestamp, timestamp, expectedDelta);
                }
                if (!logAppendTime) {
                    checkTimestamp(timestamp, expectedDelta, config, nowMs);
                }
                maxTimestamp = Math.max(maxTimestamp, timestamp);
                expectedDelta++;
            }
        }
        if (deltasApply && maxTimestamp < baseTimestamp) {
            throw new ApiException(ErrorCode.INVALID_TIMESTAMP, "record batch has baseTimestamp " + baseTimestamp
                    + " but its largest record timestamp is " + maxTimestamp + "; the base must not exceed the maximum");
        }
        return maxTimestamp;
    }

    /** Attribute bits v2 defines: compression (0-2), timestamp type (3), transactional (4), control (5), delete horizon (6). */
    static final int DEFINED_ATTRIBUTES_MASK = 0x7f;
    private static final int DELETE_HORIZON_MASK = 0x40;

    /** Checks the batch header's attributes and producer fields; see the class comment. */
    static void validateHeader(RecordBatch batch, AppendOrigin origin) {
        int attributes = batch.attributes() & 0xffff;
        if ((attributes & ~DEFINED_ATTRIBUTES_MASK) != 0) {
            throw new ApiException(ErrorCode.INVALID_RECORD, String.format("record batch attributes 0x%04x set bits"
                    + " that RecordBatch v2 does not define (only 0x%04x may be set)", attributes, DEFINED_ATTRIBUTES_MASK));
        }
        if (origin == AppendOrigin.CLIENT && batch.isControlBatch()) {
            throw new ApiException(ErrorCode.INVALID_RECORD, "clients may not write control batches");
        }
        if (origin == AppendOrigin.CLIENT && (attributes & DELETE_HORIZON_MASK) != 0) {
            throw new ApiException(ErrorCode.INVALID_RECORD, "clients may not set the delete-horizon attribute;"
                    + " only the log cleaner writes it");
        }
        long producerId = batch.producerId();
        short producerEpoch = batch.producerEpoch();
        int baseSequence = batch.baseSequence();
        if (producerId < RecordBatch.NO_PRODUCER_ID) {
            throw new ApiException(ErrorCode.INVALID_RECORD, "record batch has producerId " + producerId
                    + "; it must be -1 (none) or a producer id >= 0");
        }
        if (producerId == RecordBatch.NO_PRODUCER_ID && batch.isTransactional()) {
            throw new ApiException(ErrorCode.INVALID_RECORD, "record batch is transactional but has no producerId");
        }
        if (origin != AppendOrigin.CLIENT) {
            // The coordinators write their own batches (markers carry no sequence, offset commits a sequence of 0).
            return;
        }
        if (producerId == RecordBatch.NO_PRODUCER_ID) {
            if (producerEpoch != RecordBatch.NO_PRODUCER_EPOCH || baseSequence != RecordBatch.NO_SEQUENCE) {
                throw new ApiException(ErrorCode.INVALID_RECORD, "record batch without a producerId has producerEpoch "
                        + producerEpoch + " and baseSequence " + baseSequence + "; both must be -1");
            }
            return;
        }
        if (producerEpoch < 0 || baseSequence < 0) {
            throw new ApiException(ErrorCode.INVALID_RECORD, "record batch has producerId " + producerId
                    + " but producerEpoch " + producerEpoch + " and baseSequence " + baseSequence + "; both must be >= 0");
        }
    }

    /**
     * A record's timestamp is baseTimestamp + timestampDelta in 64 bits; the reader has added them, and the
     * sum overflowed exactly when base and delta have the same sign and the sum the other one.
     */
    private static void checkTimestampArithmetic(long baseTimestamp, long timestamp, int offsetDelta) {
        long delta = timestamp - baseTimestamp; // the record's timestampDelta, recovered exactly (two's complement)
        if (((baseTimestamp ^ timestamp) & (delta ^ timestamp)) < 0) {
            throw new ApiException(ErrorCode.INVALID_TIMESTAMP, "record " + offsetDelta + " of the batch has timestampDelta "
                    + delta + ", which overflows added to baseTimestamp " + baseTimestamp);
        }
    }

    /** CreateTime bounds; overflow-safe for any configured bound. */
    static void checkTimestamp(long timestamp, int offsetDelta, LogConfig config, long nowMs) {
        if (timestamp == RecordBatch.NO_TIMESTAMP) {
            return;
        }
        long before = config.messageTimestampBeforeMaxMs();
        long after = config.messageTimestampAfterMaxMs();
        boolean tooOld = timestamp < saturatedAdd(nowMs, -before);
        boolean tooNew = timestamp > saturatedAdd(nowMs, after);
        if (tooOld || tooNew) {
            throw new ApiException(ErrorCode.INVALID_TIMESTAMP, "record " + offsetDelta + " of the batch has timestamp "
                    + timestamp + ", outside [now - message.timestamp.before.max.ms, now + message.timestamp.after.max.ms] = ["
                    + saturatedAdd(nowMs, -before) + ", " + saturatedAdd(nowMs, after) + "]");
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) {
            return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return r;
    }
}
