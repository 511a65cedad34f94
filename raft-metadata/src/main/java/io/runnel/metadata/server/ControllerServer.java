package io.runnel.metadata.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.rpc.RequestGuard;
import io.runnel.common.time.Time;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.ratis.MetadataStateMachine;
import io.runnel.metadata.ratis.RecentBatches;
import io.runnel.proto.ControllerServiceGrpc;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.metadata.MetadataBatch;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.NoOpRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One controller of the metadata quorum: a Ratis peer running the {@link MetadataStateMachine}, plus
 * the single controller event thread that makes every decision when this peer is the Ratis leader
 * (the active controller).
 *
 * <p>A write runs on the event thread: if this peer is not the ready Ratis leader it fails with
 * {@link NotControllerException} (naming the leader when known); the first write of a new term first
 * commits a NoOp batch, so the image it decides on includes everything committed before, and runs the
 * activation hooks (which give every broker a fresh session); then the decision function is called with
 * the image of every applied batch plus every batch still in flight ({@link WritePipeline}), and its
 * records are submitted to Ratis as one {@link MetadataBatch} without waiting for the commit: the next
 * decision is made at once, on an image that includes them. The answer goes out once the records are
 * applied and carries their offset; a decision without records answers once every write it saw is
 * applied, with the offset of the last one. One thread, no locks: decisions never race each other.
 *
 * <p>Threads: the event thread decides and submits; Ratis applies batches on its own threads and
 * completes the writes' futures there; the reply thread ({@code controller-N-reply}) turns outcomes into
 * answers, so no gRPC work runs on Ratis's apply path; the timer thread runs the periodic decisions'
 * triggers and the callers' deadlines.
 *
 * <p>Ports: the voter address of {@code controller.quorum.voters} is this controller's gRPC port (for
 * {@code ControllerService}); Ratis listens on that port + 1.
 *
 * <p>Thread-safety: public methods are thread-safe. The event thread owns the decision state.
 */
public final class ControllerServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerServer.class);

    /** Pending writes at most; beyond it callers get REQUEST_TIMED_OUT at once instead of queueing forever. */
    public static final int EVENT_QUEUE_MAX = 4096;
    /**
     * Writes submitted to Ratis and not yet applied, at most; a decision beyond waits for the oldest. Well
     * below Ratis's own bound on pending requests (raft.server.write.element-limit, 4096), so Ratis never
     * refuses a write the pipeline let through.
     */
    public static final int PIPELINE_DEPTH_MAX = 1024;

    /** How often the event thread looks whether a new leader is ready (Ratis has no callback for it). */
    private static final long LEADER_READY_POLL_MS = 10;

    /** A decision: the records to commit and the response to send once they are committed. */
    public record Decision<R>(List<MetadataRecord> records, R response) {
        public Decision {
            records = List.copyOf(records);
        }
    }

    /** A committed decision: its response and the metadata offset that includes its records. */
    public record Written<R>(R response, long offset) {
    }

    private final ControllerConfig config;
    private final Time time;
    private final Consumer<Throwable> fatalHandler;
    private final RaftPeerId selfId;
    private final RaftGroupId groupId;
    private final MetadataStateMachine stateMachine;
    private final ThreadPoolExecutor eventThread;
    /** Completes callers' futures off Ratis's apply thread; its queue holds at most one task per pending write. */
    private final ExecutorService replyThread;
    private final ScheduledExecutorService timer;
    /** Event thread only. */
    private final WritePipeline pipeline;
    /** Callers waiting for a write to be applied: failed with NOT_CONTROLLER when this controller closes. */
    private final Set<CompletableFuture<?>> awaitingCommit = ConcurrentHashMap.newKeySet();
    private final List<LongConsumer> activationHooks = new CopyOnWriteArrayList<>();
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final ControllerServiceImpl service;
    private final ControllerMetrics metrics = new ControllerMetrics(this);

    private volatile RaftServer raftServer;
    private volatile Server ownGrpcServer;
    private volatile HealthStatusManager health;
    private volatile boolean closed;
    /** Event thread only: the Ratis term in which this peer last became the active controller. */
    private long activeTerm = -1;
    private volatile long activeTermPublished = -1;
    /** The Ratis port, chosen once (a free port when the voter's port is ephemeral). */
    private int ratisPort = -1;

    public ControllerServer(ControllerConfig config, Time time, Consumer<Throwable> fatalHandler) {
        this.config = Objects.requireNonNull(config, "config");
        this.time = Objects.requireNonNull(time, "time");
        this.fatalHandler = Objects.requireNonNull(fatalHandler, "fatalHandler");
        this.selfId = peerId(config.nodeId());
        this.groupId = groupIdOf(config.clusterId());
        this.stateMachine = new MetadataStateMachine(config.metadataDir().resolve("image"),
                RecentBatches.CAPACITY_DEFAULT, this::fatal);
        this.eventThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(EVENT_QUEUE_MAX), daemon("controller-" + config.nodeId() + "-event"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("controller-" + config.nodeId() + "-timer"));
        this.replyThread = Executors.newSingleThreadExecutor(daemon("controller-" + config.nodeId() + "-reply"));
        this.pipeline = new WritePipeline(new RatisMetadataLog(), PIPELINE_DEPTH_MAX);
        this.service = new ControllerServiceImpl(this);
        // Observers of the applied log, kept apart from the decision path: metrics and the state-change log.
        stateMachine.addListener(metrics.commitLatencyListener());
        stateMachine.addListener(new StateChangeLog(config.nodeId()));
    }

    /** Starts the Ratis peer. The gRPC service is {@link #service()}, hosted by the caller's server. */
    public synchronized void start() throws IOException {
        if (raftServer != null) {
            throw new IllegalStateException("controller " + config.nodeId() + " already started");
        }
        MetadataDirectory.checkOrStamp(config.metadataDir(), config.clusterId(), config.nodeId());
        RaftServer server = RaftServer.newBuilder()
                .setServerId(selfId)
                .setGroup(RaftGroup.valueOf(groupId, peers()))
                .setStateMachine(stateMachine)
                .setProperties(ratisProperties())
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        this.raftServer = server;
        service.start();
        LOG.info("controller {} started: cluster {}, voters {}, Ratis port {}", config.nodeId(), config.clusterId(),
                config.voters(), ratisPort());
    }

    /**
     * Starts the Ratis peer and a gRPC server of its own on the voter's port (0: an ephemeral port,
     * then {@link #boundPort()} tells which; only for a single voter), hosting {@link #service()},
     * gRPC health checking (SERVING once started) and server reflection, each behind {@link RequestGuard}.
     */
    public static ControllerServer startWithOwnGrpcServer(ControllerConfig config, Time time,
                                                          Consumer<Throwable> fatalHandler) throws IOException {
        ControllerServer controller = new ControllerServer(config, time, fatalHandler);
        QuorumVoters.Voter self = config.self();
        HealthStatusManager health = new HealthStatusManager();
        Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress(self.host(), self.port()))
                .addService(RequestGuard.guard(controller.service().bindService()))
                .addService(RequestGuard.guard(health.getHealthService().bindService()))
                .addService(RequestGuard.guard(ProtoReflectionServiceV1.newInstance().bindService()))
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
        grpc.start();
        controller.ownGrpcServer = grpc;
        try {
            controller.start();
        } catch (IOException | RuntimeException e) {
            controller.close();
            throw e;
        }
        health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
        health.setStatus(ControllerServiceGrpc.SERVICE_NAME, HealthCheckResponse.ServingStatus.SERVING);
        controller.health = health;
        return controller;
    }

    public BindableService service() {
        return service;
    }

    /** The port of the gRPC server started by {@link #startWithOwnGrpcServer}, else the voter's port. */
    public int boundPort() {
        Server grpc = ownGrpcServer;
        return grpc != null ? grpc.getPort() : config.self().port();
    }

    public ControllerConfig config() {
        return config;
    }

    public int nodeId() {
        return config.nodeId();
    }

    public MetadataStateMachine stateMachine() {
        return stateMachine;
    }

    public MetadataImage currentImage() {
        return stateMachine.currentImage();
    }

    Time time() {
        return time;
    }

    /** True when this peer is the Ratis leader and has caught up in its term (it decides). */
    public boolean isActive() {
        Optional<DivisionInfo> info = info();
        return info.isPresent() && info.get().isLeader() && info.get().isLeaderReady()
                && activeTermPublished == info.get().getCurrentTerm();
    }

    /** True when Ratis says this peer leads, whether or not the event thread has caught up yet. */
    public boolean isRaftLeader() {
        return info().map(DivisionInfo::isLeader).orElse(false);
    }

    /** The node id of the Ratis leader as this peer knows it. */
    public OptionalInt leaderId() {
        Optional<DivisionInfo> info = info();
        if (info.isEmpty() || info.get().getLeaderId() == null) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(nodeIdOf(info.get().getLeaderId()));
    }

    Optional<DivisionInfo> info() {
        RaftServer server = raftServer;
        if (server == null || closed) {
            return Optional.empty();
        }
        try {
            return Optional.of(server.getDivision(groupId).getInfo());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    Optional<RaftServer.Division> division() {
        RaftServer server = raftServer;
        if (server == null || closed) {
            return Optional.empty();
        }
        try {
            return Optional.of(server.getDivision(groupId));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    NotControllerException notController() {
        OptionalInt leader = leaderId();
        Optional<QuorumVoters.Voter> voter = leader.isPresent() && leader.getAsInt() != config.nodeId()
                ? config.voters().voter(leader.getAsInt()) : Optional.empty();
        return new NotControllerException(config.nodeId(), voter);
    }

    /** Registers this controller's meters ({@link ControllerMetrics}; docs/metrics.md lists them). */
    public void bindMetrics(MeterRegistry registry) {
        metrics.bind(registry);
    }

    /** This controller's meters; {@link ControllerMetrics#refresh} before each scrape. */
    public ControllerMetrics metrics() {
        return metrics;
    }

    /** Requests waiting for the event thread. */
    int eventQueueSize() {
        return eventThread.getQueue().size();
    }

    /** Runs {@code hook} with the time in ms on the event thread each time this peer becomes active. */
    public void addActivationHook(LongConsumer hook) {
        activationHooks.add(hook);
    }

    /**
     * Every {@code intervalMs}, on the active controller only, decides with {@code decide} and commits the
     * records if there are any (the broker-fencing timer uses this).
     */
    public void schedulePeriodic(String name, long intervalMs, Function<MetadataImage, List<MetadataRecord>> decide) {
        timer.scheduleWithFixedDelay(() -> {
            if (closed || !isRaftLeader() || eventThread.getQueue().size() > EVENT_QUEUE_MAX / 2) {
                return;
            }
            long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs());
            write(name, deadlineNs, image -> new Decision<>(decide.apply(image), null))
                    .whenComplete((written, error) -> {
                        if (error != null && !(unwrap(error) instanceof NotControllerException)) {
                            LOG.warn("controller {}: periodic {} failed: {}", config.nodeId(), name, error.toString());
                        }
                    });
        }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Decides on the event thread with the current image (applied plus in flight), submits the decision's
     * records (if any) and completes with its response and the offset that includes them, once they are
     * applied. Fails with NOT_CONTROLLER on a peer that is not the leader, REQUEST_TIMED_OUT when the records
     * are not applied by {@code deadlineNs} ({@link System#nanoTime()} based), or whatever ApiException
     * {@code decide} throws.
     */
    public <R> CompletableFuture<Written<R>> write(String name, long deadlineNs,
                                                   Function<MetadataImage, Decision<R>> decide) {
        CompletableFuture<Written<R>> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(notController());
            return result;
        }
        long enqueuedNs = System.nanoTime();
        Function<MetadataImage, Decision<R>> timedDecide = metrics.timedDecision(decide);
        try {
            eventThread.execute(() -> {
                metrics.onDequeued(System.nanoTime() - enqueuedNs);
                try {
                    runWrite(name, deadlineNs, timedDecide, result);
                } catch (InterruptedException e) {
                    // close() interrupts the event thread: the caller should go to another controller.
                    Thread.currentThread().interrupt();
                    result.completeExceptionally(notController());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new ApiException(ErrorCode.REQUEST_TIMED_OUT, "controller "
                    + config.nodeId() + " has " + EVENT_QUEUE_MAX + " requests queued; " + name
                    + " was not applied; try again later", null, Map.of(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_NOT_APPLIED)));
        }
        return result;
    }

    /** Runs {@code task} on the event thread (for reads that need the thread's own state). */
    public <T> CompletableFuture<T> onEventThread(java.util.function.Supplier<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            eventThread.execute(() -> {
                try {
                    result.complete(task.get());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new ApiException(ErrorCode.REQUEST_TIMED_OUT,
                    "controller " + config.nodeId() + " is overloaded"));
        }
        return result;
    }

    /** Event thread: decides, submits, and arranges for {@code result} to complete once the decision is applied. */
    private <R> void runWrite(String name, long deadlineNs, Function<MetadataImage, Decision<R>> decide,
                              CompletableFuture<Written<R>> result) throws InterruptedException {
        if (System.nanoTime() >= deadlineNs) {
            throw timedOut(name, "before it was decided", GrpcErrors.OUTCOME_NOT_APPLIED);
        }
        MetadataImage image;
        try {
            ensureActive(deadlineNs);
            pipeline.awaitCapacity(deadlineNs);
            image = pipeline.decisionImage(deadlineNs);
        } catch (TimeoutException e) {
            throw timedOut(name, "before it was decided, while earlier writes were committed", GrpcErrors.OUTCOME_NOT_APPLIED);
        } catch (ApiException e) {
            if (e.code() == ErrorCode.REQUEST_TIMED_OUT && !(e instanceof NotControllerException)) {
                throw timedOut(name, "before it was decided, while this controller became active",
                        GrpcErrors.OUTCOME_NOT_APPLIED);
            }
            throw e;
        }
        Decision<R> decision = decide.apply(image);
        CompletableFuture<Long> applied;
        if (decision.records().isEmpty()) {
            // Made on an image that may hold writes in flight: answer once they are applied, with their offset.
            applied = pipeline.offsetOfDecisionImage().exceptionallyCompose(error -> CompletableFuture.failedFuture(
                    afterFailedWrite(name, unwrap(error))));
        } else {
            try {
                applied = pipeline.submit(name, decision.records(), image);
            } catch (IllegalStateException e) {
                // The decision broke an invariant of the image it was made on: a programmer error, nothing submitted.
                throw new ApiException(ErrorCode.UNKNOWN_SERVER_ERROR, name + " decided records that do not apply: "
                        + e.getMessage(), null, Map.of(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_NOT_APPLIED));
            }
        }
        completeWhenApplied(name, applied, decision.response(), deadlineNs, result);
    }

    /**
     * Completes {@code result} on the reply thread once {@code applied} completes, or with REQUEST_TIMED_OUT
     * (outcome unknown: the write is in the Ratis log and may still commit) at {@code deadlineNs}.
     */
    private <R> void completeWhenApplied(String name, CompletableFuture<Long> applied, R response, long deadlineNs,
                                         CompletableFuture<Written<R>> result) {
        if (applied.isDone() && !applied.isCompletedExceptionally()) {
            result.complete(new Written<>(response, applied.join()));
            return;
        }
        awaitingCommit.add(result);
        ScheduledFuture<?> deadline;
        try {
            deadline = timer.schedule(() -> result.completeExceptionally(timedOut(name,
                    "while waiting for the metadata quorum to commit it", GrpcErrors.OUTCOME_UNKNOWN)),
                    Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(notController()); // closing
            return;
        }
        result.whenComplete((written, error) -> {
            deadline.cancel(false);
            awaitingCommit.remove(result);
        });
        applied.whenCompleteAsync((offset, error) -> {
            if (error != null) {
                result.completeExceptionally(unwrap(error));
            } else {
                result.complete(new Written<>(response, offset));
            }
        }, replyThread);
    }

    /** The error of a decision without records whose answer waited for a write that failed. */
    private ApiException afterFailedWrite(String name, Throwable cause) {
        if (cause instanceof NotControllerException notController) {
            return notController;
        }
        return new ApiException(ErrorCode.REQUEST_TIMED_OUT, name + " was decided after a metadata write that failed ("
                + cause.getMessage() + "); try again", null, Map.of(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_NOT_APPLIED));
    }

    /** Event thread: fails unless this peer is the ready leader; on a new term, commits a NoOp first. */
    private void ensureActive(long deadlineNs) throws InterruptedException, TimeoutException {
        Optional<DivisionInfo> info = info();
        // A new leader is not ready until the first entry of its term commits: a short wait, bounded by
        // the caller's deadline, rather than sending the caller around the quorum.
        while (info.isPresent() && info.get().isLeader() && !info.get().isLeaderReady()
                && System.nanoTime() < deadlineNs) {
            Thread.sleep(LEADER_READY_POLL_MS);
            info = info();
        }
        if (info.isEmpty() || !info.get().isLeader() || !info.get().isLeaderReady()) {
            throw notController();
        }
        long term = info.get().getCurrentTerm();
        if (term == activeTerm) {
            return;
        }
        // Writes of an earlier term finish first (they fail, or a new leader commits them), then a NoOp of
        // this term: once it is applied, the applied image holds everything committed before.
        pipeline.drain(deadlineNs);
        MetadataImage applied = pipeline.decisionImage(deadlineNs);
        CompletableFuture<Long> noOp = pipeline.submit("NoOp",
                List.of(MetadataRecord.newBuilder().setNoOp(NoOpRecord.getDefaultInstance()).build()), applied);
        try {
            noOp.get(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof ApiException api ? api
                    : new ApiException(ErrorCode.UNKNOWN_SERVER_ERROR, "NoOp failed: " + e.getCause(), e.getCause());
        }
        pipeline.drain(deadlineNs);
        activeTerm = term;
        long nowMs = time.milliseconds();
        for (LongConsumer hook : activationHooks) {
            hook.accept(nowMs);
        }
        activeTermPublished = term;
        LOG.info("controller {} is the active controller in term {} at metadata offset {}", config.nodeId(), term,
                stateMachine.appliedOffset());
    }

    /** The Ratis log of this controller, as the pipeline sees it. Its methods run on the event thread. */
    private final class RatisMetadataLog implements WritePipeline.MetadataLog {
        @Override
        public long nextOffset() {
            // Ratis appends a submitted entry to its log on the submitting thread (RaftServerImpl.appendTransaction),
            // so the next index is the offset the next batch of the event thread gets.
            return division().map(d -> d.getRaftLog().getNextIndex()).orElseThrow(ControllerServer.this::notController);
        }

        @Override
        public CompletableFuture<Long> submit(String name, List<MetadataRecord> records) {
            MetadataBatch batch = MetadataBatch.newBuilder()
                    .addAllRecords(records)
                    .setAppendTimeMs(time.milliseconds())
                    .setControllerId(config.nodeId())
                    .build();
            RaftClientRequest request = RaftClientRequest.newBuilder()
                    .setClientId(clientId)
                    .setServerId(selfId)
                    .setGroupId(groupId)
                    .setCallId(callIds.incrementAndGet())
                    .setMessage(Message.valueOf(ByteString.copyFrom(batch.toByteArray())))
                    .setType(RaftClientRequest.writeRequestType())
                    .build();
            CompletableFuture<RaftClientReply> reply;
            try {
                reply = raftServer.submitClientRequestAsync(request);
            } catch (IOException e) {
                throw new ApiException(ErrorCode.UNKNOWN_SERVER_ERROR, name + " could not be submitted to the metadata "
                        + "quorum: " + e, e);
            }
            return reply.handle((answer, error) -> {
                if (error != null) {
                    Throwable cause = unwrap(error);
                    throw new ApiException(ErrorCode.UNKNOWN_SERVER_ERROR, name + " failed in the metadata quorum: " + cause, cause);
                }
                return offsetOf(name, answer);
            });
        }

        @Override
        public MetadataImage appliedImage() {
            return stateMachine.currentImage();
        }
    }

    /** The applied offset of a successful reply; the error of a failed one. */
    private long offsetOf(String name, RaftClientReply reply) {
        if (reply.isSuccess()) {
            return MetadataStateMachine.offsetOf(reply.getMessage());
        }
        if (reply.getNotLeaderException() != null || reply.getLeaderNotReadyException() != null
                || reply.getLeaderSteppingDownException() != null) {
            throw notController();
        }
        if (reply.getStateMachineException() != null) {
            throw new ApiException(ErrorCode.UNKNOWN_SERVER_ERROR, name + " was rejected when applied: "
                    + reply.getStateMachineException().getMessage());
        }
        throw new ApiException(ErrorCode.UNKNOWN_SERVER_ERROR, name + " failed in the metadata quorum: "
                + reply.getException());
    }

    /** REQUEST_TIMED_OUT saying whether the write took effect ({@link GrpcErrors#OUTCOME_KEY}). */
    private ApiException timedOut(String name, String when, String outcome) {
        String consequence = GrpcErrors.OUTCOME_NOT_APPLIED.equals(outcome) ? "it was not applied"
                : "it may still be applied (outcome unknown)";
        return new ApiException(ErrorCode.REQUEST_TIMED_OUT, name + " timed out on controller " + config.nodeId()
                + " " + when + "; " + consequence + "; the metadata quorum (voters " + config.voters()
                + ") may have lost its majority", null, Map.of(GrpcErrors.OUTCOME_KEY, outcome));
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private void fatal(Throwable cause) {
        LOG.error("controller {} stops after a fatal error", config.nodeId(), cause);
        fatalHandler.accept(cause);
    }

    // ---- Ratis wiring ----

    private RaftProperties ratisProperties() {
        RaftProperties properties = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(properties, List.of(config.metadataDir().resolve("ratis").toFile()));
        GrpcConfigKeys.Server.setHost(properties, config.self().host());
        GrpcConfigKeys.Server.setPort(properties, ratisPort());
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties,
                TimeDuration.valueOf(config.electionTimeoutMinMs(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties,
                TimeDuration.valueOf(config.electionTimeoutMaxMs(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(properties,
                TimeDuration.valueOf(Math.max(3000, config.electionTimeoutMaxMs()), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, config.snapshotRecords());
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        RaftServerConfigKeys.Log.setPurgeGap(properties, (int) Math.min(1024, config.snapshotRecords()));
        RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(config.logSegmentBytes()));
        RaftServerConfigKeys.Log.setCorruptionPolicy(properties, RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION);
        // Ratis would otherwise log a commit-index entry after most entries: twice the writes, and
        // metadata.snapshot.records would count them too.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(properties, false);
        return properties;
    }

    private synchronized int ratisPort() {
        if (ratisPort < 0) {
            int voterPort = config.self().ratisPort();
            ratisPort = voterPort != 0 ? voterPort : freePort(config.self().host());
        }
        return ratisPort;
    }

    private List<RaftPeer> peers() {
        List<RaftPeer> peers = new ArrayList<>();
        for (QuorumVoters.Voter voter : config.voters().list()) {
            int port = voter.nodeId() == config.nodeId() ? ratisPort() : voter.ratisPort();
            peers.add(RaftPeer.newBuilder().setId(peerId(voter.nodeId())).setAddress(voter.host() + ":" + port)
                    .build());
        }
        return peers;
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(String.valueOf(nodeId));
    }

    static int nodeIdOf(RaftPeerId peerId) {
        return Integer.parseInt(peerId.toString());
    }

    /** The Ratis group of a cluster: derived from the cluster id, so every voter computes the same one. */
    static RaftGroupId groupIdOf(String clusterId) {
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("runnel-metadata:" + clusterId)
                .getBytes(StandardCharsets.UTF_8)));
    }

    private static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Stops serving, then the event thread, then Ratis (which closes the state machine and its store). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        HealthStatusManager healthManager = health;
        if (healthManager != null) {
            healthManager.enterTerminalState();
        }
        service.close();
        Server grpc = ownGrpcServer;
        if (grpc != null) {
            grpc.shutdownNow();
            try {
                grpc.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        timer.shutdownNow();
        eventThread.shutdownNow();
        try {
            eventThread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Writes still in flight may yet commit under another leader; their callers learn to ask it.
        NotControllerException gone = notController();
        List.copyOf(awaitingCommit).forEach(waiting -> waiting.completeExceptionally(gone));
        replyThread.shutdown();
        RaftServer server = raftServer;
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.warn("controller {}: closing Ratis failed", config.nodeId(), e);
            }
        }
        LOG.info("controller {} stopped", config.nodeId());
    }
}
