package io.runnel.storage;

import io.runnel.common.record.RecordBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a partition knows of one producer id: its current epoch, the metadata of its last
 * {@value #BATCHES_RETAINED} batches appended under that epoch (oldest first), the max timestamp of its
 * last batch (for expiry), and the transaction fields of Kafka's snapshot format (the coordinator epoch of
 * its last transaction marker, the first offset of its open transaction, -1 for none; Runnel has no
 * transactions yet, so they stay -1).
 *
 * <p>Why {@value #BATCHES_RETAINED} batches ({@link RecordBatch#PRODUCER_BATCHES_RETAINED}; Kafka keeps 5): an
 * idempotent producer has at most that many batches of a partition unacknowledged, so any retry it can send
 * is one of the last batches the partition appended, and is answered with that batch's offsets. Only the
 * last batch goes into a snapshot (Kafka's format); the others are rebuilt from the log after it.
 *
 * <p>Immutable: every change returns a new entry.
 */
public record ProducerStateEntry(long producerId, short producerEpoch, List<ProducerBatchMetadata> batches,
                                 long lastTimestamp, int coordinatorEpoch, long currentTxnFirstOffset) {

    /** Batches remembered per producer (Kafka's NUM_BATCHES_TO_RETAIN, which is 5). */
    public static final int BATCHES_RETAINED = RecordBatch.PRODUCER_BATCHES_RETAINED;

    public ProducerStateEntry {
        batches = List.copyOf(batches);
        if (batches.size() > BATCHES_RETAINED) {
            throw new IllegalArgumentException("a producer entry keeps at most " + BATCHES_RETAINED + " batches, not "
                    + batches.size());
        }
    }

    /** A producer the partition has no batch of. */
    static ProducerStateEntry empty(long producerId) {
        return new ProducerStateEntry(producerId, RecordBatch.NO_PRODUCER_EPOCH, List.of(), RecordBatch.NO_TIMESTAMP, -1, -1);
    }

    public boolean isEmpty() {
        return batches.isEmpty();
    }

    /** Sequence of the last record appended under the current epoch, -1 when none. */
    public int lastSequence() {
        return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.get(batches.size() - 1).lastSequence();
    }

    /** Offset of the last record appended, -1 when none. */
    public long lastDataOffset() {
        return batches.isEmpty() ? -1L : batches.get(batches.size() - 1).lastOffset();
    }

    /** The last batch's lastOffset - firstOffset, 0 when none (the snapshot's offset_delta). */
    public int lastOffsetDelta() {
        return batches.isEmpty() ? 0 : batches.get(batches.size() - 1).offsetDelta();
    }

    /** The remembered batch with exactly this epoch and sequence range: the batch a retry duplicates. */
    Optional<ProducerBatchMetadata> findDuplicate(short epoch, int firstSequence, int lastSequence) {
        if (epoch != producerEpoch) {
            return Optional.empty();
        }
        for (ProducerBatchMetadata batch : batches) {
            if (batch.firstSequence() == firstSequence && batch.lastSequence() == lastSequence) {
                return Optional.of(batch);
            }
        }
        return Optional.empty();
    }

    /**
     * This entry after a data batch of {@code epoch}: a new epoch forgets the batches of the old one; the
     * oldest batch is dropped beyond {@value #BATCHES_RETAINED}.
     */
    ProducerStateEntry withBatch(short epoch, ProducerBatchMetadata batch) {
        List<ProducerBatchMetadata> next = new ArrayList<>(Math.min(batches.size() + 1, BATCHES_RETAINED));
        if (epoch == producerEpoch) {
            next.addAll(batches);
        }
        if (next.size() == BATCHES_RETAINED) {
            next.remove(0);
        }
        next.add(batch);
        return new ProducerStateEntry(producerId, epoch, next, batch.timestamp(), coordinatorEpoch, currentTxnFirstOffset);
    }

    /** This entry after a control batch of {@code epoch} (a transaction marker: no sequence, no data). */
    ProducerStateEntry withMarker(short epoch, long timestamp) {
        List<ProducerBatchMetadata> kept = epoch == producerEpoch ? batches : List.of();
        return new ProducerStateEntry(producerId, epoch, kept, timestamp, coordinatorEpoch, -1);
    }
}
