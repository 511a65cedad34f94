package io.runnel.storage;

import io.runnel.common.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A producer-state snapshot file, {@code <offset>.snapshot} in a partition directory: the state of every
 * producer after all batches below {@code offset}, in Kafka's producer-snapshot format (version 1), so
 * Kafka's {@code ProducerStateManager} and {@code kafka-dump-log.sh} read it. All integers big-endian:
 * <pre>
 * offset  size  field
 *      0     2  version                    1
 *      2     4  crc                        CRC-32C (unsigned) of every byte from offset 6 to the end
 *      6     4  entry count                n (an array of Kafka's protocol: int32 length, then the elements)
 *     10  46*n  entries, each:
 *                 int64 producer_id
 *                 int16 epoch                       the producer's current epoch
 *                 int32 last_sequence               of its last batch (-1 when none)
 *                 int64 last_offset                 of its last batch (-1 when none)
 *                 int32 offset_delta                last_offset - the last batch's first offset
 *                 int64 timestamp                   max timestamp of its last batch
 *                 int32 coordinator_epoch           of its last transaction marker (-1)
 *                 int64 current_txn_first_offset    first offset of its open transaction (-1: none)
 * </pre>
 * Only the last batch of each producer is stored (as Kafka does): a producer whose state comes from a
 * snapshot has its last batch recognised as a duplicate, and older retries are refused as out of order.
 *
 * <p>Written whole to a temporary file and renamed (see {@link CheckpointFile#writeAtomically}); a file
 * that is torn, of another version or whose CRC does not match is reported with
 * {@link CorruptSnapshotException} and recovery falls back to an older snapshot and the log.
 * Stateless; thread-safe.
 */
final class ProducerSnapshotFile {

    static final short VERSION = 1;
    static final int CRC_OFFSET = 2;
    static final int ENTRIES_OFFSET = 6;
    static final int ENTRY_SIZE = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
    /** The entries of a snapshot are bounded by the file: at most this many producers per partition. */
    static final int ENTRIES_MAX = (Integer.MAX_VALUE - ENTRIES_OFFSET - 4) / ENTRY_SIZE;

    /** A snapshot that cannot be read: torn, another version, a bad CRC. */
    static final class CorruptSnapshotException extends StorageException {
        CorruptSnapshotException(String message) {
            super(message);
        }
    }

    private ProducerSnapshotFile() {
    }

    /** The snapshot's bytes for {@code entries}. */
    static byte[] serialize(Collection<ProducerStateEntry> entries) {
        if (entries.size() > ENTRIES_MAX) {
            throw new IllegalArgumentException(entries.size() + " producers do not fit in one snapshot file");
        }
        ByteBuffer buffer = ByteBuffer.allocate(ENTRIES_OFFSET + 4 + entries.size() * ENTRY_SIZE);
        buffer.putShort(VERSION);
        buffer.putInt(0); // the CRC, filled in below
        buffer.putInt(entries.size());
        for (ProducerStateEntry entry : entries) {
            buffer.putLong(entry.producerId());
            buffer.putShort(entry.producerEpoch());
            buffer.putInt(entry.lastSequence());
            buffer.putLong(entry.lastDataOffset());
            buffer.putInt(entry.lastOffsetDelta());
            buffer.putLong(entry.lastTimestamp());
            buffer.putInt(entry.coordinatorEpoch());
            buffer.putLong(entry.currentTxnFirstOffset());
        }
        byte[] bytes = buffer.array();
        buffer.putInt(CRC_OFFSET, (int) crcOf(bytes));
        return bytes;
    }

    /** Writes {@code entries} to {@code file} atomically; fsyncs the file and directory when {@code durable}. */
    static void write(Path file, Collection<ProducerStateEntry> entries, boolean durable) {
        CheckpointFile.writeAtomically(file, serialize(entries), durable);
    }

    /** Reads a snapshot file; CorruptSnapshotException when it is not a whole, valid version-1 snapshot. */
    static List<ProducerStateEntry> read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new StorageException("cannot read producer snapshot " + file, e);
        }
        return parse(bytes, file.toString());
    }

    static List<ProducerStateEntry> parse(byte[] bytes, String name) {
        if (bytes.length < ENTRIES_OFFSET + 4) {
            throw new CorruptSnapshotException("producer snapshot " + name + " has " + bytes.length
                    + " bytes, fewer than the " + (ENTRIES_OFFSET + 4) + " of an empty snapshot");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        short version = buffer.getShort(0);
        if (version != VERSION) {
            throw new CorruptSnapshotException("producer snapshot " + name + " has version " + version + "; only "
                    + VERSION + " is known");
        }
        long stored = Integer.toUnsignedLong(buffer.getInt(CRC_OFFSET));
        long computed = crcOf(bytes);
        if (stored != computed) {
            throw new CorruptSnapshotException("producer snapshot " + name + " is corrupt: stored CRC " + stored
                    + " != computed " + computed);
        }
        int count = buffer.getInt(ENTRIES_OFFSET);
        long expectedLength = ENTRIES_OFFSET + 4 + (long) count * ENTRY_SIZE;
        if (count < 0 || expectedLength != bytes.length) {
            throw new CorruptSnapshotException("producer snapshot " + name + " declares " + count + " entries but has "
                    + bytes.length + " bytes");
        }
        List<ProducerStateEntry> entries = new ArrayList<>(count);
        buffer.position(ENTRIES_OFFSET + 4);
        for (int i = 0; i < count; i++) {
            long producerId = buffer.getLong();
            short epoch = buffer.getShort();
            int lastSequence = buffer.getInt();
            long lastOffset = buffer.getLong();
            int offsetDelta = buffer.getInt();
            long timestamp = buffer.getLong();
            int coordinatorEpoch = buffer.getInt();
            long currentTxnFirstOffset = buffer.getLong();
            if (producerId < 0 || offsetDelta < 0 || lastOffset < -1) {
                throw new CorruptSnapshotException("producer snapshot " + name + " entry " + i + " is invalid: producer id "
                        + producerId + ", last offset " + lastOffset + ", offset delta " + offsetDelta);
            }
            // The last batch's sequences span as many numbers as its offsets (a batch without sequences has -1).
            int firstSequence = lastSequence < 0 ? RecordBatch.NO_SEQUENCE : RecordBatch.decrementSequence(lastSequence, offsetDelta);
            List<ProducerBatchMetadata> batches = lastOffset < 0 ? List.of()
                    : List.of(new ProducerBatchMetadata(firstSequence, lastSequence, lastOffset - offsetDelta, lastOffset, timestamp));
            entries.add(new ProducerStateEntry(producerId, epoch, batches, timestamp, coordinatorEpoch,
                    currentTxnFirstOffset < 0 ? -1 : currentTxnFirstOffset));
        }
        return entries;
    }

    private static long crcOf(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, ENTRIES_OFFSET, bytes.length - ENTRIES_OFFSET);
        return crc.getValue();
    }
}
