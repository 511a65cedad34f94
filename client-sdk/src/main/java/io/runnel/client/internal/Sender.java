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
import io.runnel.proto.InitProducerIdRequest;
import io.runnel.proto.InitProducerIdResponse;
import io.runnel.proto.MetadataResponse;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceResponse;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicProduceData;
import io.runnel.proto.TopicProduceResponse;
import io.runnel.proto.TransactionServiceGrpc;
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
 * {@code delivery.timeout.ms}, refreshes metadata and, for an idempotent producer, gets its producer id.
 *
 * <p><b>Never blocks on a broker.</b> Every call (produce, metadata, InitProducerId) is asynchronous with a
 * deadline; its answer is only queued ({@link #completions}) for this thread. A dead or silent broker
 * therefore holds up only the requests sent to it: sends to other leaders go on at their own pace.
 * Metadata and InitProducerId go to the least loaded broker that has not just failed (a broker whose call
 * failed is avoided for a backoff that doubles from {@code retry.backoff.ms} up to
 * {@value #NODE_BACKOFF_MS_MAX} ms).
 *
 * <p><b>Threading:</b> everything here except {@link #wakeup}, {@link #initiateClose}, {@link #forceClose},
 * {@link #requestMetadataUpdate} and {@link #fatalError} runs on the sender thread, which alone owns the
 * in-flight state and the {@link IdempotenceManager}. The completion queue holds at most one entry per
 * call in flight: {@code max.in.flight.requests.per.connection} produce requests per broker, one metadata
 * request and one InitProducerId.
 *
 * <p><b>Ordering:</b> a partition has at most one request in flight (it is "muted" until the answer):
 * gRPC may serve two calls on one channel in any order, so this is what keeps a partition's records in
 * send order across retries. A request carries a partition's queued batches that fit; an idempotent
 * producer sends at most {@code max.in.flight.requests.per.connection} (≤ 5) of them at once and resends a
 * batch whose outcome is unknown alone (see {@link IdempotenceManager}).
 *
 * <p><b>Errors:</b> retriable errors are retried after {@code retry.backoff.ms} while {@code retries} and
 * {@code delivery.timeout.ms} allow. A batch of several records refused as too large (RECORD_TOO_LARGE) is
 * split in two and both parts are sent again; a single record too large fails with the broker's message.
 * A non-retriable error for a request entry of several batches cannot be pinned to one of them, so each is
 * sent again alone to find out.
 */
public final class Sender implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    /** Longest a broker whose call failed is avoided for metadata and InitProducerId. */
    static final long NODE_BACKOFF_MS_MAX = 1_000;

    /** The settings the loop obeys (producer config names in the comments). */
    public record Settings(int acks, int requestTimeoutMs, int maxInFlightPerBroker, int maxRequestSizeBytes,
                           int retries, long retryBackoffMs, long deliveryTimeoutMs, long metadataMaxAgeMs) {
    }

    /** A broker address whose calls failed lately, and until when it is avoided. */
    private static final class NodeBackoff {
        int failures;
        long untilMs;
    }

    private final RecordAccumulator accumulator;
    private final ClusterMetadata metadata;
    private final ChannelPool channels;
    private final Settings settings;
    private final Set<String> topics;
    private final IdempotenceManager idempotence;
    private final RecordAccumulator.DrainPolicy policy;
    private final ProducerMetricsRecorder metrics;
    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Integer> inFlightByNode = new HashMap<>();
    private final Map<BrokerAddress, Integer> inFlightByAddress = new HashMap<>();
    private final Map<BrokerAddress, NodeBackoff> backoffs = new HashMap<>();
    private final Set<TopicPartition> muted = new HashSet<>();
    private final Set<ProducerBatch> inFlightBatches = new HashSet<>();
    private final Set<String> topicsNeedingMetadata = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private boolean wakeupPending;
    private volatile boolean running = true;
    private volatile boolean forceClose;
    private volatile ApiException fatalError;
    private long lastMetadataAttemptMs = -1;
    private boolean metadataInFlight;
    private long lastProducerIdAttemptMs = -1;
    private boolean producerIdInFlight;
    private int nextNode;

    /**
     * @param topics      the producer's topics (added by sends; read here to refresh their metadata periodically)
     * @param idempotence the idempotent producer's bookkeeping, or null when idempotence is off
     */
    public Sender(RecordAccumulator accumulator, ClusterMetadata metadata, ChannelPool channels, Settings settings,
                  Set<String> topics, IdempotenceManager idempotence, ProducerMetricsRecorder metrics) {
        this.accumulator = accumulator;
        this.metadata = metadata;
        this.channels = channels;
        this.settings = settings;
        this.topics = topics;
        this.idempotence = idempotence;
        this.policy = idempotence != null ? idempotence : RecordAccumulator.DrainPolicy.ALL;
        this.metrics = metrics;
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
        if (fatalError != null) {
            for (ProducerBatch batch : accumulator.drainAll()) {
                fail(batch, fatalError);
            }
        }
        maybeRefreshMetadata(nowMs);
        if (idempotence != null) {
            idempotence.checkUnresolved();
            if (idempotence.bumpRequested() && idempotence.partitionsToRewrite().stream().noneMatch(muted::contains)) {
                idempotence.bumpEpoch();
                LOG.info("producer epoch bumped to {} (sequences restart at 0)", idempotence.producerIdAndEpoch());
            }
            maybeInitProducerId(nowMs);
        }
        ClusterMetadata.Snapshot cluster = metadata.snapshot();
        for (ProducerBatch batch : accumulator.expiredBatches(nowMs)) {
            fail(batch, ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "expiring " + batch.recordCount()
                    + " record(s) for " + batch.topicPartition + ": " + (nowMs - batch.createdMs)
                    + " ms has passed since batch creation (delivery.timeout.ms " + settings.deliveryTimeoutMs() + ")"));
        }
        RecordAccumulator.ReadyCheck ready = accumulator.ready(cluster, muted, policy, nowMs);
        if (!ready.unknownLeaderTopics().isEmpty()) {
            topicsNeedingMetadata.addAll(ready.unknownLeaderTopics());
        }
        Set<Integer> sendable = new HashSet<>();
        for (int node : ready.readyNodes()) {
            if (inFlightByNode.getOrDefault(node, 0) < settings.maxInFlightPerBroker()) {
                sendable.add(node);
            }
        }
        Map<Integer, List<ProducerBatch>> drained = accumulator.drain(cluster, sendable, muted, policy,
                settings.maxRequestSizeBytes(), nowMs);
        for (Map.Entry<Integer, List<ProducerBatch>> entry : drained.entrySet()) {
            send(cluster.brokers().get(entry.getKey()), entry.getValue(), nowMs);
        }
        if (!drained.isEmpty()) {
            return;
        }
        if (!running && inFlightBatches.isEmpty() && !accumulator.hasUndrained()) {
            return; // closing and nothing left: let run() end instead of waiting for work that cannot come
        }
        long waitMs = ready.nextReadyCheckDelayMs();
        boolean waitingForProducerId = idempotence != null && idempotence.needsProducerId() && !producerIdInFlight;
        if (!topicsNeedingMetadata.isEmpty() || waitingForProducerId) {
            waitMs = Math.min(waitMs, settings.retryBackoffMs());
        }
        waitMs = Math.min(waitMs, Math.max(1, settings.metadataMaxAgeMs()));
        awaitWork(waitMs);
    }

    // ---- brokers for metadata and producer ids ------------------------------------------------------

    /**
     * The broker with the fewest produce requests in flight among those not avoided after a failure (known
     * brokers, then bootstrap addresses; ties go round-robin), or null when all are avoided for now.
     */
    private BrokerAddress leastLoadedNode(long nowMs) {
        List<BrokerAddress> candidates = metadata.candidates();
        if (candidates.isEmpty()) {
            return null;
        }
        int start = Math.floorMod(nextNode++, candidates.size());
        BrokerAddress best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (int i = 0; i < candidates.size(); i++) {
            BrokerAddress address = candidates.get((start + i) % candidates.size());
            NodeBackoff backoff = backoffs.get(address);
            if (backoff != null && backoff.untilMs > nowMs) {
                continue;
            }
            int load = inFlightByAddress.getOrDefault(address, 0);
            if (load < bestLoad) {
                best = address;
                bestLoad = load;
            }
        }
        return best;
    }

    private void markFailed(BrokerAddress address, long nowMs) {
        NodeBackoff backoff = backoffs.computeIfAbsent(address, a -> new NodeBackoff());
        backoff.failures = Math.min(backoff.failures + 1, 30);
        long delayMs = Math.min(NODE_BACKOFF_MS_MAX, Math.max(1, settings.retryBackoffMs()) << Math.min(backoff.failures - 1, 20));
        backoff.untilMs = nowMs + delayMs;
        // Bounded: only addresses the cluster and bootstrap list name get entries.
        if (backoffs.size() > 1024) {
            backoffs.clear();
        }
    }

    private void markAnswered(BrokerAddress address) {
        backoffs.remove(address);
    }

    // ---- metadata -----------------------------------------------------------------------------------

    private void maybeRefreshMetadata(long nowMs) {
        if (metadataInFlight) {
            return;
        }
        boolean requested = !topicsNeedingMetadata.isEmpty();
        boolean stale = nowMs - metadata.snapshot().updatedMs() >= settings.metadataMaxAgeMs();
        if (!(requested || stale) || topics.isEmpty() && !requested) {
            return;
        }
        if (lastMetadataAttemptMs >= 0 && nowMs - lastMetadataAttemptMs < settings.retryBackoffMs()) {
            return;
        }
        BrokerAddress address = leastLoadedNode(nowMs);
        if (address == null) {
            return;
        }
        lastMetadataAttemptMs = nowMs;
        Set<String> wanted = new HashSet<>(topics);
        wanted.addAll(topicsNeedingMetadata);
        topicsNeedingMetadata.clear();
        metadataInFlight = true;
        MetadataServiceGrpc.newStub(channels.channel(address))
                .withDeadlineAfter(settings.requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .getMetadata(ClusterMetadata.request(wanted, false, true),
                        answerOnce((response, failure) -> onMetadata(address, wanted, response, failure)));
    }

    private void onMetadata(BrokerAddress address, Set<String> wanted, MetadataResponse response, Throwable failure) {
        metadataInFlight = false;
        if (failure != null) {
            LOG.debug("metadata request to {} failed: {}", address, failure.toString());
            markFailed(address, System.currentTimeMillis());
            topicsNeedingMetadata.addAll(wanted);
            return;
        }
        markAnswered(address);
        metadata.update(response, false);
    }

    // ---- producer id --------------------------------------------------------------------------------

    private void maybeInitProducerId(long nowMs) {
        if (!idempotence.needsProducerId() || producerIdInFlight || fatalError != null) {
            return;
        }
        if (lastProducerIdAttemptMs >= 0 && nowMs - lastProducerIdAttemptMs < settings.retryBackoffMs()) {
            return;
        }
        BrokerAddress address = leastLoadedNode(nowMs);
        if (address == null) {
            return;
        }
        lastProducerIdAttemptMs = nowMs;
        producerIdInFlight = true;
        TransactionServiceGrpc.newStub(channels.channel(address))
                .withDeadlineAfter(settings.requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .initProducerId(InitProducerIdRequest.newBuilder().setProducerId(-1).setProducerEpoch(-1).build(),
                        answerOnce((response, failure) -> onProducerId(address, response, failure)));
    }

    private void onProducerId(BrokerAddress address, InitProducerIdResponse response, Throwable failure) {
        producerIdInFlight = false;
        ApiException error;
        if (failure != null) {
            error = GrpcErrors.toApiException(failure, "InitProducerId to broker at " + address.host() + ":" + address.port(),
                    "request.timeout.ms (" + settings.requestTimeoutMs() + " ms)");
            markFailed(address, System.currentTimeMillis());
        } else if (response.getError() == ErrorCode.NONE) {
            markAnswered(address);
            idempotence.setProducerIdAndEpoch(response.getProducerId(), (short) response.getProducerEpoch());
            LOG.debug("producer id {} epoch {}", response.getProducerId(), response.getProducerEpoch());
            return;
        } else {
            error = ApiException.of(response.getError(), response.getErrorMessage());
        }
        if (error.isRetriable() || error.code() == ErrorCode.NETWORK_EXCEPTION) {
            LOG.debug("InitProducerId failed, retrying: {}", error.toString());
            return;
        }
        // The broker cannot give this producer an id (an old broker without idempotence, say): nothing it
        // sends could be written, so every send fails with the reason.
        fatalError = ApiException.of(error.code(), "the idempotent producer cannot get a producer id: "
                + error.getMessage() + "; set enable.idempotence=false to produce without one", error);
        LOG.error("{}", fatalError.getMessage());
    }

    /** The producer's unrecoverable error, if any: every send fails with it. Any thread. */
    public ApiException fatalError() {
        return fatalError;
    }

    // ---- produce ------------------------------------------------------------------------------------

    private void send(Node node, List<ProducerBatch> batches, long nowMs) {
        Map<String, Map<Integer, List<ProducerBatch>>> byTopic = new LinkedHashMap<>();
        for (ProducerBatch batch : batches) {
            byTopic.computeIfAbsent(batch.topicPartition.topic(), t -> new LinkedHashMap<>())
                    .computeIfAbsent(batch.topicPartition.partition(), p -> new ArrayList<>()).add(batch);
        }
        ProduceRequest.Builder request = ProduceRequest.newBuilder()
                .setAcks(settings.acks())
                .setTimeoutMs(settings.requestTimeoutMs());
        int records = 0;
        long bytes = 0;
        for (Map.Entry<String, Map<Integer, List<ProducerBatch>>> topic : byTopic.entrySet()) {
            TopicProduceData.Builder data = TopicProduceData.newBuilder().setTopic(topic.getKey());
            for (Map.Entry<Integer, List<ProducerBatch>> partition : topic.getValue().entrySet()) {
                ByteString recordBytes = ByteString.EMPTY;
                for (ProducerBatch batch : partition.getValue()) {
                    // Wrapped, not copied; several batches of a partition are joined as a rope (no copy either).
                    ByteString batchBytes = UnsafeByteOperations.unsafeWrap(batch.close());
                    recordBytes = recordBytes.concat(batchBytes);
                    metrics.batchSent(batch, batchBytes.size(), nowMs - batch.createdMs, !batch.drained);
                    batch.drained = true;
                    records += batch.recordCount();
                    bytes += batchBytes.size();
                }
                data.addPartitions(PartitionProduceData.newBuilder()
                        .setPartition(partition.getKey()).setRecords(recordBytes));
            }
            request.addTopics(data);
        }
        BrokerAddress address = ClusterMetadata.address(node);
        ProduceServiceGrpc.ProduceServiceStub stub = ProduceServiceGrpc.newStub(channels.channel(address))
                .withDeadlineAfter(settings.requestTimeoutMs(), TimeUnit.MILLISECONDS);
        metrics.requestSent(records, bytes);
        if (settings.acks() == 0) {
            // acks=0: done once handed to the transport; the answer is not awaited and offsets are unknown.
            stub.produce(request.build(), new IgnoringObserver<>());
            metrics.requestCompleted(0);
            for (ProducerBatch batch : batches) {
                complete(batch, -1, -1);
            }
            return;
        }
        inFlightByNode.merge(node.id(), 1, Integer::sum);
        inFlightByAddress.merge(address, 1, Integer::sum);
        inFlightBatches.addAll(batches);
        for (Map<Integer, List<ProducerBatch>> partitions : byTopic.values()) {
            for (List<ProducerBatch> list : partitions.values()) {
                muted.add(list.get(0).topicPartition);
            }
        }
        long sentNs = System.nanoTime();
        stub.produce(request.build(), answerOnce((response, failure) -> handleAnswer(node, address, sentNs, byTopic,
                response, failure)));
    }

    /** A unary call's observer that posts its first outcome (answer or failure) to the sender thread. */
    private <T> StreamObserver<T> answerOnce(java.util.function.BiConsumer<T, Throwable> handler) {
        AtomicBoolean answered = new AtomicBoolean();
        return new StreamObserver<>() {
            @Override
            public void onNext(T response) {
                if (answered.compareAndSet(false, true)) {
                    post(() -> handler.accept(response, null));
                }
            }

            @Override
            public void onError(Throwable t) {
                if (answered.compareAndSet(false, true)) {
                    post(() -> handler.accept(null, t));
                }
            }

            @Override
            public void onCompleted() {
                if (answered.compareAndSet(false, true)) {
                    post(() -> handler.accept(null, ApiException.of(ErrorCode.UNKNOWN_SERVER_ERROR,
                            "call ended without an answer")));
                }
            }
        };
    }

    private void post(Runnable completion) {
        completions.add(completion);
        wakeup();
    }

    private void handleAnswer(Node node, BrokerAddress address, long sentNs, Map<String, Map<Integer, List<ProducerBatch>>> byTopic,
                              ProduceResponse response, Throwable failure) {
        inFlightByNode.merge(node.id(), -1, Integer::sum);
        inFlightByAddress.merge(address, -1, Integer::sum);
        metrics.requestCompleted(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentNs));
        long nowMs = System.currentTimeMillis();
        Map<TopicPartition, PartitionProduceResponse> answers = new HashMap<>();
        ApiException callError = null;
        if (failure != null) {
            callError = GrpcErrors.toApiException(failure, "produce request to broker " + node.id() + " at " + node.host()
                    + ":" + node.port(), "request.timeout.ms (" + settings.requestTimeoutMs() + " ms)");
            LOG.debug("produce request to broker {} failed: {}", node, callError.toString());
            if (callError.code() == ErrorCode.NETWORK_EXCEPTION || callError.code() == ErrorCode.REQUEST_TIMED_OUT) {
                markFailed(address, nowMs);
            }
        } else {
            markAnswered(address);
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
                    // The request may have reached the broker and been appended before the call failed.
                    completeOrRetry(batches, callError.code(), callError.getMessage(), null, nowMs, failure, true);
                    continue;
                }
                PartitionProduceResponse answer = answers.get(tp);
                if (answer == null) {
                    completeOrRetry(batches, ErrorCode.UNKNOWN_SERVER_ERROR, "the broker did not answer for " + tp,
                            null, nowMs, null, true);
                } else if (answer.getError() == ErrorCode.NONE) {
                    long offset = answer.getBaseOffset();
                    for (ProducerBatch batch : batches) {
                        complete(batch, offset, answer.getLogAppendTimeMs());
                        // Batches of one request are appended back to back, so offsets continue.
                        offset += batch.recordCount();
                    }
                } else {
                    // The broker says the batches are not in the log, except for these two: appended, not yet replicated.
                    boolean maybeAppended = answer.getError() == ErrorCode.REQUEST_TIMED_OUT
                            || answer.getError() == ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
                    completeOrRetry(batches, answer.getError(), answer.getErrorMessage(),
                            answer.hasCurrentLeader() ? answer.getCurrentLeader() : null, nowMs, null, maybeAppended);
                }
            }
        }
    }

    /**
     * Retries, splits or fails the batches of one partition entry that was not acknowledged.
     *
     * @param cause         the transport failure behind {@code message}, kept for stack traces (--verbose); may be null
     * @param maybeAppended whether the broker may have appended them despite the error
     */
    private void completeOrRetry(List<ProducerBatch> batches, ErrorCode code, String message, CurrentLeader hint,
                                 long nowMs, Throwable cause, boolean maybeAppended) {
        TopicPartition tp = batches.get(0).topicPartition;
        if (Errors.invalidatesMetadata(code)) {
            metadata.applyLeaderHint(tp, hint);
            topicsNeedingMetadata.add(tp.topic());
        }
        if (maybeAppended) {
            batches.forEach(b -> b.maybeAppended = true);
        }
        String detail = message == null || message.isEmpty() ? code.name() : message;
        ProducerBatch first = batches.get(0);
        boolean sequenceError = idempotence != null
                && (code == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code == ErrorCode.UNKNOWN_PRODUCER_ID);
        boolean retriable = Errors.isRetriable(code) || sequenceError;
        boolean attemptsLeft = first.attempts < settings.retries();
        boolean timeLeft = nowMs + settings.retryBackoffMs() < first.createdMs + settings.deliveryTimeoutMs();
        boolean mayGoAgain = timeLeft && !forceClose;
        if (batches.size() > 1 && !retriable && mayGoAgain) {
            // The error may be about any one of them (too large, invalid): each goes again alone to find out.
            LOG.debug("{} for {} batches of {}: sending each alone", code, batches.size(), tp);
            batches.forEach(b -> b.sendAlone = true);
            metrics.retried(batches.stream().mapToInt(ProducerBatch::recordCount).sum());
            accumulator.reenqueue(batches, nowMs);
            return;
        }
        if (batches.size() == 1 && code == ErrorCode.RECORD_TOO_LARGE && first.recordCount() > 1 && mayGoAgain) {
            split(first, nowMs);
            return;
        }
        if (code == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && idempotence != null) {
            idempotence.onOutOfOrderSequence(first);
        } else if (code == ErrorCode.UNKNOWN_PRODUCER_ID && idempotence != null) {
            idempotence.onUnknownProducerId(first);
        }
        if (retriable && attemptsLeft && mayGoAgain) {
            LOG.debug("retrying {} batch(es) of {} after {} (attempt {})", batches.size(), tp, code, first.attempts + 1);
            metrics.retried(batches.stream().mapToInt(ProducerBatch::recordCount).sum());
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

    /** Splits a batch the broker found too large into two and queues both, in its place. */
    private void split(ProducerBatch batch, long nowMs) {
        List<ProducerBatch> parts = batch.split(accumulator.splitSpec());
        if (idempotence != null) {
            idempotence.onSplit(batch, parts);
        }
        metrics.split();
        LOG.debug("split a batch for {} the broker found too large into {} and {} records", batch.topicPartition,
                parts.get(0).recordCount(), parts.get(1).recordCount());
        accumulator.splitAndReenqueue(batch, parts);
    }

    private void complete(ProducerBatch batch, long baseOffset, long logAppendTimeMs) {
        if (idempotence != null) {
            idempotence.onSuccess(batch);
        }
        batch.complete(baseOffset, logAppendTimeMs);
        accumulator.deallocate(batch);
    }

    private void fail(ProducerBatch batch, ApiException error) {
        if (idempotence != null) {
            idempotence.onFinalFailure(batch);
        }
        metrics.failed(batch.recordCount());
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

    /** Requests in flight per broker id (tests). */
    int inFlightRequests(int nodeId) {
        return inFlightByNode.getOrDefault(nodeId, 0);
    }

    private static final class IgnoringObserver<T> implements StreamObserver<T> {
        @Override
        public void onNext(T value) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }
}
