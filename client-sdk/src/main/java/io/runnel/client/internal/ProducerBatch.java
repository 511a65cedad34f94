package io.runnel.client.internal;

import io.runnel.client.producer.Callback;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.common.TopicPartition;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of one partition that travel together in one v2 batch, with each record's future and
 * callback. Appended to by sending threads under the accumulator's per-partition lock; once drained it is
 * owned by the sender thread, which builds it ({@link #close}), sends it, and completes it exactly once.
 * The number of records is bounded by {@code batch.size} (one oversized record makes a batch of its own).
 */
public final class ProducerBatch {

    private static final Logger LOG = LoggerFactory.getLogger(ProducerBatch.class);

    private record Thunk(FutureRecordMetadata future, Callback callback, long relativeOffset, long timestamp,
                         int keySize, int valueSize) {
    }

    final TopicPartition topicPartition;
    final long createdMs;
    final long memoryBytes;
    private final RecordBatchBuilder builder;
    private final List<Thunk> thunks = new ArrayList<>();
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private ByteBuffer built;
    int attempts;
    long retryAtMs;
    private boolean completed;
    private boolean closedForAppends;

    ProducerBatch(TopicPartition topicPartition, RecordBatchBuilder builder, long createdMs, long memoryBytes) {
        this.topicPartition = topicPartition;
        this.builder = builder;
        this.createdMs = createdMs;
        this.memoryBytes = memoryBytes;
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
            runCallback(thunk, null, exception);
            thunk.future.fail(exception);
        }
        completion.complete(null);
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
}
