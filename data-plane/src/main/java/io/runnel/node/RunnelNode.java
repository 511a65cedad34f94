package io.runnel.node;

import io.grpc.BindableService;
import io.runnel.common.time.Time;
import io.runnel.metadata.client.BrokerLifecycleManager;
import io.runnel.metadata.client.ControllerChannel;
import io.runnel.metadata.client.MetadataLoader;
import io.runnel.metadata.image.Endpoint;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.server.ControllerConfig;
import io.runnel.metadata.server.ControllerServer;
import io.runnel.metadata.server.QuorumVoters;
import io.runnel.group.GroupCoordinator;
import io.runnel.replication.BrokerLease;
import io.runnel.replication.ControllerLink;
import io.runnel.replication.ReplicaManager;
import io.runnel.replication.ReplicationConfig;
import io.runnel.replication.ReplicationContext;
import io.runnel.rpc.AdminServiceImpl;
import io.runnel.rpc.BrokerMetadata;
import io.runnel.rpc.FetchServiceImpl;
import io.runnel.rpc.GroupServiceImpl;
import io.runnel.rpc.GrpcLeaderChannels;
import io.runnel.rpc.MetadataServiceImpl;
import io.runnel.rpc.ProduceServiceImpl;
import io.runnel.rpc.ReplicationServiceImpl;
import io.runnel.rpc.TopicConfigResolver;
import io.runnel.storage.LogManager;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Runnel process: a controller (a Ratis voter of the metadata quorum), a broker, or both, as
 * {@code process.roles} says. Start-up order: check or format the data directories, start the
 * controller and its listener, then the broker's storage, metadata loader, client listeners, and
 * finally register with the controller and wait to be unfenced. {@link #close()} runs the reverse,
 * with a controlled shutdown first so partition leadership moves before the broker stops.
 *
 * <p>Thread-safe: {@link #close()} may be called from a shutdown hook, or after a fatal error on a thread
 * of its own, while another thread waits in {@link #awaitShutdown()} or is still in {@link #start}. The
 * broker's client listeners bind early (their ports are part of the registration) but hold every call
 * until the broker is registered, unfenced and caught up with the metadata ({@link ReadinessGate}).
 */
public final class RunnelNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunnelNode.class);
    /** Shortest wait for the quorum to admit a starting broker: a multi-process cluster starts its nodes in any order. */
    private static final long UNFENCE_TIMEOUT_MS_MIN = 60_000;
    /** Poll period while start-up waits for the broker's own image to catch up (start-up only). */
    private static final long METADATA_POLL_MS = 10;

    private final NodeConfig config;
    private final NodeHooks hooks;
    private final String clusterId;
    private final QuorumVoters voters;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Completes when {@link #close()} begins; start-up waits give up on it. */
    private final CompletableFuture<Void> closing = new CompletableFuture<>();
    /**
     * What {@link #close()} runs, newest first: each start-up step registers how to undo itself with
     * {@link #onClose} right after it succeeded. Guarded by {@code this}: start-up fills it on the thread
     * calling {@link #start}, while close may run on a shutdown hook or after a fatal error.
     */
    private final Deque<AutoCloseable> closeOrder = new ArrayDeque<>();
    /** Guarded by {@code this}, like closeOrder. */
    private final Map<String, ListenerServer> listenerServers = new LinkedHashMap<>();

    private ControllerServer controller;
    private LogManager logManager;
    private ReplicaManager replicaManager;
    private GroupCoordinator groupCoordinator;
    private MetadataLoader metadataLoader;
    private ControllerChannel controllerChannel;
    /** Written once at start-up, read by the coordinator's internal-topic creation and the replicas on other threads. */
    private volatile BrokerLifecycleManager lifecycle;
    private ScheduledExecutorService scheduler;
    /** Closed last (the constructor registers it first): the registry, its HTTP endpoint and the JVM binders. */
    private final NodeMetrics metrics = new NodeMetrics();
    /** Guarded by {@code this}: close() has begun; steps registered from now on are undone at once. */
    private boolean closed;
    private volatile boolean skipControlledShutdown;

    private RunnelNode(NodeConfig config, String clusterId, QuorumVoters voters, NodeHooks hooks) {
        this.config = config;
        this.clusterId = clusterId;
        this.voters = voters;
        this.hooks = hooks;
        closeOrder.add(metrics);
    }

    /** Starts a node; on failure everything started so far is stopped again and the error rethrown. */
    public static RunnelNode start(NodeConfig config) throws IOException {
        return start(config, NodeHooks.NONE, node -> { });
    }

    /** {@link #start(NodeConfig)} with test hooks (fault injection between brokers). */
    public static RunnelNode start(NodeConfig config, NodeHooks hooks) throws IOException {
        return start(config, hooks, node -> { });
    }

    /**
     * {@link #start(NodeConfig)}, handing the node to {@code created} before its first start-up step, so
     * that the caller can {@link #close()} it while it starts (a shutdown hook during a long start-up):
     * start-up then stops and fails, and {@link #awaitShutdown} returns once everything opened is closed.
     */
    public static RunnelNode start(NodeConfig config, Consumer<RunnelNode> created) throws IOException {
        return start(config, NodeHooks.NONE, created);
    }

    private static RunnelNode start(NodeConfig config, NodeHooks hooks, Consumer<RunnelNode> created) throws IOException {
        QuorumVoters voters = QuorumVoters.parse(config.quorumVoters());
        boolean soleVoter = config.isController() && voters.size() == 1 && voters.voter(config.nodeId()).isPresent();
        String clusterId = StorageFormatter.checkOrAutoFormat(config, soleVoter);
        RunnelNode node = new RunnelNode(config, clusterId, voters, hooks);
        created.accept(node);
        try {
            node.throwIfClosing();
            // Served first, so a starting node (a broker waiting to be admitted) can already be watched.
            node.serveMetrics();
            if (config.isController()) {
                node.startController();
            }
            if (config.isBroker()) {
                node.startBroker();
            }
        } catch (Throwable e) {
            node.close();
            throw e;
        }
        log.info("Runnel node {} started: {}", config.nodeId(), node.describe());
        return node;
    }

    private void startController() throws IOException {
        ControllerConfig controllerConfig = new ControllerConfig(config.nodeId(), clusterId, voters, config.metadataDir(),
                config.settings());
        controller = onClose(new ControllerServer(controllerConfig, Time.SYSTEM, this::fatal));
        // The listener first, so that peers and brokers reach this controller as soon as Ratis runs.
        Listener listener = config.listener(config.controllerListenerName()).orElseThrow();
        startListener(new ListenerServer(listener, List.of(controller.service()), config.queuedMaxRequests(),
                config.socketRequestMaxBytes(), metrics.requests()));
        controller.start();
        controller.bindMetrics(metrics.registry());
        metrics.addRefresh(controller.metrics()::refresh);
    }

    /** Serves the node's meters if {@code metrics.port} says so (docs/metrics.md); roles bind theirs as they start. */
    private void serveMetrics() throws IOException {
        if (config.metricsPort() >= 0) {
            String host = config.listeners().get(0).host();
            String bindHost = host.isBlank() ? "0.0.0.0" : host;
            int port = metrics.serve(bindHost, config.metricsPort());
            log.info("Metrics served at http://{}:{}/metrics", bindHost, port);
        }
    }

    /** Port of the Prometheus endpoint, when {@code metrics.port} enabled it. */
    public Optional<Integer> metricsPort() {
        return metrics.port();
    }

    private void startBroker() throws IOException {
        scheduler = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "broker-" + config.nodeId() + "-scheduler");
            thread.setDaemon(true);
            return thread;
        });
        onClose(scheduler::shutdownNow);
        TopicConfigResolver topicConfigs = new TopicConfigResolver(config.settings());
        controllerChannel = onClose(new ControllerChannel(voters));
        metadataLoader = new MetadataLoader(controllerChannel, config.nodeId(), Time.SYSTEM);
        logManager = new LogManager(config.logManagerConfig(),
                tp -> topicConfigs.logConfig(metadataLoader.currentImage(), tp.topic()), scheduler, Time.SYSTEM);
        onClose(logManager::shutdown);
        logManager.startup();
        BrokerLease lease = new BrokerLease(config.brokerSessionTimeoutMs());
        ReplicationConfig replication = config.replicationConfig();
        GrpcLeaderChannels leaderChannels = onClose(new GrpcLeaderChannels(() -> metadataLoader.currentImage(),
                config.interBrokerListenerName(), config.nodeId(), hooks.replicaAddressOverride(config.nodeId())));
        Duration alterPartitionTimeout = Duration.ofMillis(config.requestTimeoutMs());
        ControllerLink controllerLink = request -> controllerChannel.callAsync("AlterPartition", alterPartitionTimeout,
                stub -> stub.alterPartition(request));
        ReplicationContext replicationContext = new ReplicationContext(replication, Time.SYSTEM, lease, leaderChannels,
                controllerLink, this::brokerEpoch, true);
        replicaManager = onClose(new ReplicaManager(config.nodeId(), logManager, replicationContext));
        MetadataLoader loader = metadataLoader;
        metadataLoader.register(new BrokerMetadataPublisher(config.nodeId(), replicaManager, logManager, topicConfigs,
                loader::committedOffset));
        // Before the loader starts, so the coordinator hears of every offsets partition this broker comes to lead.
        groupCoordinator = onClose(new GroupCoordinator(config.nodeId(), replicaManager, loader::currentImage,
                this::createInternalTopic, config.groupCoordinatorConfig(), Time.SYSTEM));
        replicaManager.addLeadershipListener(groupCoordinator);
        metadataLoader.register(groupCoordinator);
        onClose(metadataLoader);
        metadataLoader.start();
        metadataLoader.bindMetrics(metrics.registry());
        BrokerMetrics brokerMetrics = new BrokerMetrics(metrics.registry(), replicaManager, config.metricsPartitionLevel());
        brokerMetrics.bind(logManager);
        brokerMetrics.bindConsumerGroups(new CoordinatorGroupMetrics(groupCoordinator, replicaManager));
        metrics.addRefresh(brokerMetrics::refresh);

        BrokerMetadata brokerMetadata = new LoaderBrokerMetadata(metadataLoader, controllerChannel, clusterId);
        ChannelControllerGateway gateway = new ChannelControllerGateway(controllerChannel, Duration.ofMillis(config.requestTimeoutMs()));
        List<Endpoint> endpoints = new ArrayList<>();
        for (Listener listener : config.brokerListeners()) {
            String name = listener.name();
            List<BindableService> services = new ArrayList<>(List.of(
                    new MetadataServiceImpl(brokerMetadata, gateway, name, config.autoCreateTopicsEnable(), config.requestTimeoutMs()),
                    new ProduceServiceImpl(replicaManager, brokerMetadata, name),
                    new FetchServiceImpl(replicaManager, brokerMetadata, name),
                    new AdminServiceImpl(brokerMetadata, gateway, replicaManager, topicConfigs, config.settings(), name,
                            config.deleteTopicEnable(), config.requestTimeoutMs()),
                    new GroupServiceImpl(groupCoordinator, brokerMetadata, name).withClientAddresses()));
            if (name.equals(config.interBrokerListenerName())) {
                services.add(new ReplicationServiceImpl(replicaManager));
            }
            // Bound now (the registration publishes the bound port), but holding calls until the broker is ready.
            ListenerServer server = startListener(ListenerServer.holdingUntilReady(listener, services, config.queuedMaxRequests(),
                    config.socketRequestMaxBytes(), metrics.requests(), "broker " + config.nodeId()));
            endpoints.add(advertised(listener, server.port()));
        }
        lifecycle = new BrokerLifecycleManager(config.nodeId(), clusterId, UUID.randomUUID(),
                endpoints.stream().map(Endpoint::toProto).toList(), config.rack(),
                controllerChannel, metadataLoader::appliedOffset, Time.SYSTEM, config.brokerHeartbeatIntervalMs());
        lifecycle.setHeartbeatListener(lease::onHeartbeatAcknowledged);
        onClose(this::stopLifecycle);
        lifecycle.start();
        Duration unfenceTimeout = Duration.ofMillis(Math.max(UNFENCE_TIMEOUT_MS_MIN, config.requestTimeoutMs()));
        try {
            awaitUnfenced(unfenceTimeout);
            awaitOwnUnfencingApplied(unfenceTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for broker " + config.nodeId() + " to be unfenced", e);
        }
        // Registered, unfenced and caught up with the metadata up to its own unfencing: clients may come in.
        List<ListenerServer> clientListeners;
        synchronized (this) {
            clientListeners = List.copyOf(listenerServers.values());
        }
        clientListeners.forEach(ListenerServer::markReady);
    }

    /** Waits until the controller unfenced this broker, or fails: timeout, refused registration, node closed. */
    private void awaitUnfenced(Duration timeout) throws InterruptedException, IOException {
        try {
            CompletableFuture.anyOf(lifecycle.unfencedFuture(), closing).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("broker " + config.nodeId() + " was not admitted (unfenced) by the controller quorum within "
                    + timeout.toMillis() + " ms; are the voters " + config.quorumVoters() + " running and reachable?");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException refused) {
                throw refused; // the controller refused the registration for good (INCONSISTENT_CLUSTER_ID, ...)
            }
            throw new IOException("broker " + config.nodeId() + " was not unfenced", e.getCause());
        }
        throwIfClosing();
    }

    private void throwIfClosing() throws IOException {
        if (closing.isDone()) {
            throw new IOException("node " + config.nodeId() + " was stopped during start-up");
        }
    }

    /**
     * Waits until this broker's own image shows it unfenced. The controller writes the unfencing and
     * the leader elections it enables in one batch, so from then on the broker serves the partitions
     * it leads instead of answering NOT_LEADER_OR_FOLLOWER to the first clients.
     */
    private void awaitOwnUnfencingApplied(Duration timeout) throws InterruptedException, IOException {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (true) {
            var registration = metadataLoader.currentImage().cluster().broker(config.nodeId());
            if (registration != null && !registration.fenced() && registration.epoch() == lifecycle.brokerEpoch()) {
                return;
            }
            throwIfClosing();
            if (System.nanoTime() > deadlineNs) {
                throw new IOException("broker " + config.nodeId() + " was unfenced but its metadata did not show it within "
                        + timeout.toMillis() + " ms");
            }
            Thread.sleep(METADATA_POLL_MS);
        }
    }

    /**
     * Creates an internal topic for this broker's coordinators through the controller's internal-topic call,
     * identifying the broker by its id and epoch (clients cannot create names starting with "__").
     */
    private CompletableFuture<Void> createInternalTopic(String topic, int partitions, short replicationFactor,
                                                        Map<String, String> configs) {
        long brokerEpoch = brokerEpoch();
        if (brokerEpoch < 0) {
            return CompletableFuture.failedFuture(new io.runnel.common.errors.ApiException(
                    io.runnel.proto.ErrorCode.COORDINATOR_NOT_AVAILABLE, "broker " + config.nodeId() + " is not registered yet"));
        }
        io.runnel.proto.CreateInternalTopicsRequest request = io.runnel.proto.CreateInternalTopicsRequest.newBuilder()
                .setBrokerId(config.nodeId())
                .setBrokerEpoch(brokerEpoch)
                .setRequest(io.runnel.proto.CreateTopicsRequest.newBuilder()
                        .setTimeoutMs(config.requestTimeoutMs())
                        .addTopics(io.runnel.proto.CreatableTopic.newBuilder().setName(topic).setNumPartitions(partitions)
                                .setReplicationFactor(replicationFactor).putAllConfigs(configs)))
                .build();
        return controllerChannel.callAsync("CreateInternalTopics", Duration.ofMillis(config.requestTimeoutMs()),
                stub -> stub.createInternalTopics(request)).thenAccept(response -> {
                    for (io.runnel.proto.CreatableTopicResult result : response.getResponse().getTopicsList()) {
                        if (result.getError() != io.runnel.proto.ErrorCode.NONE
                                && result.getError() != io.runnel.proto.ErrorCode.TOPIC_ALREADY_EXISTS) {
                            throw new io.runnel.common.errors.ApiException(result.getError(), result.getErrorMessage());
                        }
                    }
                });
    }

    /** This incarnation's registration epoch, -1 before it registered. */
    private long brokerEpoch() {
        BrokerLifecycleManager current = lifecycle;
        return current == null ? -1 : current.brokerEpoch();
    }

    private void stopLifecycle() {
        // With no other live broker there is nowhere to move leadership to: skip the wait.
        boolean otherBrokers = metadataLoader.currentImage().cluster().activeBrokers().stream()
                .anyMatch(broker -> broker.id() != config.nodeId());
        if (config.controlledShutdownEnable() && otherBrokers && !skipControlledShutdown) {
            try {
                if (!lifecycle.controlledShutdown(Duration.ofMillis(config.controlledShutdownTimeoutMs()))) {
                    log.warn("Controlled shutdown of broker {} did not finish within {} ms; stopping anyway",
                            config.nodeId(), config.controlledShutdownTimeoutMs());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("Controlled shutdown of broker {} did not complete: {}", config.nodeId(), e.getMessage());
            }
        }
        lifecycle.close();
    }

    /** The endpoint published for a listener: its advertised address, with the bound port when it asked for 0. */
    private Endpoint advertised(Listener listener, int boundPort) {
        Listener published = config.advertisedListeners().stream().filter(l -> l.name().equals(listener.name()))
                .findFirst().orElse(listener);
        String host = published.host().isBlank() ? "localhost" : published.host();
        int port = published.port() == 0 ? boundPort : published.port();
        return new Endpoint(listener.name(), host, port);
    }

    private ListenerServer startListener(ListenerServer server) throws IOException {
        onClose(server);
        synchronized (this) {
            listenerServers.put(server.listener().name(), server);
        }
        return server.start();
    }

    /**
     * Registers how to undo a start-up step that just succeeded; returns {@code step}. If the node is
     * already closing (a fatal error or a shutdown hook during start-up), undoes the step at once and
     * throws, so start-up stops instead of opening resources nobody closes.
     */
    private <T extends AutoCloseable> T onClose(T step) throws IOException {
        synchronized (this) {
            if (!closed) {
                closeOrder.addFirst(step);
                return step;
            }
        }
        closeStep(step);
        throw new IOException("node " + config.nodeId() + " was stopped during start-up");
    }

    /**
     * A fatal error (a failed metadata log, a state machine that cannot apply): the node stops on a thread
     * of its own, since the caller is one of the threads close() stops. Start-up, if still running, notices
     * and fails.
     */
    private void fatal(Throwable error) {
        log.error("Fatal error on node {}; stopping it rather than running on with a broken metadata log", config.nodeId(), error);
        Thread stopper = new Thread(this::close, "node-" + config.nodeId() + "-fatal-stop");
        stopper.setDaemon(false);
        stopper.start();
    }

    public NodeConfig config() {
        return config;
    }

    public String clusterId() {
        return clusterId;
    }

    public int nodeId() {
        return config.nodeId();
    }

    /** The bound port of a listener (useful when it asked for port 0). */
    public synchronized Optional<Integer> port(String listenerName) {
        return Optional.ofNullable(listenerServers.get(listenerName)).map(ListenerServer::port);
    }

    /** True once every broker listener answers clients (immediately true for a controller-only node). */
    public synchronized boolean isReady() {
        return !closed && listenerServers.values().stream().allMatch(ListenerServer::isReady);
    }

    public Optional<ControllerServer> controller() {
        return Optional.ofNullable(controller);
    }

    public Optional<ReplicaManager> replicaManager() {
        return Optional.ofNullable(replicaManager);
    }

    public Optional<GroupCoordinator> groupCoordinator() {
        return Optional.ofNullable(groupCoordinator);
    }

    public Optional<LogManager> logManager() {
        return Optional.ofNullable(logManager);
    }

    public Optional<MetadataImage> brokerImage() {
        return Optional.ofNullable(metadataLoader).map(MetadataLoader::currentImage);
    }

    /** Completes once this broker has acted on the metadata log up to {@code offset}. */
    public CompletableFuture<MetadataImage> awaitMetadata(long offset) {
        if (metadataLoader == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + config.nodeId() + " is not a broker"));
        }
        return metadataLoader.awaitOffset(offset);
    }

    /** One line for people: roles, cluster, listeners, data directories. */
    public synchronized String describe() {
        StringBuilder text = new StringBuilder("Runnel node ").append(config.nodeId()).append(" (")
                .append(String.join(",", config.roles().stream().sorted().toList())).append(") of cluster ").append(clusterId);
        listenerServers.forEach((name, server) -> text.append(", ").append(name).append("://")
                .append(server.listener().host().isBlank() ? "0.0.0.0" : server.listener().host()).append(':').append(server.port()));
        text.append(", data in ").append(config.isBroker() ? config.logDirs() : List.of(config.metadataDir()));
        return text.toString();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    public boolean awaitShutdown(long timeoutMs) throws InterruptedException {
        return stopped.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the node as a crash would look to the rest of the cluster: no controlled shutdown, so the
     * controller learns of it only when the broker's session expires. Files are still closed cleanly
     * (for a real crash, see the multi-process kill -9 tests).
     */
    public void kill() {
        skipControlledShutdown = true;
        close();
    }

    /**
     * Stops the node: listeners report NOT_SERVING, then every start-up step is undone, newest first. Safe
     * from any thread, at any time (also while {@link #start} runs: start-up then fails), and idempotent;
     * {@link #awaitShutdown} returns once the first call finished, whatever a step threw.
     */
    @Override
    public void close() {
        List<AutoCloseable> steps;
        List<ListenerServer> listeners;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            steps = List.copyOf(closeOrder);
            closeOrder.clear();
            listeners = List.copyOf(listenerServers.values());
        }
        closing.complete(null);
        try {
            listeners.forEach(ListenerServer::markNotServing);
            steps.forEach(this::closeStep);
            log.info("Runnel node {} stopped", config.nodeId());
        } finally {
            stopped.countDown();
        }
    }

    private void closeStep(AutoCloseable step) {
        try {
            step.close();
        } catch (Exception | LinkageError | AssertionError e) {
            log.warn("Error while stopping node {}: {}", config.nodeId(), e.toString());
        }
    }
}
