package io.runnel.client.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.StreamObserver;
import io.runnel.client.Node;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.Errors;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.CurrentLeader;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceResponse;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicProduceData;
import io.runnel.proto.TopicProduceResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer's I/O loop (a driver): one thread that turns ready batches into one ProduceRequest per
 * leader broker, completes or retries them when the answers come back, expires batches past
 * {@code delivery.timeout.ms} and refreshes metadata.
 *
 * <p>Threading: everything here except {@link #wakeup}, {@link #initiateClose} and {@link #forceClose} runs
 * on the sender thread, which alone owns the in-flight state. gRPC answers arrive on transport threads and
 * are only queued ({@link #completions}) for the sender thread; that queue holds at most one entry per
 * in-flight request, so at most {@code max.in.flight.requests.per.connection} per broker.
 *
 * <p>Ordering: a partition has at most one request in flight (it is "muted" until the answer), and a
 * request carries all of a partition's queued batches that fit, so records of a partition are appended in
 * send order even across retries, while the broker still sees up to max.in.flight requests (for different
 * partitions) at once. gRPC calls on one channel may be served concurrently, so this is what keeps order.
 */
public final class Sender implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);

    /** The settings the loop obeys (producer config names in the comments). */
    public record Settings(int acks, int requestTimeoutMs, int maxInFlightPerBroker, int maxRequestSizeBytes,
                           int retries, long retryBackoffMs, long deliveryTimeoutMs, long metadataMaxAgeMs) {
    }

    private final RecordAccumulator accumulator;
    private final ClusterMetadata metadata;
    private final ChannelPool channels;
    private final Settings settings;
    private final Set<String> topics;
    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Integer> inFlightByNode = new HashMap<>();
    private final Set<TopicPartition> muted = new HashSet<>();
    private final Set<ProducerBatch> inFlightBatches = new HashSet<>();
    private final Set<String> topicsNeedingMetadata = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private boolean wakeupPending;
    private volatile boolean running = true;
    private volatile boolean forceClose;
    private long lastMetadataAttemptMs = -1;

    /**
     * @param topics the producer's topics (added by sends; read here to refresh their metadata periodically)
     */
    public Sender(RecordAccumulator accumulator, ClusterMetadata metadata, ChannelPool channels, Settings settings,
                  Set<String> topics) {
        this.accumulator = accumulator;
        this.metadata = metadata;
        this.channels = channels;
        this.settings = settings;
        this.topics = topics;
    }

    @Override
    public void run() {
        try {
            while (running) {
                runOnce();
            }
            // Graceful close: send what is queued and wait for the answers, unless forced.
            while (!forceClose && (accumulator.hasUndrained() || !inFlightBatches.isEmpty())) {
                runOnce();
            }
        } catch (RuntimeException | Error e) {
            LOG.error("producer sender thread failed; failing every pending record", e);
            forceClose = true;
            // Nobody would send what is appended from now on: sends must fail instead of waiting forever.
            accumulator.close();
        }
        if (forceClose) {
            ApiException closed = ApiException.of(ErrorCode.REQUEST_TIMED_OUT,
                    "the producer was closed before the record was acknowledged");
            for (ProducerBatch batch : accumulator.drainAll()) {
                fail(batch, closed);
            }
            for (ProducerBatch batch : new ArrayList<>(inFlightBatches)) {
                fail(batch, closed);
            }
            inFlightBatches.clear();
        }
    }

    void runOnce() {
        Runnable completion;
        while ((completion = completions.poll()) != null) {
            completion.run();
        }
        long nowMs = System.currentTimeMillis();
        maybeRefreshMetadata(nowMs);
        ClusterMetadata.Snapshot cluster = metadata.snapshot();
        for (ProducerBatch batch : accumulator.expiredBatches(nowMs)) {
            fail(batch, ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "expiring " + batch.recordCount()
                    + " record(s) for " + batch.topicPartition + ": " + (nowMs - batch.createdMs)
                    + " ms has passed since batch creation (delivery.timeout.ms " + settings.deliveryTimeoutMs() + ")"));
        }
        RecordAccumulator.ReadyCheck ready = accumulator.ready(cluster, muted, nowMs);
        if (!ready.unknownLeaderTopics().isEmpty()) {
            topicsNeedingMetadata.addAll(ready.unknownLeaderTopics());
        }
        Set<Integer> sendable = new HashSet<>();
        for (int node : ready.readyNodes()) {
            if (inFlightByNode.getOrDefault(node, 0) < settings.maxInFlightPerBroker()) {
                sendable.add(node);
            }
        }
        Map<Integer, List<ProducerBatch>> drained = accumulator.drain(cluster, sendable, muted,
                settings.maxRequestSizeBytes(), nowMs);
        for (Map.Entry<Integer, List<ProducerBatch>> entry : drained.entrySet()) {
            send(cluster.brokers().get(entry.getKey()), entry.getValue());
        }
        if (!drained.isEmpty()) {
            return;
        }
        if (!running && inFlightBatches.isEmpty() && !accumulator.hasUndrained()) {
            return; // closing and nothing left: let run() end instead of waiting for work that cannot come
        }
        long waitMs = ready.nextReadyCheckDelayMs();
        if (!topicsNeedingMetadata.isEmpty()) {
            waitMs = Math.min(waitMs, settings.retryBackoffMs());
        }
        waitMs = Math.min(waitMs, Math.max(1, settings.metadataMaxAgeMs()));
        awaitWork(waitMs);
    }

    private void maybeRefreshMetadata(long nowMs) {
        boolean requested = !topicsNeedingMetadata.isEmpty();
        boolean stale = nowMs - metadata.snapshot().updatedMs() >= settings.metadataMaxAgeMs();
        if (!(requested || stale) || topics.isEmpty() && !requested) {
            return;
        }
        if (lastMetadataAttemptMs >= 0 && nowMs - lastMetadataAttemptMs < settings.retryBackoffMs()) {
            return;
        }
        lastMetadataAttemptMs = nowMs;
        Set<String> wanted = new HashSet<>(topics);
        wanted.addAll(topicsNeedingMetadata);
        topicsNeedingMetadata.clear();
        try {
            // Blocks the loop for at most request.timeout.ms; answers that arrive meanwhile wait in the queue.
            metadata.refresh(wanted, false, true, nowMs + settings.requestTimeoutMs(), 1);
        } catch (ApiException e) {
            LOG.debug("metadata refresh failed: {}", e.toString());
            topicsNeedingMetadata.addAll(wanted);
        }
    }

    private void send(Node node, List<ProducerBatch> batches) {
        Map<String, Map<Integer, List<ProducerBatch>>> byTopic = new LinkedHashMap<>();
        for (ProducerBatch batch : batches) {
            byTopic.computeIfAbsent(batch.topicPartition.topic(), t -> new LinkedHashMap<>())
                    .computeIfAbsent(batch.topicPartition.partition(), p -> new ArrayList<>()).add(batch);
        }
        ProduceRequest.Builder request = ProduceRequest.newBuilder()
                .setAcks(settings.acks())
                .setTimeoutMs(settings.requestTimeoutMs());
        for (Map.Entry<String, Map<Integer, List<ProducerBatch>>> topic : byTopic.entrySet()) {
            TopicProduceData.Builder data = TopicProduceData.newBuilder().setTopic(topic.getKey());
            for (Map.Entry<Integer, List<ProducerBatch>> partition : topic.getValue().entrySet()) {
                ByteString records = ByteString.EMPTY;
                for (ProducerBatch batch : partition.getValue()) {
                    // Wrapped, not copied; several batches of a partition are joined as a rope (no copy either).
                    records = records.concat(UnsafeByteOperations.unsafeWrap(batch.close()));
                }
                data.addPartitions(PartitionProduceData.newBuilder()
                        .setPartition(partition.getKey()).setRecords(records));
            }
            request.addTopics(data);
        }
        ProduceServiceGrpc.ProduceServiceStub stub = ProduceServiceGrpc.newStub(
                        channels.channel(ClusterMetadata.address(node)))
                .withDeadlineAfter(settings.requestTimeoutMs(), TimeUnit.MILLISECONDS);
        if (settings.acks() == 0) {
            // acks=0: done once handed to the transport; the answer is not awaited and offsets are unknown.
            stub.produce(request.build(), new IgnoringObserver());
            for (ProducerBatch batch : batches) {
                complete(batch, -1, -1);
            }
            return;
        }
        inFlightByNode.merge(node.id(), 1, Integer::sum);
        inFlightBatches.addAll(batches);
        for (Map<Integer, List<ProducerBatch>> partitions : byTopic.values()) {
            for (List<ProducerBatch> list : partitions.values()) {
                muted.add(list.get(0).topicPartition);
            }
        }
        AtomicBoolean answered = new AtomicBoolean();
        stub.produce(request.build(), new StreamObserver<>() {
            @Override
            public void onNext(ProduceResponse response) {
                if (answered.compareAndSet(false, true)) {
                    post(() -> handleAnswer(node, byTopic, response, null));
                }
            }

            @Override
            public void onError(Throwable t) {
                if (answered.compareAndSet(false, true)) {
                    post(() -> handleAnswer(node, byTopic, null, t));
                }
            }

            @Override
            public void onCompleted() {
                if (answered.compareAndSet(false, true)) {
                    post(() -> handleAnswer(node, byTopic, null,
                            ApiException.of(ErrorCode.UNKNOWN_SERVER_ERROR, "produce call ended without an answer")));
                }
            }
        });
    }

    private void post(Runnable completion) {
        completions.add(completion);
        wakeup();
    }

    private void handleAnswer(Node node, Map<String, Map<Integer, List<ProducerBatch>>> byTopic,
                              ProduceResponse response, Throwable failure) {
        inFlightByNode.merge(node.id(), -1, Integer::sum);
        long nowMs = System.currentTimeMillis();
        Map<TopicPartition, PartitionProduceResponse> answers = new HashMap<>();
        ApiException callError = null;
        if (failure != null) {
            callError = GrpcErrors.toApiException(failure, "produce request to broker " + node.id() + " at " + node.host()
                    + ":" + node.port(), "request.timeout.ms (" + settings.requestTimeoutMs() + " ms)");
            LOG.debug("produce request to broker {} failed: {}", node, callError.toString());
        } else {
            for (TopicProduceResponse topic : response.getTopicsList()) {
                for (PartitionProduceResponse p : topic.getPartitionsList()) {
                    answers.put(new TopicPartition(topic.getTopic(), p.getPartition()), p);
                }
            }
        }
        for (Map<Integer, List<ProducerBatch>> partitions : byTopic.values()) {
            for (List<ProducerBatch> batches : partitions.values()) {
                TopicPartition tp = batches.get(0).topicPartition;
                muted.remove(tp);
                inFlightBatches.removeAll(batches);
                if (callError != null) {
                    if (callError.code() == ErrorCode.NETWORK_EXCEPTION || callError.code() == ErrorCode.REQUEST_TIMED_OUT) {
                        topicsNeedingMetadata.add(tp.topic());
                    }
                    completeOrRetry(batches, callError.code(), callError.getMessage(), null, nowMs, failure);
                    continue;
                }
                PartitionProduceResponse answer = answers.get(tp);
                if (answer == null) {
                    completeOrRetry(batches, ErrorCode.UNKNOWN_SERVER_ERROR, "the broker did not answer for " + tp,
                            null, nowMs, null);
                } else if (answer.getError() == ErrorCode.NONE) {
                    long offset = answer.getBaseOffset();
                    for (ProducerBatch batch : batches) {
                        complete(batch, offset, answer.getLogAppendTimeMs());
                        // Batches of one request are appended back to back, so offsets continue.
                        offset += batch.recordCount();
                    }
                } else {
                    completeOrRetry(batches, answer.getError(), answer.getErrorMessage(),
                            answer.hasCurrentLeader() ? answer.getCurrentLeader() : null, nowMs, null);
                }
            }
        }
    }

    /** {@code cause}: the transport failure behind {@code message}, kept for stack traces (--verbose); may be null. */
    private void completeOrRetry(List<ProducerBatch> batches, ErrorCode code, String message, CurrentLeader hint,
                                 long nowMs, Throwable cause) {
        TopicPartition tp = batches.get(0).topicPartition;
        if (Errors.invalidatesMetadata(code)) {
            metadata.applyLeaderHint(tp, hint);
            topicsNeedingMetadata.add(tp.topic());
        }
        String detail = message == null || message.isEmpty() ? code.name() : message;
        ProducerBatch first = batches.get(0);
        boolean retriable = Errors.isRetriable(code);
        boolean attemptsLeft = first.attempts < settings.retries();
        boolean timeLeft = nowMs + settings.retryBackoffMs() < first.createdMs + settings.deliveryTimeoutMs();
        if (retriable && attemptsLeft && timeLeft && !forceClose) {
            LOG.debug("retrying {} batch(es) of {} after {} (attempt {})", batches.size(), tp, code, first.attempts + 1);
            accumulator.reenqueue(batches, nowMs);
            return;
        }
        ApiException error;
        if (retriable && !timeLeft) {
            error = ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "delivery.timeout.ms ("
                    + settings.deliveryTimeoutMs() + " ms) elapsed for " + tp + " after " + (first.attempts + 1)
                    + " attempt(s); last error: " + code + ": " + detail, cause);
        } else {
            error = ApiException.of(code, detail, cause);
        }
        for (ProducerBatch batch : batches) {
            fail(batch, error);
        }
    }

    private void complete(ProducerBatch batch, long baseOffset, long logAppendTimeMs) {
        batch.complete(baseOffset, logAppendTimeMs);
        accumulator.deallocate(batch);
    }

    private void fail(ProducerBatch batch, ApiException error) {
        batch.fail(error);
        accumulator.deallocate(batch);
    }

    private void awaitWork(long waitMs) {
        lock.lock();
        try {
            if (!wakeupPending && waitMs > 0) {
                work.await(waitMs, TimeUnit.MILLISECONDS);
            }
            wakeupPending = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            forceClose = true;
            running = false;
        } finally {
            lock.unlock();
        }
    }

    /** Makes the loop look again now (new full batch, an answer, a flush, a close). Any thread. */
    public void wakeup() {
        lock.lock();
        try {
            wakeupPending = true;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Stops taking new work; the loop sends what is queued and waits for answers, then ends. Any thread. */
    public void initiateClose() {
        running = false;
        wakeup();
    }

    /** Ends the loop as soon as possible, failing whatever has not been acknowledged. Any thread. */
    public void forceClose() {
        forceClose = true;
        running = false;
        wakeup();
    }

    /** Asks for a metadata refresh of {@code topic} on the next loop. Any thread. */
    public void requestMetadataUpdate(String topic) {
        topicsNeedingMetadata.add(topic);
        wakeup();
    }

    private static final class IgnoringObserver implements StreamObserver<ProduceResponse> {
        @Override
        public void onNext(ProduceResponse value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
