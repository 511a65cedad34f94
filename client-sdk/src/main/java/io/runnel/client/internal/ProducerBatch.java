package io.runnel.client.internal;

import io.runnel.client.producer.Callback;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.common.TopicPartition;
import io.runnel.common.record.CloseableIterator;
import io.runnel.common.record.Header;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of one partition that travel together in one v2 batch, with each record's future and
 * callback. Appended to by sending threads under the accumulator's per-partition lock; once drained it is
 * owned by the sender thread, which builds it ({@link #close}), sends it, and completes it exactly once.
 * The number of records is bounded by {@code batch.size} (one oversized record makes a batch of its own).
 *
 * <p>An idempotent producer stamps the producer id, epoch and base sequence when the batch is first
 * drained ({@link #setProducerState}); they stay the same on every retry, unless the producer bumps its
 * epoch (KIP-360) and gives the batch a new sequence, or the batch is {@linkplain #split split} after the
 * broker found it too large.
 */
public final class ProducerBatch {

    private static final Logger LOG = LoggerFactory.getLogger(ProducerBatch.class);

    /** Called for every record completed, before its callback (the producer's interceptors). */
    public interface AcknowledgementListener {
        AcknowledgementListener NONE = (metadata, exception) -> { };

        void onAcknowledgement(RecordMetadata metadata, Exception exception);
    }

    private record Thunk(FutureRecordMetadata future, Callback callback, long relativeOffset, long timestamp,
                         int keySize, int valueSize) {
    }

    /**
     * The buffer.memory a batch holds, shared by the parts of a split batch: released once every holder is
     * done. Thread-safe.
     */
    static final class Reservation {
        final long bytes;
        private final AtomicInteger holders = new AtomicInteger(1);

        Reservation(long bytes) {
            this.bytes = bytes;
        }

        void addHolders(int count) {
            holders.addAndGet(count);
        }

        /** True when the last holder let go (the bytes are to be released). */
        boolean release() {
            return holders.decrementAndGet() == 0;
        }
    }

    final TopicPartition topicPartition;
    final long createdMs;
    final Reservation reservation;
    private final RecordBatchBuilder builder;
    private final AcknowledgementListener acknowledgements;
    private final List<Thunk> thunks = new ArrayList<>();
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private ByteBuffer built;
    int attempts;
    long retryAtMs;
    /** Drained at least once (for record-queue-time). */
    boolean drained;
    /** Sent in a request of its own: a retry whose first outcome is unknown, or a part of a split batch. */
    boolean sendAlone;
    /** An attempt ended without knowing whether the broker appended it (a lost answer, a timeout). */
    boolean maybeAppended;
    /** Given a new sequence by an epoch bump. */
    boolean sequenceReset;
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatch.NO_SEQUENCE;
    private boolean completed;
    private boolean closedForAppends;

    ProducerBatch(TopicPartition topicPartition, RecordBatchBuilder builder, long createdMs, long memoryBytes,
                  AcknowledgementListener acknowledgements) {
        this(topicPartition, builder, createdMs, new Reservation(memoryBytes), acknowledgements);
    }

    private ProducerBatch(TopicPartition topicPartition, RecordBatchBuilder builder, long createdMs, Reservation reservation,
                          AcknowledgementListener acknowledgements) {
        this.topicPartition = topicPartition;
        this.builder = builder;
        this.createdMs = createdMs;
        this.reservation = reservation;
        this.acknowledgements = acknowledgements;
    }

    /** Appends a record, or returns null when the batch has no room for it (or is already closed). */
    FutureRecordMetadata tryAppend(long timestamp, byte[] key, byte[] value, Header[] headers, Callback callback) {
        if (built != null || closedForAppends || !builder.hasRoomFor(timestamp, key, value, headers)) {
            // A record that does not fit ends the batch: the next record must not squeeze in after it.
            closedForAppends = true;
            return null;
        }
        long relativeOffset = builder.append(timestamp, key, value, headers);
        FutureRecordMetadata future = new FutureRecordMetadata();
        thunks.add(new Thunk(future, callback, relativeOffset, timestamp, key == null ? -1 : key.length,
                value == null ? -1 : value.length));
        return future;
    }

    boolean isFull() {
        return built != null || closedForAppends || builder.isFull();
    }

    public int recordCount() {
        return thunks.size();
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    // ---- producer state (idempotence) ---------------------------------------------------------

    public boolean hasSequence() {
        return baseSequence != RecordBatch.NO_SEQUENCE;
    }

    public long producerId() {
        return producerId;
    }

    public short producerEpoch() {
        return producerEpoch;
    }

    public int baseSequence() {
        return baseSequence;
    }

    /** Sequence of the batch's last record (sequences wrap at Integer.MAX_VALUE). */
    public int lastSequence() {
        return RecordBatch.incrementSequence(baseSequence, recordCount() - 1);
    }

    /** Stamps the producer id, epoch and base sequence, into the builder or, once built, into the header. */
    void setProducerState(long id, short epoch, int sequence) {
        producerId = id;
        producerEpoch = epoch;
        baseSequence = sequence;
        if (built == null) {
            builder.producerState(id, epoch, sequence);
        } else {
            RecordBatch.readFrom(built.duplicate()).setProducerState(id, epoch, sequence);
        }
    }

    // ---- building -----------------------------------------------------------------------------

    /** Builds the batch (compression, header, CRC) once; later calls return the same bytes. */
    ByteBuffer close() {
        if (built == null) {
            built = builder.build();
        }
        return built.duplicate();
    }

    /** Compressed / uncompressed record bytes once built (1.0 uncompressed); the estimate before. */
    double compressionRatio() {
        return builder.compressionRatio();
    }

    int sizeInBytes() {
        return built != null ? built.limit() : builder.estimatedSizeInBytes();
    }

    /**
     * Splits a built batch the broker refused as too large into two, each holding about half the records
     * (so a batch of n records becomes single records after at most log2(n) splits, whatever the limit).
     * The parts keep the records' order, futures and callbacks, the creation time (delivery.timeout.ms
     * still counts from the first send), the attempts, this batch's memory reservation, and, when it had
     * one, consecutive sequences from this batch's base sequence (the refused batch was not appended).
     * This batch is left empty and completes when both parts have.
     */
    List<ProducerBatch> split(RecordBatchBuilder.Spec spec) {
        if (built == null || thunks.size() < 2) {
            throw new IllegalStateException("only a built batch of several records is split");
        }
        List<Record> records = new ArrayList<>(thunks.size());
        try (CloseableIterator<Record> it = RecordBatch.readFrom(built.duplicate()).records()) {
            it.forEachRemaining(records::add);
        }
        int half = thunks.size() / 2;
        List<ProducerBatch> parts = List.of(part(spec, records, 0, half), part(spec, records, half, thunks.size()));
        reservation.addHolders(parts.size());
        int sequence = baseSequence;
        for (ProducerBatch part : parts) {
            part.attempts = attempts;
            part.drained = true;
            part.sendAlone = true;
            part.sequenceReset = sequenceReset;
            if (hasSequence()) {
                part.setProducerState(producerId, producerEpoch, sequence);
                sequence = RecordBatch.incrementSequence(sequence, part.recordCount());
            }
            part.close();
        }
        thunks.clear();
        completed = true;
        CompletableFuture.allOf(parts.get(0).completion, parts.get(1).completion)
                .whenComplete((ignored, error) -> completion.complete(null));
        return parts;
    }

    private ProducerBatch part(RecordBatchBuilder.Spec spec, List<Record> records, int from, int to) {
        RecordBatchBuilder partBuilder = spec.copy().newBuilder();
        ProducerBatch part = new ProducerBatch(topicPartition, partBuilder, createdMs, reservation, acknowledgements);
        for (int i = from; i < to; i++) {
            Record record = records.get(i);
            Thunk thunk = thunks.get(i);
            long relativeOffset = partBuilder.appendWithOffset(i - from, record.timestamp(), record.key(), record.value(),
                    record.headers());
            part.thunks.add(new Thunk(thunk.future, thunk.callback, relativeOffset, thunk.timestamp, thunk.keySize,
                    thunk.valueSize));
        }
        return part;
    }

    // ---- completion ---------------------------------------------------------------------------

    /** Completes every record: offset = baseOffset + its place in the batch (-1 when unknown, acks=0). */
    void complete(long baseOffset, long logAppendTimeMs) {
        if (completed) {
            return;
        }
        completed = true;
        for (Thunk thunk : thunks) {
            long offset = baseOffset < 0 ? -1 : baseOffset + thunk.relativeOffset;
            long timestamp = logAppendTimeMs >= 0 ? logAppendTimeMs : thunk.timestamp;
            RecordMetadata metadata = new RecordMetadata(topicPartition, offset, timestamp, thunk.keySize,
                    thunk.valueSize);
            acknowledge(metadata, null);
            // The callback runs before the future completes, so whoever sees the future done sees its effects.
            runCallback(thunk, metadata, null);
            thunk.future.complete(metadata);
        }
        completion.complete(null);
    }

    /** Fails every record with {@code exception}. */
    void fail(RuntimeException exception) {
        if (completed) {
            return;
        }
        completed = true;
        builder.abort();
        for (Thunk thunk : thunks) {
            acknowledge(new RecordMetadata(topicPartition, -1, -1, thunk.keySize, thunk.valueSize), exception);
            runCallback(thunk, null, exception);
            thunk.future.fail(exception);
        }
        completion.complete(null);
    }

    private void acknowledge(RecordMetadata metadata, Exception exception) {
        try {
            acknowledgements.onAcknowledgement(metadata, exception);
        } catch (RuntimeException e) {
            LOG.error("an acknowledgement listener for {} threw; the producer continues", topicPartition, e);
        }
    }

    private void runCallback(Thunk thunk, RecordMetadata metadata, Exception exception) {
        if (thunk.callback == null) {
            return;
        }
        try {
            thunk.callback.onCompletion(metadata, exception);
        } catch (RuntimeException e) {
            LOG.error("a producer callback for {} threw; the producer continues", topicPartition, e);
        }
    }

    boolean isCompleted() {
        return completed;
    }

    /** Completes (normally) when the batch has been completed or failed; for flush. */
    CompletableFuture<Void> completion() {
        return completion;
    }

    /** Visits each record's future with its callback (tests). */
    void forEachRecord(BiConsumer<FutureRecordMetadata, Callback> visitor) {
        thunks.forEach(t -> visitor.accept(t.future, t.callback));
    }

    @Override
    public String toString() {
        return "ProducerBatch(" + topicPartition + ", records=" + thunks.size() + ", producerId=" + producerId
                + ", epoch=" + producerEpoch + ", sequence=" + baseSequence + ", attempts=" + attempts + ")";
    }
}
