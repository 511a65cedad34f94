package io.runnel.client.internal;

import io.runnel.client.Node;
import io.runnel.client.producer.Callback;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatchBuilder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-partition queues of {@link ProducerBatch}es between the sending threads and the sender thread.
 *
 * <p>A send appends to the last batch of its partition, or opens a new batch after reserving
 * {@code max(batch.size, record size)} bytes from the {@link MemoryPool} (blocking up to
 * {@code max.block.ms}: the back-pressure). A partition is ready to send when its first batch is full,
 * has waited {@code linger.ms}, has waited out its retry backoff, or when a flush, a close, or a thread
 * waiting for memory asks for everything now. Batches that waited {@code delivery.timeout.ms} without being
 * sent are expired.
 *
 * <p>Which of a partition's batches may go now is the sender's {@link DrainPolicy}: by default every queued
 * batch that fits in the request, but a batch marked to go alone (a retry whose outcome is unknown, a part
 * of a split batch) goes in a request of its own; an idempotent producer's policy also holds batches back
 * until it has a producer id and bounds the batches of a partition in flight.
 *
 * <p>Thread-safety: each partition's deque is guarded by its own monitor; sending threads append, the
 * sender thread drains, re-enqueues and expires. Memory held is bounded by {@code buffer.memory}, and so
 * is the number of batches.
 */
public final class RecordAccumulator {

    /** The outcome of an append. {@code abortedForNewBatch}: nothing appended (a new batch was needed). */
    public record AppendResult(FutureRecordMetadata future, boolean batchIsFull, boolean newBatchCreated,
                               boolean abortedForNewBatch) {
        static final AppendResult ABORTED = new AppendResult(null, false, false, true);
    }

    /** Nodes with a sendable partition, the wait until the next partition may become ready, and topics without a leader. */
    public record ReadyCheck(Set<Integer> readyNodes, long nextReadyCheckDelayMs, Set<String> unknownLeaderTopics) {
    }

    /** Which of a partition's queued batches the sender may send now. Called by the sender thread only. */
    public interface DrainPolicy {

        /** Every batch that fits; a batch marked to go alone goes alone. */
        DrainPolicy ALL = new DrainPolicy() {
        };

        /** How many batches of {@code tp}, from {@code head} on, may go in the next request (0: none now). */
        default int sendable(TopicPartition tp, ProducerBatch head) {
            return head.sendAlone ? 1 : Integer.MAX_VALUE;
        }

        /** A batch is being drained into a request (before it is built). */
        default void onDrained(ProducerBatch batch) {
        }
    }

    private final int batchSizeBytes;
    private final long lingerMs;
    private final long retryBackoffMs;
    private final long deliveryTimeoutMs;
    private final CompressionType compression;
    private final MemoryPool memory;
    private final ProducerBatch.AcknowledgementListener acknowledgements;
    private final ConcurrentMap<TopicPartition, Deque<ProducerBatch>> batches = new ConcurrentHashMap<>();
    private final Set<ProducerBatch> incomplete = ConcurrentHashMap.newKeySet();
    private final AtomicInteger flushesInProgress = new AtomicInteger();
    /** Per topic: the compression ratio batch sizes are estimated with (compressed codecs only). */
    private final ConcurrentMap<String, Double> compressionRatioByTopic = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public RecordAccumulator(int batchSizeBytes, long lingerMs, long retryBackoffMs, long deliveryTimeoutMs,
                             CompressionType compression, MemoryPool memory) {
        this(batchSizeBytes, lingerMs, retryBackoffMs, deliveryTimeoutMs, compression, memory,
                ProducerBatch.AcknowledgementListener.NONE);
    }

    /** @param acknowledgements told of every record acknowledged or failed, before its callback (interceptors) */
    public RecordAccumulator(int batchSizeBytes, long lingerMs, long retryBackoffMs, long deliveryTimeoutMs,
                             CompressionType compression, MemoryPool memory,
                             ProducerBatch.AcknowledgementListener acknowledgements) {
        this.acknowledgements = acknowledgements;
        this.batchSizeBytes = batchSizeBytes;
        this.lingerMs = lingerMs;
        this.retryBackoffMs = retryBackoffMs;
        this.deliveryTimeoutMs = deliveryTimeoutMs;
        this.compression = compression;
        this.memory = memory;
    }

    /**
     * Appends a record to {@code tp}'s open batch, opening a new one if needed (unless
     * {@code abortOnNewBatch}, which lets a sticky partitioner move on first).
     *
     * @param recordSizeUpperBoundBytes the most bytes the record can take in a batch of its own
     * @throws ApiException REQUEST_TIMED_OUT when buffer memory did not free up within {@code maxBlockMs}
     */
    public AppendResult append(TopicPartition tp, long timestamp, byte[] key, byte[] value, Header[] headers,
                               Callback callback, int recordSizeUpperBoundBytes, long maxBlockMs,
                               boolean abortOnNewBatch, long nowMs) throws InterruptedException {
        Deque<ProducerBatch> deque = batches.computeIfAbsent(tp, k -> new ArrayDeque<>());
        synchronized (deque) {
            ensureOpen();
            AppendResult appended = tryAppend(deque, timestamp, key, value, headers, callback);
            if (appended != null) {
                return appended;
            }
        }
        if (abortOnNewBatch) {
            return AppendResult.ABORTED;
        }
        long reservedBytes = Math.max(batchSizeBytes, recordSizeUpperBoundBytes);
        memory.allocate(reservedBytes, maxBlockMs);
        boolean used = false;
        try {
            synchronized (deque) {
                ensureOpen();
                // Another thread may have opened a batch while this one waited for memory.
                AppendResult appended = tryAppend(deque, timestamp, key, value, headers, callback);
                if (appended != null) {
                    return appended;
                }
                RecordBatchBuilder builder = RecordBatchBuilder.spec()
                        .compression(compression)
                        .writeLimitBytes(Math.max(1, batchSizeBytes))
                        .estimatedCompressionRatio(compressionRatioByTopic.getOrDefault(tp.topic(), 1.0))
                        .initialCapacityBytes((int) Math.min(reservedBytes, Integer.MAX_VALUE - 8))
                        .newBuilder();
                ProducerBatch batch = new ProducerBatch(tp, builder, nowMs, reservedBytes, acknowledgements);
                FutureRecordMetadata future = batch.tryAppend(timestamp, key, value, headers, callback);
                deque.addLast(batch);
                incomplete.add(batch);
                used = true;
                return new AppendResult(future, deque.size() > 1 || batch.isFull(), true, false);
            }
        } finally {
            if (!used) {
                memory.release(reservedBytes);
            }
        }
    }

    private static AppendResult tryAppend(Deque<ProducerBatch> deque, long timestamp, byte[] key, byte[] value,
                                          Header[] headers, Callback callback) {
        ProducerBatch last = deque.peekLast();
        if (last == null) {
            return null;
        }
        FutureRecordMetadata future = last.tryAppend(timestamp, key, value, headers, callback);
        if (future == null) {
            return null;
        }
        return new AppendResult(future, deque.size() > 1 || last.isFull(), false, false);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("cannot send after the producer is closed");
        }
    }

    /** Which leaders have something to send now, given partitions {@code muted} (one request in flight each). */
    public ReadyCheck ready(ClusterMetadata.Snapshot cluster, Set<TopicPartition> muted, long nowMs) {
        return ready(cluster, muted, DrainPolicy.ALL, nowMs);
    }

    /**
     * As {@link #ready(ClusterMetadata.Snapshot, Set, long)}; a partition the policy holds back is not
     * ready (what releases it, an answer or a producer id, wakes the sender).
     */
    public ReadyCheck ready(ClusterMetadata.Snapshot cluster, Set<TopicPartition> muted, DrainPolicy policy, long nowMs) {
        Set<Integer> readyNodes = new HashSet<>();
        Set<String> unknownLeaderTopics = new HashSet<>();
        long nextDelayMs = Long.MAX_VALUE;
        boolean everythingNow = closed || flushesInProgress.get() > 0 || memory.hasWaiters();
        for (Map.Entry<TopicPartition, Deque<ProducerBatch>> entry : batches.entrySet()) {
            Deque<ProducerBatch> deque = entry.getValue();
            synchronized (deque) {
                ProducerBatch first = deque.peekFirst();
                if (first == null) {
                    continue;
                }
                nextDelayMs = Math.min(nextDelayMs, Math.max(0, first.createdMs + deliveryTimeoutMs - nowMs));
                Node leader = cluster.leader(entry.getKey());
                if (leader == null) {
                    unknownLeaderTopics.add(entry.getKey().topic());
                    continue;
                }
                if (readyNodes.contains(leader.id()) || muted.contains(entry.getKey())
                        || policy.sendable(entry.getKey(), first) == 0) {
                    continue;
                }
                boolean retrying = first.attempts > 0;
                if (retrying && first.retryAtMs > nowMs) {
                    nextDelayMs = Math.min(nextDelayMs, first.retryAtMs - nowMs);
                    continue;
                }
                long readyAtMs = retrying ? first.retryAtMs : first.createdMs + lingerMs;
                boolean full = deque.size() > 1 || first.isFull();
                if (full || everythingNow || nowMs >= readyAtMs) {
                    readyNodes.add(leader.id());
                } else {
                    nextDelayMs = Math.min(nextDelayMs, readyAtMs - nowMs);
                }
            }
        }
        return new ReadyCheck(readyNodes, nextDelayMs, unknownLeaderTopics);
    }

    /**
     * Takes, for each node in {@code nodes}, the batches to send in one request: for every partition it leads
     * (not muted, not backing off), its queued batches in order, while the request stays within
     * {@code maxRequestSizeBytes} (a request always takes at least one batch). Drained batches are built.
     */
    public Map<Integer, List<ProducerBatch>> drain(ClusterMetadata.Snapshot cluster, Set<Integer> nodes,
                                                   Set<TopicPartition> muted, int maxRequestSizeBytes,
                                                   long nowMs) {
        return drain(cluster, nodes, muted, DrainPolicy.ALL, maxRequestSizeBytes, nowMs);
    }

    /** As {@link #drain(ClusterMetadata.Snapshot, Set, Set, int, long)}, taking what {@code policy} allows. */
    public Map<Integer, List<ProducerBatch>> drain(ClusterMetadata.Snapshot cluster, Set<Integer> nodes,
                                                   Set<TopicPartition> muted, DrainPolicy policy,
                                                   int maxRequestSizeBytes, long nowMs) {
        Map<Integer, List<ProducerBatch>> drained = new HashMap<>();
        Map<Integer, Integer> requestBytes = new HashMap<>();
        List<Map.Entry<TopicPartition, Deque<ProducerBatch>>> entries = new ArrayList<>(batches.entrySet());
        // Start at a different partition each time so no partition starves behind a full request.
        int start = entries.isEmpty() ? 0 : Math.floorMod((int) nowMs, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Map.Entry<TopicPartition, Deque<ProducerBatch>> entry = entries.get((start + i) % entries.size());
            TopicPartition tp = entry.getKey();
            Node leader = cluster.leader(tp);
            if (leader == null || !nodes.contains(leader.id()) || muted.contains(tp)) {
                continue;
            }
            Deque<ProducerBatch> deque = entry.getValue();
            synchronized (deque) {
                ProducerBatch head = deque.peekFirst();
                int allowed = head == null ? 0 : policy.sendable(tp, head);
                for (int taken = 0; taken < allowed; taken++) {
                    ProducerBatch first = deque.peekFirst();
                    if (first == null || (first.attempts > 0 && first.retryAtMs > nowMs) || (taken > 0 && first.sendAlone)) {
                        break;
                    }
                    int size = first.sizeInBytes();
                    int used = requestBytes.getOrDefault(leader.id(), 0);
                    if (used > 0 && used + size > maxRequestSizeBytes) {
                        break;
                    }
                    deque.pollFirst();
                    policy.onDrained(first);
                    first.close();
                    observeCompressionRatio(tp.topic(), first);
                    requestBytes.put(leader.id(), used + first.sizeInBytes());
                    drained.computeIfAbsent(leader.id(), k -> new ArrayList<>()).add(first);
                }
            }
        }
        return drained;
    }

    /**
     * Moves the topic's estimated compression ratio toward what a built batch achieved: quickly up (a batch
     * estimated too small would overshoot batch.size), slowly down, like Kafka's CompressionRatioEstimator.
     * Without it compressible data would fill batches to only a fraction of batch.size.
     */
    private void observeCompressionRatio(String topic, ProducerBatch batch) {
        if (compression == CompressionType.NONE || batch.recordCount() == 0) {
            return;
        }
        double observed = batch.compressionRatio();
        compressionRatioByTopic.compute(topic, (t, current) -> {
            double estimate = current == null ? 1.0 : current;
            if (observed > estimate) {
                return Math.max(estimate + COMPRESSION_RATIO_DETERIORATE_STEP, observed);
            }
            return Math.max(observed, estimate - COMPRESSION_RATIO_IMPROVING_STEP);
        });
    }

    /** Kafka's steps: an estimate rises by at least 0.05 and falls by at most 0.005 per batch. */
    static final double COMPRESSION_RATIO_DETERIORATE_STEP = 0.05;
    static final double COMPRESSION_RATIO_IMPROVING_STEP = 0.005;

    /** The ratio new batches of {@code topic} are estimated with (for tests and metrics). */
    public double estimatedCompressionRatio(String topic) {
        return compressionRatioByTopic.getOrDefault(topic, 1.0);
    }

    /**
     * Puts the two parts of a batch the broker refused as too large at the head of its partition, in its
     * place; they go at once, each alone. The refused batch's memory stays reserved until both complete.
     */
    public void splitAndReenqueue(ProducerBatch batch, List<ProducerBatch> parts) {
        Deque<ProducerBatch> deque = batches.computeIfAbsent(batch.topicPartition, k -> new ArrayDeque<>());
        incomplete.addAll(parts);
        deallocate(batch);
        synchronized (deque) {
            for (int i = parts.size() - 1; i >= 0; i--) {
                deque.addFirst(parts.get(i));
            }
        }
    }

    /** The batch spec a split part is built with: this producer's codec, no size limit (the split sizes it). */
    public RecordBatchBuilder.Spec splitSpec() {
        return RecordBatchBuilder.spec().compression(compression);
    }

    /** Puts batches that failed retriably back at the head of their partition, in order, after a backoff. */
    public void reenqueue(List<ProducerBatch> partitionBatches, long nowMs) {
        if (partitionBatches.isEmpty()) {
            return;
        }
        Deque<ProducerBatch> deque = batches.computeIfAbsent(partitionBatches.get(0).topicPartition,
                k -> new ArrayDeque<>());
        synchronized (deque) {
            for (int i = partitionBatches.size() - 1; i >= 0; i--) {
                ProducerBatch batch = partitionBatches.get(i);
                batch.attempts++;
                batch.retryAtMs = nowMs + retryBackoffMs;
                deque.addFirst(batch);
            }
        }
    }

    /** Removes and returns queued batches older than {@code delivery.timeout.ms}. */
    public List<ProducerBatch> expiredBatches(long nowMs) {
        List<ProducerBatch> expired = new ArrayList<>();
        for (Deque<ProducerBatch> deque : batches.values()) {
            synchronized (deque) {
                Iterator<ProducerBatch> it = deque.iterator();
                while (it.hasNext()) {
                    ProducerBatch batch = it.next();
                    if (nowMs >= batch.createdMs + deliveryTimeoutMs) {
                        it.remove();
                        expired.add(batch);
                    }
                }
            }
        }
        return expired;
    }

    /** Returns a completed batch's memory to the pool (a split batch's once its last part completed). */
    public void deallocate(ProducerBatch batch) {
        if (incomplete.remove(batch) && batch.reservation.release()) {
            memory.release(batch.reservation.bytes);
        }
    }

    public void beginFlush() {
        flushesInProgress.incrementAndGet();
    }

    /** Waits until every batch that existed when called has completed, then ends this flush. */
    public void awaitFlushCompletion() throws InterruptedException {
        try {
            for (ProducerBatch batch : new ArrayList<>(incomplete)) {
                try {
                    batch.completion().get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("a batch completion future cannot fail", e);
                }
            }
        } finally {
            flushesInProgress.decrementAndGet();
        }
    }

    public boolean hasUndrained() {
        for (Deque<ProducerBatch> deque : batches.values()) {
            synchronized (deque) {
                if (!deque.isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    public boolean hasIncomplete() {
        return !incomplete.isEmpty();
    }

    /** No more appends; everything queued becomes sendable at once. */
    public void close() {
        closed = true;
    }

    /** Fails every queued batch (after a forced close). */
    public List<ProducerBatch> drainAll() {
        List<ProducerBatch> all = new ArrayList<>();
        for (Deque<ProducerBatch> deque : batches.values()) {
            synchronized (deque) {
                all.addAll(deque);
                deque.clear();
            }
        }
        return all;
    }

    /** Batches queued for {@code tp} (for tests and metrics). */
    public int queuedBatches(TopicPartition tp) {
        Deque<ProducerBatch> deque = batches.get(tp);
        if (deque == null) {
            return 0;
        }
        synchronized (deque) {
            return deque.size();
        }
    }
}
