package io.runnel.group;

import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.Records;
import io.runnel.common.record.CloseableIterator;
import io.runnel.group.core.CoordinatorRecord;
import io.runnel.group.core.GroupRecords;
import io.runnel.storage.FetchDataInfo;
import io.runnel.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a {@code __consumer_offsets} partition from its log start to its end and hands every record, decoded,
 * to a replay function: how a new coordinator rebuilds its groups. Reads whole batches, a buffer's worth at a
 * time (offsets.load.buffer.size; a larger batch is read whole); control batches are skipped; a record whose key
 * or value does not decode (written by a newer version, say) is skipped with a warning, as its batch passed the
 * CRC check. Stateless; runs on the coordinator's loader thread.
 */
final class CoordinatorLoader {

    private static final Logger log = LoggerFactory.getLogger(CoordinatorLoader.class);

    /** What a load read. */
    record Stats(long records, long bytes, long skipped) {
    }

    private CoordinatorLoader() {
    }

    /**
     * @param cancelled checked between reads: true stops the load early (the broker resigned or closes)
     */
    static Stats load(PartitionLog partitionLog, int bufferBytes, Consumer<CoordinatorRecord> replay, BooleanSupplier cancelled) {
        long offset = partitionLog.logStartOffset();
        long end = partitionLog.logEndOffset();
        long records = 0;
        long bytes = 0;
        long skipped = 0;
        while (offset < end && !cancelled.getAsBoolean()) {
            FetchDataInfo data = partitionLog.read(offset, bufferBytes, end, true);
            ByteBuffer buffer = data.records().readAllBytes();
            if (!buffer.hasRemaining()) {
                break;
            }
            bytes += buffer.remaining();
            long before = offset;
            for (RecordBatch batch : Records.wrap(buffer).batches()) {
                if (batch.nextOffset() <= offset) {
                    continue;
                }
                batch.ensureValid();
                if (!batch.isControlBatch()) {
                    try (CloseableIterator<Record> it = batch.records()) {
                        while (it.hasNext()) {
                            Record record = it.next();
                            if (record.offset() < offset) {
                                continue;
                            }
                            CoordinatorRecord decoded;
                            try {
                                decoded = GroupRecords.decode(record.key(), record.hasValue() ? record.value() : null);
                            } catch (IllegalArgumentException e) {
                                skipped++;
                                log.warn("Skipping record at offset {} of {}: {}", record.offset(), partitionLog.topicPartition(),
                                        e.getMessage());
                                continue;
                            }
                            replay.accept(decoded);
                            records++;
                        }
                    }
                }
                offset = batch.nextOffset();
            }
            if (offset == before) {
                throw new IllegalStateException("no whole batch at offset " + offset + " of " + partitionLog.topicPartition()
                        + " in " + buffer.remaining() + " bytes read");
            }
        }
        return new Stats(records, bytes, skipped);
    }
}
