package io.runnel.metadata.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.grpc.stub.ClientResponseObserver;
import io.runnel.common.time.Time;
import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.server.QuorumVoters;
import io.runnel.proto.FetchMetadataRequest;
import io.runnel.proto.MetadataDelivery;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's (or tool's) copy of the metadata: subscribes to FetchMetadata on a controller (any
 * voter, leader or follower), applies each delivery to its {@link MetadataImage} with the same
 * {@link MetadataDelta} code the controllers use, and calls the registered publishers.
 *
 * <p>Resumption: after a stream error the loader subscribes again, to the next voter, from the last
 * offset it applied, with backoff ({@value #BACKOFF_MS_INITIAL} ms doubling to {@value #BACKOFF_MS_MAX}
 * ms). A delivery at or below the applied offset is ignored, so overlaps are harmless. A batch whose
 * replay fails is skipped whole, exactly as the controllers rejected it when they applied it.
 *
 * <p>Flow control: one delivery is requested at a time, so at most one is buffered in memory.
 *
 * <p>Thread-safety: everything that changes the image runs on the loader's single thread; the image
 * is published through a volatile field, readable from any thread.
 */
public final class MetadataLoader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataLoader.class);

    public static final long BACKOFF_MS_INITIAL = 100;
    /** How often the loader checks that it streams from the controller the channel knows as active. */
    static final long ACTIVE_CHECK_MS = 1000;
    public static final long BACKOFF_MS_MAX = 2000;

    private record Waiter(long offset, CompletableFuture<MetadataImage> future) {
    }

    private final ControllerChannel channel;
    private final int subscriberId;
    private final Time time;
    private final ScheduledExecutorService thread;
    private final List<MetadataPublisher> publishers = new CopyOnWriteArrayList<>();
    /** Loader thread only. */
    private final PriorityQueue<Waiter> waiters = new PriorityQueue<>((a, b) -> Long.compare(a.offset(), b.offset()));

    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile long lastAppliedTimeMs = -1;
    private volatile long committedOffset = -1;
    private volatile boolean closed;
    /** Loader thread only: where the next subscription starts and to which voter it goes. */
    private long resumeOffset = -1;
    private int voterIndex;
    /** Loader thread only: the current subscription went to the active controller. */
    private boolean subscribedToActive;
    /** Loader thread only: the last subscription to the active controller ended; try the others next. */
    private boolean activeFailed;
    /** Loader thread only: the controller the current subscription streams from. */
    private int currentVoterId = -1;
    private long backoffMs = BACKOFF_MS_INITIAL;
    private ClientCallStreamObserver<FetchMetadataRequest> call;
    private long subscription;

    /**
     * @param channel      the voters to subscribe to (its channels are reused)
     * @param subscriberId the broker id, or -1 for a tool
     */
    public MetadataLoader(ControllerChannel channel, int subscriberId, Time time) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.subscriberId = subscriberId;
        this.time = Objects.requireNonNull(time, "time");
        this.voterIndex = Math.max(0, subscriberId);
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "metadata-loader-" + subscriberId);
            t.setDaemon(true);
            return t;
        });
    }

    public void start() {
        thread.execute(this::subscribe);
        // A controller cut off from its peers keeps a stream open but never learns of new commits; the
        // channel learns who is active from heartbeats and admin calls, so follow it even when no
        // delivery arrives.
        thread.scheduleWithFixedDelay(this::moveToActiveController, ACTIVE_CHECK_MS, ACTIVE_CHECK_MS, TimeUnit.MILLISECONDS);
    }

    /** Adds a publisher; it first sees the next change after registration. */
    public void register(MetadataPublisher publisher) {
        publishers.add(Objects.requireNonNull(publisher, "publisher"));
    }

    public MetadataImage currentImage() {
        return image;
    }

    /** The offset of the current image: what the broker reports in its heartbeats. */
    public long appliedOffset() {
        return image.offset();
    }

    /** The newest committed offset the controller reported with the last delivery (for lag), -1 if none. */
    public long committedOffset() {
        return committedOffset;
    }

    /** Completes with the image once it includes {@code offset}; fails if the loader is closed first. */
    public CompletableFuture<MetadataImage> awaitOffset(long offset) {
        CompletableFuture<MetadataImage> future = new CompletableFuture<>();
        MetadataImage current = image;
        if (current.offset() >= offset) {
            future.complete(current);
            return future;
        }
        try {
            thread.execute(() -> {
                waiters.add(new Waiter(offset, future));
                completeWaiters();
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            future.completeExceptionally(new IllegalStateException("metadata loader is closed"));
        }
        return future;
    }

    // ---- loader thread ----

    private void subscribe() {
        if (closed) {
            return;
        }
        // Prefer the active controller: a follower controller learns that an entry is committed only
        // with the leader's next heartbeat (about half the election timeout), which would add that
        // much to every broker's propagation delay. Any voter serves when the active one is unknown.
        // After a failed attempt at the active controller, the next attempt goes round the voters, so
        // a stale hint never keeps the loader away from the quorum.
        java.util.OptionalInt active = channel.activeController();
        QuorumVoters.Voter voter = active.isPresent() && !activeFailed
                ? channel.voters().voter(active.getAsInt()).orElse(channel.voterAt(voterIndex))
                : channel.voterAt(voterIndex);
        subscribedToActive = active.isPresent() && !activeFailed;
        currentVoterId = voter.nodeId();
        long id = ++subscription;
        FetchMetadataRequest request = FetchMetadataRequest.newBuilder()
                .setSubscriberId(subscriberId).setFromOffset(resumeOffset).build();
        LOG.debug("subscriber {} fetches metadata from controller {} after offset {}", subscriberId,
                voter.nodeId(), resumeOffset);
        try {
            channel.asyncStub(voter.nodeId()).fetchMetadata(request, new Observer(id));
        } catch (RuntimeException e) {
            onStreamEnd(id, e);
        }
    }

    private final class Observer implements ClientResponseObserver<FetchMetadataRequest, MetadataDelivery> {
        private final long id;

        Observer(long id) {
            this.id = id;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<FetchMetadataRequest> requestStream) {
            requestStream.disableAutoRequestWithInitial(1);
            call = requestStream;
        }

        @Override
        public void onNext(MetadataDelivery delivery) {
            execute(() -> {
                if (id == subscription) {
                    apply(delivery);
                    backoffMs = BACKOFF_MS_INITIAL;
                    if (moveToActiveController()) {
                        return;
                    }
                    if (call != null) {
                        call.request(1);
                    }
                }
            });
        }

        @Override
        public void onError(Throwable t) {
            execute(() -> onStreamEnd(id, t));
        }

        @Override
        public void onCompleted() {
            execute(() -> onStreamEnd(id, null));
        }
    }

    private void execute(Runnable task) {
        try {
            thread.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            LOG.debug("metadata loader {} closed; dropping a stream event", subscriberId);
        }
    }

    /**
     * Moves the subscription to the active controller once it is known and differs from the one
     * streaming (a broker subscribes before it has met the active controller). Loader thread only.
     */
    private boolean moveToActiveController() {
        java.util.OptionalInt active = channel.activeController();
        if (closed || active.isEmpty() || active.getAsInt() == currentVoterId) {
            subscribedToActive |= active.isPresent() && active.getAsInt() == currentVoterId;
            return false;
        }
        LOG.debug("subscriber {} moves its metadata stream from controller {} to the active controller {}",
                subscriberId, currentVoterId, active.getAsInt());
        subscription++;
        if (call != null) {
            call.cancel("moving to the active controller", null);
        }
        activeFailed = false;
        subscribe();
        return true;
    }

    private void onStreamEnd(long id, Throwable error) {
        if (closed || id != subscription) {
            return;
        }
        LOG.info("metadata stream of subscriber {} from controller {} ended ({}); resubscribing in {} ms",
                subscriberId, currentVoterId, error == null ? "completed" : error.toString(),
                backoffMs);
        subscription++;
        activeFailed = subscribedToActive;
        if (!subscribedToActive) {
            voterIndex++;
        }
        long resubscription = subscription;
        // Skipped if something else (a move to the active controller) subscribed in the meantime.
        thread.schedule(() -> {
            if (subscription == resubscription) {
                subscribe();
            }
        }, backoffMs, TimeUnit.MILLISECONDS);
        backoffMs = Math.min(BACKOFF_MS_MAX, backoffMs * 2);
    }

    private void apply(MetadataDelivery delivery) {
        committedOffset = Math.max(committedOffset, delivery.getCommittedOffset());
        MetadataImage current = image;
        MetadataDelta delta;
        if (delivery.getIsSnapshot()) {
            delta = new MetadataDelta(MetadataImage.EMPTY);
        } else {
            if (delivery.getLastOffset() <= resumeOffset) {
                return;
            }
            delta = new MetadataDelta(current);
        }
        MetadataImage next;
        try {
            delta.replayAll(delivery.getRecordsList());
            next = delta.apply(delivery.getLastOffset());
        } catch (RuntimeException e) {
            if (delivery.getIsSnapshot()) {
                throw new IllegalStateException("metadata snapshot at offset " + delivery.getLastOffset()
                        + " does not replay", e);
            }
            LOG.warn("subscriber {} skips metadata batch at offset {}, rejected as on the controllers: {}",
                    subscriberId, delivery.getLastOffset(), e.getMessage());
            resumeOffset = delivery.getLastOffset();
            return;
        }
        resumeOffset = delivery.getLastOffset();
        for (MetadataPublisher publisher : publishers) {
            try {
                publisher.onMetadataUpdate(delta, next);
            } catch (RuntimeException e) {
                LOG.error("metadata publisher {} failed at offset {}", publisher, next.offset(), e);
            }
        }
        // Published only once every publisher has acted on it: a reader of currentImage() or a waiter of
        // awaitOffset() (a broker's RPCs) never sees a change the broker is not serving yet, and the
        // applied offset reported in heartbeats is one the broker has acted on.
        image = next;
        lastAppliedTimeMs = time.milliseconds();
        completeWaiters();
    }

    private void completeWaiters() {
        MetadataImage current = image;
        while (!waiters.isEmpty() && waiters.peek().offset() <= current.offset()) {
            waiters.poll().future().complete(current);
        }
    }

    /**
     * Registers the broker's metadata gauges (Kafka's broker-metadata-metrics):
     * {@code runnel.broker.metadata.last.applied.record.offset} and {@code runnel.broker.metadata.lag}
     * (records behind the controller's committed offset, as the last delivery told it).
     */
    public void bindMetrics(MeterRegistry registry) {
        Gauge.builder("runnel.broker.metadata.last.applied.record.offset", this, MetadataLoader::appliedOffset)
                .description("offset of this broker's metadata image (last-applied-record-offset)").register(registry);
        Gauge.builder("runnel.broker.metadata.lag", this, l -> Math.max(0, l.committedOffset() - l.appliedOffset()))
                .description("metadata offsets this broker is behind the controller's committed offset").register(registry);
    }

    /** Wall-clock time of the last applied change, -1 before the first. */
    public long lastAppliedTimeMs() {
        return lastAppliedTimeMs;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                subscription++;
                if (call != null) {
                    call.cancel("metadata loader closed", null);
                }
                List<Waiter> pending = new ArrayList<>(waiters);
                waiters.clear();
                pending.forEach(w -> w.future().completeExceptionally(
                        new IllegalStateException("metadata loader closed before offset " + w.offset())));
                done.complete(null);
            });
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("metadata loader {} closing", subscriberId, e);
        }
        thread.shutdownNow();
    }
}
