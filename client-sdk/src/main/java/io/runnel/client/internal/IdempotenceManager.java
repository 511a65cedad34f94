package io.runnel.client.internal;

import io.runnel.common.TopicPartition;
import io.runnel.common.record.RecordBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The idempotent producer's bookkeeping (the idempotent part of Kafka's TransactionManager): the producer
 * id and epoch, and per partition the next sequence, the last acknowledged one and the batches sent but not
 * yet acknowledged. Pure logic on {@link ProducerBatch}es: no I/O, no clock; the sender thread alone calls it
 * (it is not thread-safe).
 *
 * <p><b>Sequences.</b> A batch gets its partition's next sequence when it is first drained and keeps it
 * on every retry. A partition has at most {@code maxUnacknowledgedPerPartition} sequenced batches
 * unacknowledged ({@link RecordBatch#PRODUCER_BATCHES_RETAINED}, what a broker remembers of a producer), sent
 * together in its one request in flight when they are queued together. A batch that was sent before goes alone and only as the
 * partition's first unacknowledged batch ({@link RecordAccumulator.DrainPolicy}), so a broker sees a
 * partition's sequences in order and a retry in a request of its own, whose answer (the first offsets of a
 * duplicate) is unambiguous.
 *
 * <p><b>Epoch bump (KIP-360).</b> When a partition's sequences can no longer continue, the producer bumps
 * its epoch (a new producer id once the epoch is exhausted) and that partition's unacknowledged batches get
 * new sequences from 0 under the new epoch, in their order (none is reordered, none is sent twice under one
 * epoch); every other partition starts from 0 under the new epoch once its batches in flight are answered.
 * A bump is requested when:
 * <ul>
 *   <li>OUT_OF_ORDER_SEQUENCE_NUMBER answers the partition's next expected batch (the broker lost the batches
 *       before it: a gap), or the batch right after an unresolved one;</li>
 *   <li>UNKNOWN_PRODUCER_ID answers a batch that was not re-sequenced yet (the broker lost the producer's
 *       state: expiry, retention);</li>
 *   <li>a sequenced batch fails for good: refused by the broker (its sequences would leave a gap), or with
 *       an unknown outcome and nothing after it. With batches after it, the partition is <em>unresolved</em>:
 *       no new batch goes until one of those is acknowledged (then the failed batch was appended) or refused
 *       as out of order right after it (then it was not: bump).</li>
 * </ul>
 * Other OUT_OF_ORDER_SEQUENCE_NUMBER answers (a batch behind one whose answer is pending) are retried.
 */
public final class IdempotenceManager implements RecordAccumulator.DrainPolicy {

    /** A producer id and its current epoch; NONE while the producer has none. */
    public record ProducerIdAndEpoch(long producerId, short epoch) {
        public static final ProducerIdAndEpoch NONE = new ProducerIdAndEpoch(RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH);

        boolean isValid() {
            return producerId >= 0;
        }
    }

    /** What the producer knows of one partition's sequences. */
    private static final class PartitionState {
        ProducerIdAndEpoch owner = ProducerIdAndEpoch.NONE;
        int nextSequence;
        int lastAckedSequence = RecordBatch.NO_SEQUENCE;
        /** Sequenced and not yet acknowledged or failed, in sequence order (queued for retry or in a request). */
        final List<ProducerBatch> unacknowledged = new ArrayList<>();
        boolean unresolved;
        int unresolvedNextSequence;
    }

    private final int maxUnacknowledgedPerPartition;
    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private final Set<TopicPartition> partitionsToRewrite = new LinkedHashSet<>();
    /** Partitions with {@code unresolved} set (so the check after each answer does not scan every partition). */
    private final Set<TopicPartition> unresolvedPartitions = new LinkedHashSet<>();
    private ProducerIdAndEpoch current = ProducerIdAndEpoch.NONE;
    private boolean bumpRequested;
    private int bumps;

    public IdempotenceManager(int maxUnacknowledgedPerPartition) {
        this.maxUnacknowledgedPerPartition = maxUnacknowledgedPerPartition;
    }

    private PartitionState state(TopicPartition tp) {
        return partitions.computeIfAbsent(tp, k -> new PartitionState());
    }

    // ---- producer id and epoch ----------------------------------------------------------------------

    public ProducerIdAndEpoch producerIdAndEpoch() {
        return current;
    }

    /** True while the producer has no id (at start, or after its epoch was exhausted). */
    public boolean needsProducerId() {
        return !current.isValid();
    }

    /** The id InitProducerId answered; applies an epoch bump that waited for it. */
    public void setProducerIdAndEpoch(long producerId, short epoch) {
        current = new ProducerIdAndEpoch(producerId, epoch);
        if (bumpRequested) {
            rewriteSequences();
        }
    }

    /** Epoch bumps so far (for tests and logs). */
    public int bumps() {
        return bumps;
    }

    public boolean bumpRequested() {
        return bumpRequested;
    }

    /** Partitions whose unacknowledged batches the pending bump re-sequences. */
    public Set<TopicPartition> partitionsToRewrite() {
        return Set.copyOf(partitionsToRewrite);
    }

    private void requestBump(TopicPartition tp) {
        bumpRequested = true;
        partitionsToRewrite.add(tp);
    }

    /**
     * Bumps the epoch and re-sequences the partitions that asked for it. Call only while none of them has a
     * request in flight. An exhausted epoch drops the producer id instead: the re-sequencing then waits for
     * the new id ({@link #setProducerIdAndEpoch}).
     */
    public void bumpEpoch() {
        if (!bumpRequested) {
            return;
        }
        if (current.epoch() == Short.MAX_VALUE) {
            current = ProducerIdAndEpoch.NONE;
            return;
        }
        if (!current.isValid()) {
            return;
        }
        current = new ProducerIdAndEpoch(current.producerId(), (short) (current.epoch() + 1));
        rewriteSequences();
    }

    private void rewriteSequences() {
        bumps++;
        for (TopicPartition tp : partitionsToRewrite) {
            PartitionState p = state(tp);
            int sequence = 0;
            for (ProducerBatch batch : p.unacknowledged) {
                batch.setProducerState(current.producerId(), current.epoch(), sequence);
                batch.sequenceReset = true;
                sequence = RecordBatch.incrementSequence(sequence, batch.recordCount());
            }
            p.owner = current;
            p.nextSequence = sequence;
            p.lastAckedSequence = RecordBatch.NO_SEQUENCE;
            p.unresolved = false;
            unresolvedPartitions.remove(tp);
        }
        partitionsToRewrite.clear();
        bumpRequested = false;
    }

    // ---- draining -----------------------------------------------------------------------------------

    @Override
    public int sendable(TopicPartition tp, ProducerBatch head) {
        if (!current.isValid() || partitionsToRewrite.contains(tp)) {
            return 0;
        }
        PartitionState p = state(tp);
        if (head.hasSequence()) {
            // Sent before: alone, and only as the first unacknowledged batch (the deque keeps sequence order).
            return p.unacknowledged.isEmpty() || p.unacknowledged.get(0) == head ? 1 : 0;
        }
        if (p.unresolved) {
            return 0;
        }
        boolean stale = !p.owner.equals(current);
        if (stale && !p.unacknowledged.isEmpty()) {
            // Batches of the old epoch are still out: a new epoch's sequence 0 must not overtake them.
            return 0;
        }
        return Math.max(0, maxUnacknowledgedPerPartition - p.unacknowledged.size());
    }

    @Override
    public void onDrained(ProducerBatch batch) {
        if (batch.hasSequence()) {
            return;
        }
        PartitionState p = state(batch.topicPartition);
        if (!p.owner.equals(current)) {
            p.owner = current;
            p.nextSequence = 0;
            p.lastAckedSequence = RecordBatch.NO_SEQUENCE;
        }
        batch.setProducerState(current.producerId(), current.epoch(), p.nextSequence);
        p.nextSequence = RecordBatch.incrementSequence(p.nextSequence, batch.recordCount());
        p.unacknowledged.add(batch);
    }

    // ---- outcomes -----------------------------------------------------------------------------------

    /** The batch was acknowledged (appended now or before, as a duplicate). */
    public void onSuccess(ProducerBatch batch) {
        PartitionState p = state(batch.topicPartition);
        if (!p.unacknowledged.remove(batch)) {
            return;
        }
        if (batch.producerId() == p.owner.producerId() && batch.producerEpoch() == p.owner.epoch()) {
            p.lastAckedSequence = batch.lastSequence();
        }
        if (p.unresolved) {
            // A batch after the unresolved one was accepted, so the broker had that one: resolved.
            p.unresolved = false;
            unresolvedPartitions.remove(batch.topicPartition);
        }
    }

    /** The broker answered OUT_OF_ORDER_SEQUENCE_NUMBER; the batch is retried (possibly after a bump). */
    public void onOutOfOrderSequence(ProducerBatch batch) {
        PartitionState p = state(batch.topicPartition);
        if (batch.sequenceReset && !p.unresolved) {
            return;
        }
        boolean next = batch.baseSequence() == (p.lastAckedSequence == RecordBatch.NO_SEQUENCE ? 0
                : RecordBatch.incrementSequence(p.lastAckedSequence, 1));
        if (p.unresolved ? batch.baseSequence() == p.unresolvedNextSequence : next) {
            requestBump(batch.topicPartition);
        }
    }

    /** The broker answered UNKNOWN_PRODUCER_ID; the batch is retried (after a bump unless already re-sequenced). */
    public void onUnknownProducerId(ProducerBatch batch) {
        if (!batch.sequenceReset) {
            requestBump(batch.topicPartition);
        }
    }

    /** The batch failed for good (its records were failed to the caller). */
    public void onFinalFailure(ProducerBatch batch) {
        PartitionState p = state(batch.topicPartition);
        boolean tracked = p.unacknowledged.remove(batch);
        if (!tracked || !batch.hasSequence()) {
            return;
        }
        if (batch.maybeAppended && !p.unacknowledged.isEmpty()) {
            p.unresolved = true;
            p.unresolvedNextSequence = RecordBatch.incrementSequence(batch.lastSequence(), 1);
            unresolvedPartitions.add(batch.topicPartition);
            return;
        }
        requestBump(batch.topicPartition);
    }

    /** The batch was split: its parts (already sequenced from its base) take its place. */
    public void onSplit(ProducerBatch batch, List<ProducerBatch> parts) {
        PartitionState p = state(batch.topicPartition);
        int index = p.unacknowledged.indexOf(batch);
        if (index < 0) {
            return;
        }
        p.unacknowledged.remove(index);
        p.unacknowledged.addAll(index, parts);
    }

    /** After an unresolved partition ran out of batches to resolve it: the sequences cannot continue. */
    public void checkUnresolved() {
        if (unresolvedPartitions.isEmpty()) {
            return;
        }
        for (TopicPartition tp : List.copyOf(unresolvedPartitions)) {
            PartitionState p = state(tp);
            if (p.unacknowledged.isEmpty()) {
                p.unresolved = false;
                unresolvedPartitions.remove(tp);
                requestBump(tp);
            }
        }
    }

    /** Unacknowledged sequenced batches of {@code tp} (tests). */
    int unacknowledged(TopicPartition tp) {
        return state(tp).unacknowledged.size();
    }
}
