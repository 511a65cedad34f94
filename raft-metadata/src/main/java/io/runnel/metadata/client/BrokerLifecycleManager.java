package io.runnel.metadata.client;

import io.runnel.common.errors.ApiException;
import io.runnel.common.time.Time;
import io.runnel.proto.BrokerHeartbeatRequest;
import io.runnel.proto.BrokerHeartbeatResponse;
import io.runnel.proto.Endpoint;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.RegisterBrokerRequest;
import io.runnel.proto.RegisterBrokerResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's side of its session with the active controller: registration, a heartbeat every
 * {@code broker.heartbeat.interval.ms} reporting the metadata offset the broker applied, and
 * controlled shutdown.
 *
 * <p>States and transitions:
 * <pre>
 *   REGISTERING  --RegisterBroker ok-----------------------&gt; FENCED
 *   FENCED       --heartbeat: is_fenced=false--------------&gt; RUNNING
 *   RUNNING      --heartbeat: is_fenced=true---------------&gt; FENCED
 *   FENCED, RUNNING --controlledShutdown()-----------------&gt; PENDING_CONTROLLED_SHUTDOWN
 *   PENDING_CONTROLLED_SHUTDOWN --should_shut_down---------&gt; SHUTDOWN
 *   any but SHUTDOWN --STALE_BROKER_EPOCH / BROKER_ID_NOT_REGISTERED--&gt; REGISTERING
 *   any          --close()---------------------------------&gt; SHUTDOWN
 * </pre>
 * A controlled shutdown that is asked for while REGISTERING has nothing to move and ends at once. A
 * registration refused for good (INCONSISTENT_CLUSTER_ID, INVALID_REGISTRATION) ends in SHUTDOWN and
 * fails {@link #awaitUnfenced}; DUPLICATE_BROKER_REGISTRATION is retried until the previous
 * incarnation's session expires.
 *
 * <p>Thread-safety: the session runs on one thread of its own; the public methods are thread-safe.
 */
public final class BrokerLifecycleManager implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerLifecycleManager.class);

    public static final long HEARTBEAT_INTERVAL_MS_DEFAULT = 2000;
    static final long CALL_TIMEOUT_MS_MIN = 1000;
    /**
     * How long a starting broker may wait for its first registration before that is worth a warning. A
     * quorum elects its first leader within a few election timeouts after its voters start, and the nodes
     * of a cluster start in any order, so failures before then are expected and logged at INFO (once)
     * and DEBUG; after it, every failure is a WARN. Well below the node's 60 s start-up bound.
     */
    static final long FIRST_REGISTRATION_QUIET_MS = 30_000;

    public enum State { REGISTERING, FENCED, RUNNING, PENDING_CONTROLLED_SHUTDOWN, SHUTDOWN }

    /**
     * Told of each heartbeat the controller answered with this broker unfenced: the basis of the
     * leaders' lease (docs/replication.md). Called on the session thread; must not block.
     */
    public interface HeartbeatListener {
        /**
         * @param sentAtMs          when the heartbeat was sent, on {@link Time#nanoseconds()} in ms (monotonic)
         * @param metadataOffset    the controller's metadata offset when it answered
         * @param sessionTimeoutMs  the controller's broker.session.timeout.ms
         */
        void onHeartbeatAcknowledged(long sentAtMs, long metadataOffset, long sessionTimeoutMs);
    }

    private final int brokerId;
    private final String clusterId;
    private final UUID incarnationId;
    private final List<Endpoint> listeners;
    private final Optional<String> rack;
    private final ControllerChannel channel;
    private final LongSupplier appliedOffset;
    private final Time time;
    private final long heartbeatIntervalMs;
    private final ScheduledExecutorService thread;
    private final CompletableFuture<Void> unfenced = new CompletableFuture<>();
    private final CompletableFuture<Void> shutDown = new CompletableFuture<>();

    private volatile State state = State.REGISTERING;
    private volatile long brokerEpoch = -1;
    private volatile long lastHeartbeatAckMs = -1;
    /** Session thread only: when {@link #start} ran, and whether a first registration failure was logged. */
    private long startedMs = -1;
    private boolean waitingLogged;
    private volatile HeartbeatListener heartbeatListener = (sentAtMs, metadataOffset, sessionTimeoutMs) -> { };

    /**
     * @param appliedOffset the metadata offset the broker applied (its {@link MetadataLoader#appliedOffset}),
     *                      reported in each heartbeat; the controller unfences the broker once it caught up
     */
    public BrokerLifecycleManager(int brokerId, String clusterId, UUID incarnationId, List<Endpoint> listeners,
                                  Optional<String> rack, ControllerChannel channel, LongSupplier appliedOffset,
                                  Time time, long heartbeatIntervalMs) {
        if (heartbeatIntervalMs < 1) {
            throw new IllegalArgumentException("broker.heartbeat.interval.ms must be >= 1: " + heartbeatIntervalMs);
        }
        this.brokerId = brokerId;
        this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
        this.incarnationId = Objects.requireNonNull(incarnationId, "incarnationId");
        this.listeners = List.copyOf(listeners);
        this.rack = Objects.requireNonNull(rack, "rack");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.appliedOffset = Objects.requireNonNull(appliedOffset, "appliedOffset");
        this.time = Objects.requireNonNull(time, "time");
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "broker-" + brokerId + "-lifecycle");
            t.setDaemon(true);
            return t;
        });
    }

    /** Sets who hears of acknowledged heartbeats (the broker's lease keeper); call before {@link #start}. */
    public void setHeartbeatListener(HeartbeatListener listener) {
        this.heartbeatListener = Objects.requireNonNull(listener, "listener");
    }

    public void start() {
        thread.execute(() -> startedMs = time.milliseconds());
        thread.scheduleWithFixedDelay(this::tick, 0, heartbeatIntervalMs, TimeUnit.MILLISECONDS);
    }

    public State state() {
        return state;
    }

    public int brokerId() {
        return brokerId;
    }

    public UUID incarnationId() {
        return incarnationId;
    }

    /** The epoch of the current registration, -1 before the first. */
    public long brokerEpoch() {
        return brokerEpoch;
    }

    /** Wall-clock time of the last heartbeat the controller answered, -1 before the first. */
    public long lastHeartbeatAckMs() {
        return lastHeartbeatAckMs;
    }

    /**
     * Waits until the controller unfenced this broker; false on timeout. Throws the controller's
     * ApiException (INCONSISTENT_CLUSTER_ID, INVALID_REGISTRATION) when it refused the registration for
     * good.
     */
    public boolean awaitUnfenced(Duration timeout) throws InterruptedException {
        try {
            unfenced.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException api) {
                throw api;
            }
            throw new IllegalStateException("broker " + brokerId + " was not unfenced", e.getCause());
        }
    }

    /** Completes when the broker is first unfenced. */
    public CompletableFuture<Void> unfencedFuture() {
        return unfenced;
    }

    /**
     * Asks the controller to move leadership away (heartbeats with want_shut_down) and waits until it
     * answers should_shut_down; true when it did within {@code timeout}. Heartbeats stop afterwards.
     */
    public boolean controlledShutdown(Duration timeout) throws InterruptedException {
        thread.execute(() -> {
            if (state == State.REGISTERING || state == State.SHUTDOWN) {
                state = State.SHUTDOWN;
                shutDown.complete(null);
            } else {
                state = State.PENDING_CONTROLLED_SHUTDOWN;
                tick();
            }
        });
        return await(shutDown, timeout);
    }

    private static boolean await(CompletableFuture<Void> future, Duration timeout) throws InterruptedException {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    // ---- session thread ----

    private void tick() {
        try {
            switch (state) {
                case REGISTERING -> register();
                case FENCED, RUNNING, PENDING_CONTROLLED_SHUTDOWN -> heartbeat();
                case SHUTDOWN -> {
                    // Nothing more to say to the controller.
                }
            }
        } catch (ApiException e) {
            if (expectedDuringStartUp(e)) {
                logWaitingForQuorum(e);
            } else {
                LOG.warn("broker {}: {} failed: {}", brokerId, state == State.REGISTERING ? "registration" : "heartbeat",
                        e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.error("broker {}: lifecycle step failed", brokerId, e);
        }
    }

    /**
     * A failure of the first registration while the quorum may still be electing its first leader: no
     * active controller (yet), or none reachable, within {@link #FIRST_REGISTRATION_QUIET_MS} of the start.
     */
    private boolean expectedDuringStartUp(ApiException e) {
        boolean neverRegistered = state == State.REGISTERING && brokerEpoch < 0;
        boolean noActiveController = e.code() == ErrorCode.REQUEST_TIMED_OUT || e.code() == ErrorCode.NOT_CONTROLLER
                || e.code() == ErrorCode.NETWORK_EXCEPTION;
        return neverRegistered && noActiveController && time.milliseconds() - startedMs < FIRST_REGISTRATION_QUIET_MS;
    }

    private void logWaitingForQuorum(ApiException e) {
        if (!waitingLogged) {
            waitingLogged = true;
            LOG.info("broker {}: waiting for the metadata quorum to elect an active controller; registration is retried "
                    + "every {} ms", brokerId, heartbeatIntervalMs);
        }
        LOG.debug("broker {}: registration not answered yet: {}", brokerId, e.getMessage());
    }

    /**
     * One registration or heartbeat waits at most this long (and at least {@link #CALL_TIMEOUT_MS_MIN}):
     * a registration must commit through the quorum, which a very short heartbeat interval may not allow.
     */
    private Duration callTimeout() {
        return Duration.ofMillis(Math.max(CALL_TIMEOUT_MS_MIN, heartbeatIntervalMs));
    }

    private void register() {
        RegisterBrokerRequest.Builder request = RegisterBrokerRequest.newBuilder()
                .setBrokerId(brokerId)
                .setClusterId(clusterId)
                .setIncarnationId(incarnationId.toString())
                .addAllListeners(listeners);
        rack.ifPresent(request::setRack);
        RegisterBrokerResponse response = channel.registerBroker(request.build(), callTimeout());
        if (response.getError() == ErrorCode.INCONSISTENT_CLUSTER_ID
                || response.getError() == ErrorCode.INVALID_REGISTRATION) {
            // Asking again cannot help: the broker's configuration is wrong.
            ApiException refused = new ApiException(response.getError(), "broker " + brokerId
                    + " cannot register: " + response.getErrorMessage());
            LOG.error("{}", refused.getMessage());
            state = State.SHUTDOWN;
            unfenced.completeExceptionally(refused);
            shutDown.complete(null);
            return;
        }
        if (response.getError() != ErrorCode.NONE) {
            // DUPLICATE_BROKER_REGISTRATION: the previous incarnation's session has not expired yet.
            LOG.warn("broker {}: registration refused: {} {}", brokerId, response.getError(),
                    response.getErrorMessage());
            return;
        }
        brokerEpoch = response.getBrokerEpoch();
        state = State.FENCED;
        LOG.info("broker {} registered with epoch {} (incarnation {})", brokerId, brokerEpoch, incarnationId);
        heartbeat();
    }

    private void heartbeat() {
        boolean wantShutDown = state == State.PENDING_CONTROLLED_SHUTDOWN;
        long sentAtMs = TimeUnit.NANOSECONDS.toMillis(time.nanoseconds());
        BrokerHeartbeatResponse response = channel.brokerHeartbeat(BrokerHeartbeatRequest.newBuilder()
                .setBrokerId(brokerId)
                .setBrokerEpoch(brokerEpoch)
                .setCurrentMetadataOffset(appliedOffset.getAsLong())
                .setWantFence(false)
                .setWantShutDown(wantShutDown)
                .build(), callTimeout());
        if (state == State.SHUTDOWN) {
            return;
        }
        switch (response.getError()) {
            case NONE -> {
                if (!response.getIsFenced()) {
                    heartbeatListener.onHeartbeatAcknowledged(sentAtMs, response.getMetadataOffset(),
                            response.getSessionTimeoutMs());
                }
                onHeartbeatAnswer(response);
            }
            case STALE_BROKER_EPOCH, BROKER_ID_NOT_REGISTERED -> {
                LOG.info("broker {}: controller answered {}; registering again", brokerId, response.getError());
                state = State.REGISTERING;
                register();
            }
            default -> LOG.warn("broker {}: heartbeat answered {} {}", brokerId, response.getError(),
                    response.getErrorMessage());
        }
    }

    private void onHeartbeatAnswer(BrokerHeartbeatResponse response) {
        lastHeartbeatAckMs = time.milliseconds();
        if (state == State.PENDING_CONTROLLED_SHUTDOWN) {
            if (response.getShouldShutDown()) {
                state = State.SHUTDOWN;
                LOG.info("broker {}: controlled shutdown complete", brokerId);
                shutDown.complete(null);
            }
            return;
        }
        State next = response.getIsFenced() ? State.FENCED : State.RUNNING;
        if (next != state) {
            LOG.info("broker {}: {} -> {}", brokerId, state, next);
            state = next;
        }
        if (next == State.RUNNING) {
            unfenced.complete(null);
        }
    }

    /** Stops heartbeating (the controller fences the broker after its session timeout). */
    @Override
    public void close() {
        state = State.SHUTDOWN;
        shutDown.complete(null);
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
