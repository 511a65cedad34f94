package io.runnel.client.internal;

import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.runnel.client.Node;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.rpc.AliasingProtos;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartition;
import io.runnel.proto.FetchPartitionResponse;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.FetchResponse;
import io.runnel.proto.FetchServiceGrpc;
import io.runnel.proto.FetchTopic;
import io.runnel.proto.FetchTopicResponse;
import io.runnel.proto.IsolationLevel;
import io.runnel.proto.ListOffsetsPartition;
import io.runnel.proto.ListOffsetsPartitionResponse;
import io.runnel.proto.ListOffsetsRequest;
import io.runnel.proto.ListOffsetsResponse;
import io.runnel.proto.ListOffsetsTopic;
import io.runnel.proto.ListOffsetsTopicResponse;
import java.util.ArrayList;
import java.util.HashMap;
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

/**
 * The consumer's network side: sends at most one Fetch per broker at a time (asynchronously, so the next
 * records arrive while the application processes the last ones) and collects the per-partition answers
 * in a queue for the consumer's thread; looks offsets up with ListOffsets (blocking).
 *
 * <p>Threading: {@link #sendFetches}, {@link #pollCompleted}, {@link #release} and {@link #listOffsets}
 * run on the consumer's thread; answers arrive on gRPC transport threads and are only queued. The queue
 * holds at most one entry per partition (a partition is not fetched again until its entry is
 * {@link #release}d), so it is bounded by the assignment; each entry is bounded by
 * {@code max.partition.fetch.bytes} and each response by {@code fetch.max.bytes}.
 */
public final class Fetcher {

    /** Fetch, with answers parsed by {@link AliasingProtos}: the records are copied once on arrival, not twice. */
    private static final MethodDescriptor<FetchRequest, FetchResponse> FETCH_METHOD = FetchServiceGrpc.getFetchMethod()
            .toBuilder(FetchServiceGrpc.getFetchMethod().getRequestMarshaller(),
                    AliasingProtos.marshaller(FetchResponse.getDefaultInstance()))
            .build();

    /** One partition's part of a fetch answer, or the call's failure for that partition. */
    public record CompletedFetch(TopicPartition partition, long fetchOffset, FetchPartitionResponse response,
                                 ApiException callError) {
    }

    /** The settings fetches obey (consumer config names). */
    public record Settings(int minBytes, int maxWaitMs, int maxBytes, int maxPartitionBytes,
                           IsolationLevel isolation, int requestTimeoutMs, String clientRack) {
    }

    private final ChannelPool channels;
    private final Settings settings;
    private final ConcurrentLinkedQueue<CompletedFetch> completed = new ConcurrentLinkedQueue<>();
    private final Set<Integer> nodesWithFetchInFlight = ConcurrentHashMap.newKeySet();
    private final Set<TopicPartition> pendingPartitions = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Long> nodeBackoffUntilMs = new ConcurrentHashMap<>();
    private final long retryBackoffMs;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private boolean signalPending;

    public Fetcher(ChannelPool channels, Settings settings, long retryBackoffMs) {
        this.channels = channels;
        this.settings = settings;
        this.retryBackoffMs = retryBackoffMs;
    }

    /**
     * Sends one Fetch to each leader that has none in flight, for its partitions in {@code positions} that
     * have no answer waiting. Returns the partitions whose leader is unknown.
     */
    public List<TopicPartition> sendFetches(ClusterMetadata.Snapshot cluster, Map<TopicPartition, Long> positions) {
        List<TopicPartition> leaderless = new ArrayList<>();
        Map<Node, Map<TopicPartition, Long>> byNode = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Long> entry : positions.entrySet()) {
            TopicPartition tp = entry.getKey();
            if (pendingPartitions.contains(tp)) {
                continue;
            }
            Node leader = cluster.leader(tp);
            if (leader == null) {
                leaderless.add(tp);
                continue;
            }
            Long backoffUntilMs = nodeBackoffUntilMs.get(leader.id());
            if (nodesWithFetchInFlight.contains(leader.id())
                    || backoffUntilMs != null && backoffUntilMs > System.currentTimeMillis()) {
                continue;
            }
            byNode.computeIfAbsent(leader, n -> new LinkedHashMap<>()).put(tp, entry.getValue());
        }
        for (Map.Entry<Node, Map<TopicPartition, Long>> entry : byNode.entrySet()) {
            send(entry.getKey(), entry.getValue(), cluster);
        }
        return leaderless;
    }

    private void send(Node node, Map<TopicPartition, Long> partitions, ClusterMetadata.Snapshot cluster) {
        Map<String, FetchTopic.Builder> topics = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Long> entry : partitions.entrySet()) {
            TopicPartition tp = entry.getKey();
            FetchPartition.Builder partition = FetchPartition.newBuilder()
                    .setPartition(tp.partition())
                    .setFetchOffset(entry.getValue())
                    .setPartitionMaxBytes(settings.maxPartitionBytes())
                    .setLogStartOffset(-1);
            int epoch = cluster.leaderEpoch(tp);
            if (epoch >= 0) {
                partition.setCurrentLeaderEpoch(epoch);
            }
            topics.computeIfAbsent(tp.topic(), t -> FetchTopic.newBuilder().setTopic(t)).addPartitions(partition);
        }
        FetchRequest.Builder request = FetchRequest.newBuilder()
                .setMaxWaitMs(settings.maxWaitMs())
                .setMinBytes(settings.minBytes())
                .setMaxBytes(settings.maxBytes())
                .setIsolationLevel(settings.isolation())
                .setClientRack(settings.clientRack());
        topics.values().forEach(request::addTopics);
        nodesWithFetchInFlight.add(node.id());
        pendingPartitions.addAll(partitions.keySet());
        AtomicBoolean answered = new AtomicBoolean();
        // The broker may hold the fetch for max.wait.ms before answering; the timeout comes on top.
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter((long) settings.maxWaitMs() + settings.requestTimeoutMs(),
                TimeUnit.MILLISECONDS);
        ClientCalls.asyncUnaryCall(channels.channel(ClusterMetadata.address(node)).newCall(FETCH_METHOD, options),
                request.build(), new StreamObserver<>() {
                    @Override
                    public void onNext(FetchResponse response) {
                        if (answered.compareAndSet(false, true)) {
                            onAnswer(node, partitions, response, null);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        if (answered.compareAndSet(false, true)) {
                            onAnswer(node, partitions, null, GrpcErrors.toApiException(t, "fetch from broker " + node.id()
                                    + " at " + node.host() + ":" + node.port(), "fetch.max.wait.ms + request.timeout.ms ("
                                    + ((long) settings.maxWaitMs() + settings.requestTimeoutMs()) + " ms)"));
                        }
                    }

                    @Override
                    public void onCompleted() {
                        if (answered.compareAndSet(false, true)) {
                            onAnswer(node, partitions, null,
                                    ApiException.of(ErrorCode.UNKNOWN_SERVER_ERROR, "fetch ended without an answer"));
                        }
                    }
                });
    }

    /** On a transport thread: queue one entry per requested partition, then free the node. */
    private void onAnswer(Node node, Map<TopicPartition, Long> partitions, FetchResponse response,
                          ApiException callError) {
        Map<TopicPartition, FetchPartitionResponse> answers = new HashMap<>();
        if (response != null) {
            for (FetchTopicResponse topic : response.getTopicsList()) {
                for (FetchPartitionResponse p : topic.getPartitionsList()) {
                    answers.put(new TopicPartition(topic.getTopic(), p.getPartition()), p);
                }
            }
        }
        for (Map.Entry<TopicPartition, Long> entry : partitions.entrySet()) {
            FetchPartitionResponse answer = answers.get(entry.getKey());
            if (callError == null && answer == null) {
                // The broker left this partition out (nothing to say): it may be fetched again at once.
                pendingPartitions.remove(entry.getKey());
                continue;
            }
            completed.add(new CompletedFetch(entry.getKey(), entry.getValue(), answer, callError));
        }
        if (callError != null) {
            // A failed call (broker down, timeout) is not repeated at once: that would spin.
            nodeBackoffUntilMs.put(node.id(), System.currentTimeMillis() + retryBackoffMs);
        }
        nodesWithFetchInFlight.remove(node.id());
        signal();
    }

    private void signal() {
        lock.lock();
        try {
            signalPending = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes a thread blocked in {@link #awaitCompleted} (for {@code wakeup}-style interruption). */
    public void wakeup() {
        signal();
    }

    /** The next queued answer, or null. The caller must {@link #release} its partition when done with it. */
    public CompletedFetch pollCompleted() {
        return completed.poll();
    }

    /** The partition may be fetched again (its answer was consumed or discarded). */
    public void release(TopicPartition tp) {
        pendingPartitions.remove(tp);
    }

    public boolean hasCompleted() {
        return !completed.isEmpty();
    }

    /** Waits up to {@code timeoutMs} for an answer (or a wakeup) since the last wait. */
    public void awaitCompleted(long timeoutMs) {
        lock.lock();
        try {
            if (!signalPending && completed.isEmpty() && timeoutMs > 0) {
                arrived.await(timeoutMs, TimeUnit.MILLISECONDS);
            }
            signalPending = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "interrupted while polling", e);
        } finally {
            lock.unlock();
        }
    }

    /** Offsets answered for one partition by ListOffsets: the offset, or an error. */
    public record ListedOffset(long offset, long timestamp, ErrorCode error, String errorMessage) {
    }

    /**
     * Looks up offsets for {@code timestamps} (-2 earliest, -1 latest, or a time in ms), one blocking call
     * per leader. Partitions whose leader is unknown or whose call failed are answered with an error.
     */
    public Map<TopicPartition, ListedOffset> listOffsets(ClusterMetadata.Snapshot cluster,
                                                         Map<TopicPartition, Long> timestamps, long timeoutMs) {
        Map<TopicPartition, ListedOffset> result = new HashMap<>();
        Map<Node, Map<String, ListOffsetsTopic.Builder>> byNode = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Long> entry : timestamps.entrySet()) {
            TopicPartition tp = entry.getKey();
            Node leader = cluster.leader(tp);
            if (leader == null) {
                result.put(tp, new ListedOffset(-1, -1, ErrorCode.LEADER_NOT_AVAILABLE, "no leader known for " + tp));
                continue;
            }
            byNode.computeIfAbsent(leader, n -> new LinkedHashMap<>())
                    .computeIfAbsent(tp.topic(), t -> ListOffsetsTopic.newBuilder().setTopic(t))
                    .addPartitions(ListOffsetsPartition.newBuilder().setPartition(tp.partition())
                            .setTimestamp(entry.getValue()));
        }
        long deadlineMs = System.currentTimeMillis() + timeoutMs;
        for (Map.Entry<Node, Map<String, ListOffsetsTopic.Builder>> entry : byNode.entrySet()) {
            ListOffsetsRequest.Builder request = ListOffsetsRequest.newBuilder()
                    .setIsolationLevel(settings.isolation());
            entry.getValue().values().forEach(request::addTopics);
            long remainingMs = Math.max(1, deadlineMs - System.currentTimeMillis());
            try {
                ListOffsetsResponse response = FetchServiceGrpc.newBlockingStub(
                                channels.channel(ClusterMetadata.address(entry.getKey())))
                        .withDeadlineAfter(Math.min(remainingMs, settings.requestTimeoutMs()), TimeUnit.MILLISECONDS)
                        .listOffsets(request.build());
                for (ListOffsetsTopicResponse topic : response.getTopicsList()) {
                    for (ListOffsetsPartitionResponse p : topic.getPartitionsList()) {
                        result.put(new TopicPartition(topic.getTopic(), p.getPartition()),
                                new ListedOffset(p.getOffset(), p.getTimestamp(), p.getError(), p.getErrorMessage()));
                    }
                }
            } catch (StatusRuntimeException e) {
                Node node = entry.getKey();
                ApiException error = GrpcErrors.toApiException(e, "ListOffsets request to broker " + node.id() + " at "
                        + node.host() + ":" + node.port(), "request.timeout.ms (" + settings.requestTimeoutMs()
                        + " ms) or what was left of the call's " + timeoutMs + " ms");
                for (ListOffsetsTopic.Builder topic : entry.getValue().values()) {
                    for (ListOffsetsPartition p : topic.getPartitionsList()) {
                        result.put(new TopicPartition(topic.getTopic(), p.getPartition()),
                                new ListedOffset(-1, -1, error.code(), error.getMessage()));
                    }
                }
            }
        }
        for (TopicPartition tp : timestamps.keySet()) {
            result.putIfAbsent(tp, new ListedOffset(-1, -1, ErrorCode.UNKNOWN_SERVER_ERROR,
                    "the broker did not answer for " + tp));
        }
        return result;
    }
}
