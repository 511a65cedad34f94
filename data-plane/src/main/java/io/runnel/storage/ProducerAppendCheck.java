package io.runnel.storage;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.RecordBatch;
import io.runnel.proto.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The idempotent producer's rules for one append, decided before anything is written: given the batches
 * of a request (offsets already assigned) and what the partition knows of each producer, either the
 * request is a retry of batches already in the log ({@link Duplicate}: answer their offsets, append
 * nothing), or it is accepted with the producer entries to record once it is appended ({@link Accepted}),
 * or it is refused with a Kafka-named error. Pure: no I/O, no clock, no state of its own; thread-safe.
 *
 * <p>For a client's data batch with a producer id (in this order):
 * <ol>
 *   <li>duplicate: the producer's entry remembers a batch with the same epoch and the same sequence
 *       range. A request whose batches are all duplicates, of batches stored back to back, is answered
 *       with their offsets. A request mixing duplicates and new batches is INVALID_REQUEST: a client
 *       resends a batch whose outcome it does not know on its own (Runnel's producer does), so such a
 *       request can only come from a client that regrouped batches, and no one offset answers it;</li>
 *   <li>epoch older than the producer's → INVALID_PRODUCER_EPOCH (a fenced, older instance);</li>
 *   <li>producer unknown to the partition: an id at or above {@code producerIdsIssuedEnd} was never
 *       handed out by the cluster → UNKNOWN_PRODUCER_ID; a known id must start at sequence 0, else
 *       UNKNOWN_PRODUCER_ID (its state is gone: expired, or its batches removed), which tells the producer
 *       to bump its epoch and start again at 0;</li>
 *   <li>newer epoch: must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER;</li>
 *   <li>same epoch: must start right after the last sequence appended (sequences wrap from
 *       Integer.MAX_VALUE to 0), else OUT_OF_ORDER_SEQUENCE_NUMBER: a gap, or an older batch the partition
 *       no longer remembers.</li>
 * </ol>
 * A coordinator's batches are checked for the epoch only; control batches (transaction markers) move the
 * epoch and carry no sequence. Batches without a producer id take no part.
 *
 * <p>Replicated and recovered batches are not checked: {@link #replay} records them as the log has them,
 * so a follower, or a restarted broker, rebuilds the leader's state from the same batches.
 */
final class ProducerAppendCheck {

    /** What a leader append must do about producer state. */
    sealed interface Outcome permits Duplicate, Accepted {
    }

    /** The request repeats batches stored at {@code firstOffset..lastOffset}; nothing is appended. */
    record Duplicate(long firstOffset, long lastOffset, long maxTimestamp) implements Outcome {
    }

    /** The request may be appended; {@code updates} are the producers' entries after it. */
    record Accepted(Map<Long, ProducerStateEntry> updates) implements Outcome {
    }

    private ProducerAppendCheck() {
    }

    /**
     * Checks a leader append (see the class comment).
     *
     * @param current              the partition's entry for a producer id, or null when it has none
     * @param producerIdsIssuedEnd the first producer id the cluster has not handed out yet
     */
    static Outcome checkLeaderAppend(TopicPartition topicPartition, List<ProducerBatchInfo> batches,
                                     LongFunction<ProducerStateEntry> current, AppendOrigin origin,
                                     long producerIdsIssuedEnd) {
        if (origin == AppendOrigin.CLIENT) {
            Optional<Duplicate> duplicate = findDuplicates(topicPartition, batches, current);
            if (duplicate.isPresent()) {
                return duplicate.get();
            }
        }
        Map<Long, ProducerStateEntry> updates = new HashMap<>();
        for (ProducerBatchInfo batch : batches) {
            if (!batch.hasProducerId()) {
                continue;
            }
            long producerId = batch.producerId();
            ProducerStateEntry entry = updates.containsKey(producerId) ? updates.get(producerId) : current.apply(producerId);
            if (entry != null && batch.producerEpoch() < entry.producerEpoch()) {
                throw new ApiException(ErrorCode.INVALID_PRODUCER_EPOCH, "producer " + producerId + " sent epoch "
                        + batch.producerEpoch() + " to " + topicPartition + ", older than its current epoch "
                        + entry.producerEpoch() + " (a newer instance of the producer has written)");
            }
            if (batch.control()) {
                updates.put(producerId, orEmpty(entry, producerId).withMarker(batch.producerEpoch(), batch.maxTimestamp()));
                continue;
            }
            if (origin == AppendOrigin.CLIENT) {
                checkSequence(topicPartition, batch, entry, producerIdsIssuedEnd);
            }
            updates.put(producerId, orEmpty(entry, producerId).withBatch(batch.producerEpoch(), batch.metadata()));
        }
        return new Accepted(updates);
    }

    /** The entries after batches taken as they are (a follower's replicated batches, a recovered log). */
    static Map<Long, ProducerStateEntry> replay(List<ProducerBatchInfo> batches, LongFunction<ProducerStateEntry> current) {
        Map<Long, ProducerStateEntry> updates = new HashMap<>();
        for (ProducerBatchInfo batch : batches) {
            replay(batch, updates, current);
        }
        return updates;
    }

    /** Records one batch into {@code updates} (entries changed so far), as the log has it. */
    static void replay(ProducerBatchInfo batch, Map<Long, ProducerStateEntry> updates, LongFunction<ProducerStateEntry> current) {
        if (!batch.hasProducerId()) {
            return;
        }
        long producerId = batch.producerId();
        ProducerStateEntry entry = orEmpty(updates.containsKey(producerId) ? updates.get(producerId)
                : current.apply(producerId), producerId);
        updates.put(producerId, batch.control()
                ? entry.withMarker(batch.producerEpoch(), batch.maxTimestamp())
                : entry.withBatch(batch.producerEpoch(), batch.metadata()));
    }

    private static ProducerStateEntry orEmpty(ProducerStateEntry entry, long producerId) {
        return entry != null ? entry : ProducerStateEntry.empty(producerId);
    }

    private static Optional<Duplicate> findDuplicates(TopicPartition topicPartition, List<ProducerBatchInfo> batches,
                                                      LongFunction<ProducerStateEntry> current) {
        List<ProducerBatchMetadata> duplicates = new ArrayList<>();
        int firstDuplicateIndex = -1;
        for (int i = 0; i < batches.size(); i++) {
            ProducerBatchInfo batch = batches.get(i);
            if (!batch.hasProducerId() || batch.control()) {
                continue;
            }
            ProducerStateEntry entry = current.apply(batch.producerId());
            if (entry == null) {
                continue;
            }
            Optional<ProducerBatchMetadata> original = entry.findDuplicate(batch.producerEpoch(), batch.baseSequence(),
                    batch.lastSequence());
            if (original.isPresent()) {
                duplicates.add(original.get());
                if (firstDuplicateIndex < 0) {
                    firstDuplicateIndex = i;
                }
            }
        }
        if (duplicates.isEmpty()) {
            return Optional.empty();
        }
        boolean contiguous = true;
        for (int i = 1; i < duplicates.size(); i++) {
            contiguous &= duplicates.get(i).firstOffset() == duplicates.get(i - 1).lastOffset() + 1;
        }
        if (duplicates.size() != batches.size() || !contiguous) {
            ProducerBatchInfo batch = batches.get(firstDuplicateIndex);
            throw new ApiException(ErrorCode.INVALID_REQUEST, "batch " + firstDuplicateIndex + " of the request to "
                    + topicPartition + " (producer " + batch.producerId() + ", epoch " + batch.producerEpoch()
                    + ", sequences " + batch.baseSequence() + ".." + batch.lastSequence() + ") is already in the log, but "
                    + (duplicates.size() != batches.size() ? "other batches of the request are new"
                    : "the batches are not stored back to back")
                    + "; resend a batch whose outcome is unknown in a request of its own");
        }
        ProducerBatchMetadata first = duplicates.get(0);
        ProducerBatchMetadata last = duplicates.get(duplicates.size() - 1);
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        for (ProducerBatchMetadata duplicate : duplicates) {
            maxTimestamp = Math.max(maxTimestamp, duplicate.timestamp());
        }
        return Optional.of(new Duplicate(first.firstOffset(), last.lastOffset(), maxTimestamp));
    }

    private static void checkSequence(TopicPartition topicPartition, ProducerBatchInfo batch, ProducerStateEntry entry,
                                      long producerIdsIssuedEnd) {
        long producerId = batch.producerId();
        int sequence = batch.baseSequence();
        if (entry == null) {
            if (producerId >= producerIdsIssuedEnd) {
                throw new ApiException(ErrorCode.UNKNOWN_PRODUCER_ID, "producer id " + producerId + " was never issued"
                        + " by this cluster (the ids issued so far are below " + producerIdsIssuedEnd
                        + "); a producer gets its id with InitProducerId");
            }
            if (sequence != 0) {
                throw new ApiException(ErrorCode.UNKNOWN_PRODUCER_ID, topicPartition + " has no state for producer "
                        + producerId + " (it expired after producer.id.expiration.ms, or its batches were removed), so its"
                        + " batch must start a new epoch at sequence 0, not at sequence " + sequence);
            }
            return;
        }
        if (batch.producerEpoch() != entry.producerEpoch()) {
            if (sequence != 0) {
                throw new ApiException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "producer " + producerId + " starts epoch "
                        + batch.producerEpoch() + " on " + topicPartition + " at sequence " + sequence
                        + "; a new epoch starts at sequence 0 (the last epoch appended is " + entry.producerEpoch() + ")");
            }
            return;
        }
        int last = entry.lastSequence();
        int expected = last == RecordBatch.NO_SEQUENCE ? 0 : RecordBatch.incrementSequence(last, 1);
        if (sequence != expected) {
            throw new ApiException(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "producer " + producerId + " (epoch "
                    + batch.producerEpoch() + ") sent sequence " + sequence + " to " + topicPartition + " but sequence "
                    + expected + " is next (the last appended is " + last + ")");
        }
    }
}
