package io.runnel.client.internal;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.client.Node;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.proto.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.GroupServiceGrpc;
import io.runnel.proto.TopicPartitions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer's membership of its group: one stream to the group's coordinator, held by a background thread
 * ({@code runnel-consumer-heartbeat | <client.id>}), over which it sends the subscription and the partitions
 * the consumer owns (every heartbeat interval and at once after a change) and receives its assignment.
 *
 * <p>The consumer's own thread reconciles: it reads the newest assignment ({@link #snapshot()}), gives up
 * what it must (rebalance listener, commit) and publishes what it owns now; new partitions are taken only
 * through {@link #acquire}, which succeeds only while the stream that delivered the assignment is still the
 * current one. Each stream's assignments are numbered; the heartbeat says which one the owned partitions
 * reflect, so the coordinator moves a partition only once this consumer provably gave it up.
 *
 * <p>Also here: {@code max.poll.interval.ms} (a consumer that does not poll that long leaves the group, and
 * the consumer's thread is told its partitions are lost), fencing (same), and coordinator moves (the
 * stream is opened again, with the same member id and epoch, at the new coordinator).
 *
 * <p>Thread-safe: the fields shared with the consumer's thread are guarded by this object's monitor; the
 * stream fields belong to the background thread. The stream delivers a bounded number of messages (one
 * per heartbeat, one per assignment change), handed to the background thread's queue.
 */
public final class GroupMembership implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupMembership.class);
    /** How often the background thread checks its timers. */
    private static final long TICK_MS = 50;

    /** What the membership needs to know, from the consumer's configuration. */
    public record Settings(String groupId, String instanceId, String clientId, String rackId, String assignor,
                           int sessionTimeoutMs, int maxPollIntervalMs, int heartbeatIntervalMs, long requestTimeoutMs,
                           long retryBackoffMs) {
    }

    /** An assignment received on stream {@code generation}, under {@code version}. Immutable. */
    public record Target(int generation, long version, int epoch, Set<TopicPartition> partitions) {
    }

    /** What the consumer's thread needs to reconcile, read atomically. */
    public record Snapshot(int memberEpoch, Target target, long reconciledVersion, int generation,
                           Set<TopicPartition> owned, boolean lost, ApiException fatal) {
    }

    private final Settings settings;
    private final String memberId = UUID.randomUUID().toString();
    private final GroupCoordinatorClient coordinators;
    private final ChannelPool channels;
    private final Runnable wakeConsumer;
    private final ScheduledExecutorService thread;

    // ---- guarded by this ----
    private List<String> topics;
    private Set<TopicPartition> owned = Set.of();
    private long reconciledVersion;
    private int generation;
    private Target target;
    private int memberEpoch;
    private boolean lost;
    private ApiException fatal;
    private long lastPollMs = System.currentTimeMillis();
    private boolean pollTimedOut;
    private boolean heartbeatNow;
    private boolean closed;

    // ---- background thread only ----
    private ClientCallStreamObserver<ConsumerGroupHeartbeatRequest> stream;
    private int streamGeneration;
    private long nextHeartbeatMs;
    private long heartbeatIntervalMs;
    private long reconnectAtMs;
    private long oldestUnansweredMs = -1;
    private CompletableFuture<Void> leaving;

    public GroupMembership(Settings settings, GroupCoordinatorClient coordinators, ChannelPool channels, Runnable wakeConsumer) {
        this.settings = settings;
        this.coordinators = coordinators;
        this.channels = channels;
        this.wakeConsumer = wakeConsumer;
        this.heartbeatIntervalMs = settings.heartbeatIntervalMs();
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "runnel-consumer-heartbeat | " + settings.clientId());
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::tickSafely, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    public String memberId() {
        return memberId;
    }

    public synchronized int memberEpoch() {
        return memberEpoch;
    }

    // ==== the consumer's thread ======================================================================

    /** Subscribes (or changes the subscription): joins the group if not a member yet. */
    public synchronized void subscribe(Collection<String> newTopics) {
        List<String> sorted = List.copyOf(new TreeSet<>(newTopics));
        if (sorted.equals(topics)) {
            return;
        }
        topics = sorted;
        lastPollMs = System.currentTimeMillis();
        heartbeatNow = true;
        wake();
    }

    public synchronized boolean isSubscribed() {
        return topics != null;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(memberEpoch, target, reconciledVersion, generation, owned, lost, fatal);
    }

    /** The consumer polled: restarts the max.poll.interval.ms clock. */
    public synchronized void onPoll(long nowMs) {
        lastPollMs = nowMs;
    }

    /** The consumer gave up partitions (revocation done): the coordinator hears of it at once. */
    public synchronized void release(Set<TopicPartition> remaining) {
        owned = Set.copyOf(remaining);
        heartbeatNow = true;
        wake();
    }

    /**
     * The consumer wants to own {@code next}, reconciling assignment {@code version} of stream {@code forGeneration}.
     * Succeeds only if that stream is still the current one; then the next heartbeat acknowledges the version.
     */
    public synchronized boolean acquire(int forGeneration, long version, Set<TopicPartition> next) {
        if (forGeneration != generation || target == null || target.version() != version || lost) {
            return false;
        }
        owned = Set.copyOf(next);
        reconciledVersion = version;
        heartbeatNow = true;
        wake();
        return true;
    }

    /** The consumer gave up every partition after a loss: the membership joins again. */
    public synchronized void lossHandled() {
        owned = Set.of();
        lost = false;
        memberEpoch = 0;
        pollTimedOut = false;
        target = null;
        heartbeatNow = true;
        lastPollMs = System.currentTimeMillis();
        wake();
    }

    /**
     * Leaves the group (epoch -1; -2 for a static member when {@code temporarily}), waiting up to
     * {@code timeoutMs} for the coordinator's answer; then the membership is idle until the next subscribe.
     */
    public void leave(boolean temporarily, long timeoutMs) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        post(() -> sendLeave(temporarily && settings.instanceId() != null, done));
        try {
            done.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("Leaving group {} did not complete: {}", settings.groupId(), e.toString());
        }
        synchronized (this) {
            topics = null;
            owned = Set.of();
            target = null;
            memberEpoch = 0;
            reconciledVersion = 0;
        }
        post(this::closeStream);
    }

    private void wake() {
        post(this::tickSafely);
    }

    /** Hands work to the background thread; after close (the thread is gone) it is dropped. */
    private void post(Runnable work) {
        try {
            thread.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: the stream's last callbacks have nothing left to do
        }
    }

    // ==== the background thread ======================================================================

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("Group membership of {} in group {}: {}", settings.clientId(), settings.groupId(), e.toString());
            closeStream();
            reconnectAtMs = System.currentTimeMillis() + settings.retryBackoffMs();
        }
    }

    private void tick() {
        long nowMs = System.currentTimeMillis();
        boolean send;
        synchronized (this) {
            if (closed || topics == null || fatal != null) {
                return;
            }
            if (!pollTimedOut && (memberEpoch > 0 || !owned.isEmpty()) && nowMs - lastPollMs > settings.maxPollIntervalMs()) {
                LOG.warn("consumer {} did not poll within max.poll.interval.ms ({} ms): leaving group {}; its partitions "
                        + "{} are lost (poll less per loop, e.g. a smaller max.poll.records, or raise max.poll.interval.ms)",
                        settings.clientId(), settings.maxPollIntervalMs(), settings.groupId(), owned);
                pollTimedOut = true;
                lost = !owned.isEmpty();
                target = null;
                // Commits after this point carry the old member id, which the group no longer knows.
            }
            if (pollTimedOut) {
                if (stream != null) {
                    sendRequest(request(-1).build());
                    closeStream();
                }
                if (lost || nowMs - lastPollMs > settings.maxPollIntervalMs()) {
                    return;  // until the consumer polls and gives its partitions up
                }
                pollTimedOut = false;
                memberEpoch = 0;
            }
            if (lost) {
                return;  // the consumer gives its partitions up first, then the membership joins again
            }
            send = heartbeatNow || nowMs >= nextHeartbeatMs;
        }
        if (stream == null) {
            if (nowMs < reconnectAtMs) {
                return;
            }
            openStream(nowMs);
            send = true;
        }
        if (stream != null && oldestUnansweredMs >= 0 && nowMs - oldestUnansweredMs > settings.requestTimeoutMs()) {
            LOG.info("The coordinator of group {} did not answer for {} ms; looking for it again", settings.groupId(),
                    nowMs - oldestUnansweredMs);
            coordinators.invalidate();
            closeStream();
            reconnectAtMs = nowMs;
            return;
        }
        if (send && stream != null) {
            ConsumerGroupHeartbeatRequest request;
            synchronized (this) {
                heartbeatNow = false;
                request = request(memberEpoch).build();
            }
            sendRequest(request);
            nextHeartbeatMs = nowMs + heartbeatIntervalMs;
        }
    }

    /** The heartbeat as of now. Caller holds the monitor. */
    private ConsumerGroupHeartbeatRequest.Builder request(int epoch) {
        ConsumerGroupHeartbeatRequest.Builder request = ConsumerGroupHeartbeatRequest.newBuilder()
                .setGroupId(settings.groupId())
                .setMemberId(memberId)
                .setMemberEpoch(epoch)
                .setRackId(settings.rackId())
                .setRebalanceTimeoutMs(settings.maxPollIntervalMs())
                .setSessionTimeoutMs(settings.sessionTimeoutMs())
                .setServerAssignor(settings.assignor())
                .setClientId(settings.clientId())
                .addAllSubscribedTopicNames(topics == null ? List.of() : topics)
                .addAllOwnedPartitions(toProto(owned))
                .setAcknowledgedAssignmentVersion(reconciledVersion);
        if (settings.instanceId() != null) {
            request.setInstanceId(settings.instanceId());
        }
        return request;
    }

    private static List<TopicPartitions> toProto(Set<TopicPartition> partitions) {
        Map<String, TopicPartitions.Builder> byTopic = new TreeMap<>();
        for (TopicPartition tp : new TreeSet<>(partitions)) {
            byTopic.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t)).addPartitions(tp.partition());
        }
        List<TopicPartitions> list = new ArrayList<>();
        byTopic.values().forEach(b -> list.add(b.build()));
        return list;
    }

    private void sendRequest(ConsumerGroupHeartbeatRequest request) {
        try {
            stream.onNext(request);
            if (oldestUnansweredMs < 0) {
                oldestUnansweredMs = System.currentTimeMillis();
            }
        } catch (RuntimeException e) {
            closeStream();
        }
    }

    private void openStream(long nowMs) {
        Node node;
        try {
            node = coordinators.coordinator(nowMs + settings.requestTimeoutMs());
        } catch (ApiException e) {
            if (!GroupCoordinatorClient.coordinatorMoved(e.code()) && !e.isRetriable()) {
                fail(e);
            } else {
                reconnectAtMs = System.currentTimeMillis() + settings.retryBackoffMs();
            }
            return;
        }
        int current;
        synchronized (this) {
            // A new stream: what the old one delivered and the consumer has not acted on is dropped, and the
            // owned partitions are reported against this stream's assignments only.
            generation++;
            current = generation;
            target = null;
            reconciledVersion = 0;
        }
        streamGeneration = current;
        oldestUnansweredMs = -1;
        GroupServiceGrpc.newStub(channels.channel(ClusterMetadata.address(node))).consumerGroupStream(
                new ClientResponseObserver<ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<ConsumerGroupHeartbeatRequest> requests) {
                        stream = requests;
                    }

                    @Override
                    public void onNext(ConsumerGroupHeartbeatResponse message) {
                        post(() -> onMessage(current, message));
                    }

                    @Override
                    public void onError(Throwable t) {
                        post(() -> onStreamEnd(current, t));
                    }

                    @Override
                    public void onCompleted() {
                        post(() -> onStreamEnd(current, null));
                    }
                });
    }

    private void closeStream() {
        if (stream != null) {
            try {
                stream.cancel("the consumer closes its stream", null);
            } catch (RuntimeException e) {
                // already over
            }
            stream = null;
        }
        oldestUnansweredMs = -1;
    }

    private void onMessage(int forGeneration, ConsumerGroupHeartbeatResponse message) {
        if (forGeneration != streamGeneration) {
            return;
        }
        oldestUnansweredMs = -1;
        if (message.getError() != ErrorCode.NONE) {
            onError(message.getError(), message.getErrorMessage());
            return;
        }
        if (message.getMemberEpoch() < 0) {
            if (leaving != null) {
                leaving.complete(null);
            }
            return;
        }
        if (message.getHeartbeatIntervalMs() > 0) {
            heartbeatIntervalMs = message.getHeartbeatIntervalMs();
        }
        synchronized (this) {
            if (topics == null) {
                return;
            }
            memberEpoch = message.getMemberEpoch();
            if (message.hasAssignment()) {
                Set<TopicPartition> partitions = new TreeSet<>();
                for (TopicPartitions topic : message.getAssignment().getTopicsList()) {
                    for (int p : topic.getPartitionsList()) {
                        partitions.add(new TopicPartition(topic.getTopic(), p));
                    }
                }
                target = new Target(forGeneration, message.getAssignmentVersion(), memberEpoch,
                        Collections.unmodifiableSet(partitions));
            }
        }
        wakeConsumer.run();
    }

    private void onError(ErrorCode code, String text) {
        closeStream();
        switch (code) {
            case FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID -> {
                LOG.info("Consumer {} is no longer a member of group {} ({}: {}); its partitions are lost and it joins again",
                        settings.clientId(), settings.groupId(), code, text);
                synchronized (this) {
                    memberEpoch = 0;
                    target = null;
                    lost = !owned.isEmpty();
                }
                reconnectAtMs = System.currentTimeMillis();
                wakeConsumer.run();
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS -> {
                coordinators.invalidate();
                reconnectAtMs = System.currentTimeMillis() + settings.retryBackoffMs();
            }
            default -> fail(ApiException.of(code, text));
        }
    }

    private void fail(ApiException error) {
        LOG.error("Consumer {} cannot stay in group {}: {}", settings.clientId(), settings.groupId(), error.getMessage());
        synchronized (this) {
            fatal = error;
        }
        if (leaving != null) {
            leaving.complete(null);
        }
        wakeConsumer.run();
    }

    private void onStreamEnd(int forGeneration, Throwable error) {
        if (forGeneration != streamGeneration || stream == null) {
            return;
        }
        stream = null;
        oldestUnansweredMs = -1;
        if (leaving != null) {
            leaving.complete(null);
        }
        if (error != null) {
            coordinators.invalidate();
            LOG.debug("The stream to the coordinator of group {} broke: {}", settings.groupId(), error.toString());
        }
        reconnectAtMs = System.currentTimeMillis() + settings.retryBackoffMs();
    }

    private void sendLeave(boolean temporarily, CompletableFuture<Void> done) {
        int epoch;
        synchronized (this) {
            epoch = memberEpoch;
        }
        if (stream == null || epoch <= 0) {
            done.complete(null);
            return;
        }
        leaving = done;
        ConsumerGroupHeartbeatRequest request;
        synchronized (this) {
            request = request(temporarily ? -2 : -1).build();
        }
        sendRequest(request);
    }

    /** Stops the background thread and ends the stream (leave first with {@link #leave}). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        try {
            thread.submit(this::closeStream).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the thread is gone or stuck: shut it down anyway
        }
        thread.shutdownNow();
    }
}
