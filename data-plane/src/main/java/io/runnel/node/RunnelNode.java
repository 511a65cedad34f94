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
import io.runnel.replication.ReplicaManager;
import io.runnel.rpc.AdminServiceImpl;
import io.runnel.rpc.BrokerMetadata;
import io.runnel.rpc.FetchServiceImpl;
import io.runnel.rpc.GroupServiceImpl;
import io.runnel.rpc.MetadataServiceImpl;
import io.runnel.rpc.ProduceServiceImpl;
import io.runnel.rpc.TopicConfigResolver;
import io.runnel.storage.LogManager;
import io.runnel.storage.LogManagerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Runnel process: a controller (a Ratis voter of the metadata quorum), a broker, or both, as
 * {@code process.roles} says. Start-up order: check or format the data directories, start the
 * controller and its listener, then the broker's storage, metadata loader, client listeners, and
 * finally register with the controller and wait to be unfenced. {@link #close()} runs the reverse,
 * with a controlled shutdown first so partition leadership moves before the broker stops.
 *
 * <p>Thread-safe: {@link #close()} may be called from a shutdown hook while another thread waits in
 * {@link #awaitShutdown()}.
 */
public final class RunnelNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunnelNode.class);
    /** Shortest wait for the quorum to admit a starting broker: a multi-process cluster starts its nodes in any order. */
    private static final long UNFENCE_TIMEOUT_MS_MIN = 60_000;
    /** Poll period while start-up waits for the broker's own image to catch up (start-up only). */
    private static final long METADATA_POLL_MS = 10;

    private final NodeConfig config;
    private final String clusterId;
    private final QuorumVoters voters;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<AutoCloseable> closeOrder = new ArrayList<>();
    private final Map<String, ListenerServer> listenerServers = new LinkedHashMap<>();

    private ControllerServer controller;
    private LogManager logManager;
    private ReplicaManager replicaManager;
    private GroupCoordinator groupCoordinator;
    private MetadataLoader metadataLoader;
    private ControllerChannel controllerChannel;
    /** Written once at start-up, read by the coordinator's internal-topic creation on other threads. */
    private volatile BrokerLifecycleManager lifecycle;
    private ScheduledExecutorService scheduler;
    private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry metrics = MetricsServer.newRegistry();
    private MetricsServer metricsServer;
    private boolean closed;
    private volatile boolean skipControlledShutdown;

    private RunnelNode(NodeConfig config, String clusterId, QuorumVoters voters) {
        this.config = config;
        this.clusterId = clusterId;
        this.voters = voters;
    }

    /** Starts a node; on failure everything started so far is stopped again and the error rethrown. */
    public static RunnelNode start(NodeConfig config) throws IOException {
        QuorumVoters voters = QuorumVoters.parse(config.quorumVoters());
        boolean soleVoter = config.isController() && voters.size() == 1 && voters.voter(config.nodeId()).isPresent();
        String clusterId = StorageFormatter.checkOrAutoFormat(config, soleVoter);
        RunnelNode node = new RunnelNode(config, clusterId, voters);
        try {
            if (config.isController()) {
                node.startController();
            }
            if (config.isBroker()) {
                node.startBroker();
            }
            node.startMetrics();
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        log.info("Runnel node {} started: {}", config.nodeId(), node.describe());
        return node;
    }

    private void startController() throws IOException {
        if (voters.voter(config.nodeId()).isEmpty()) {
            throw new io.runnel.common.config.ConfigException(NodeConfig.NODE_ID, config.nodeId(),
                    "a controller must be one of controller.quorum.voters=" + config.quorumVoters());
        }
        ControllerConfig controllerConfig = ControllerConfig.builder(config.nodeId(), clusterId, voters, config.metadataDir())
                .requestTimeoutMs(config.requestTimeoutMs())
                .brokerSessionTimeoutMs(config.brokerSessionTimeoutMs())
                .snapshotRecords(config.metadataSnapshotRecords())
                .clusterDefaults(clusterDefaults())
                .build();
        controller = new ControllerServer(controllerConfig, Time.SYSTEM, this::fatal);
        // The listener first, so that peers and brokers reach this controller as soon as Ratis runs.
        Listener listener = config.listener(config.controllerListenerName()).orElseThrow();
        startListener(listener, List.of(controller.service()));
        controller.start();
        closeOrder.add(0, controller);
    }

    private void startMetrics() throws IOException {
        if (controller != null) {
            controller.bindMetrics(metrics);
        }
        if (metadataLoader != null) {
            metadataLoader.bindMetrics(metrics);
            ReplicaManager replicas = replicaManager;
            io.micrometer.core.instrument.Gauge.builder("runnel.broker.partitions", () -> replicas.partitions().size())
                    .description("partition replicas hosted by this broker").register(metrics);
            io.micrometer.core.instrument.Gauge.builder("runnel.broker.leader.partitions",
                    () -> replicas.partitions().values().stream().filter(p -> p.isLeader()).count())
                    .description("partitions this broker leads").register(metrics);
            io.micrometer.core.instrument.Gauge.builder("runnel.broker.under.replicated.partitions",
                    () -> replicas.partitions().values().stream().filter(p -> p.isLeader() && p.isr().size() < p.replicas().size()).count())
                    .description("led partitions whose ISR is smaller than their replica set").register(metrics);
            bindCleanerMetrics(logManager.cleaner());
        }
        if (config.metricsPort() >= 0) {
            String host = config.listeners().get(0).host();
            metricsServer = new MetricsServer(metrics, host.isBlank() ? "0.0.0.0" : host, config.metricsPort());
            closeOrder.add(0, metricsServer);
            log.info("Metrics served at http://{}:{}/metrics", host, metricsServer.port());
        }
    }

    /** The log cleaner's gauges, under Kafka's metric names (kafka.log:type=LogCleaner / LogCleanerManager). */
    private void bindCleanerMetrics(io.runnel.storage.LogCleaner cleaner) {
        gauge("runnel.log.cleaner.max-dirty-percent", cleaner::maxDirtyPercent,
                "dirty share of the dirtiest compacted log at the cleaner's last check, in percent");
        gauge("runnel.log.cleaner.cleaner-recopy-percent", cleaner::cleanerRecopyPercent,
                "bytes written / bytes read by the cleaner threads' last cleanings, in percent");
        gauge("runnel.log.cleaner.max-clean-time-secs", cleaner::maxCleanTimeSecs, "longest of the cleaner threads' last cleanings");
        gauge("runnel.log.cleaner.max-compaction-delay-secs", cleaner::maxCompactionDelaySecs,
                "how far the most overdue compacted log is past max.compaction.lag.ms");
        gauge("runnel.log.cleaner.max-buffer-utilization-percent", cleaner::maxBufferUtilizationPercent,
                "fullest key map of the cleaner threads' last cleanings, in percent");
        gauge("runnel.log.cleaner.dead-thread-count", cleaner::deadThreadCount, "cleaner threads that died of an unexpected error");
        gauge("runnel.log.cleaner.time-since-last-run-ms", cleaner::timeSinceLastRunMs, "since the cleaner last looked for work");
        gauge("runnel.log.cleaner.uncleanable-partitions-count", cleaner::uncleanablePartitionsCount,
                "compacted logs the cleaner gave up on after an error");
    }

    private void gauge(String name, java.util.function.Supplier<Number> value, String description) {
        io.micrometer.core.instrument.Gauge.builder(name, value).description(description).register(metrics);
    }

    /** Port of the Prometheus endpoint, when {@code metrics.port} enabled it. */
    public Optional<Integer> metricsPort() {
        return Optional.ofNullable(metricsServer).map(MetricsServer::port);
    }

    private Map<String, String> clusterDefaults() {
        return clusterDefaults(config);
    }

    /** The broker-level settings the controller decides with, under Kafka's server keys. */
    static Map<String, String> clusterDefaults(NodeConfig config) {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(NodeConfig.NUM_PARTITIONS, String.valueOf(config.numPartitions()));
        defaults.put(NodeConfig.DEFAULT_REPLICATION_FACTOR, String.valueOf(config.defaultReplicationFactor()));
        defaults.put(NodeConfig.AUTO_LEADER_REBALANCE_ENABLE, String.valueOf(config.get(NodeConfig.AUTO_LEADER_REBALANCE_ENABLE)));
        defaults.put(NodeConfig.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS,
                String.valueOf(config.get(NodeConfig.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS)));
        defaults.put(NodeConfig.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE,
                String.valueOf(config.get(NodeConfig.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE)));
        // Topic defaults travel under their server keys (log.retention.ms for retention.ms), as the controller expects.
        config.topicDefaults().forEach((topicKey, value) ->
                io.runnel.common.config.TopicConfig.serverDefaultKey(topicKey).ifPresent(serverKey -> defaults.put(serverKey, value)));
        return defaults;
    }

    private void startBroker() throws IOException {
        scheduler = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "broker-" + config.nodeId() + "-scheduler");
            thread.setDaemon(true);
            return thread;
        });
        closeOrder.add(0, scheduler::shutdownNow);
        TopicConfigResolver topicConfigs = new TopicConfigResolver(config.topicDefaults());
        controllerChannel = new ControllerChannel(voters);
        closeOrder.add(0, controllerChannel);
        metadataLoader = new MetadataLoader(controllerChannel, config.nodeId(), Time.SYSTEM);
        logManager = new LogManager(LogManagerConfig.fromProperties(config.logManagerProperties()),
                tp -> topicConfigs.logConfig(metadataLoader.currentImage(), tp.topic()), scheduler, Time.SYSTEM);
        logManager.startup();
        closeOrder.add(0, logManager::shutdown);
        replicaManager = new ReplicaManager(config.nodeId(), logManager);
        closeOrder.add(0, replicaManager);
        MetadataLoader loader = metadataLoader;
        metadataLoader.register(new BrokerMetadataPublisher(config.nodeId(), replicaManager, logManager, topicConfigs,
                loader::committedOffset));
        // Before the loader starts, so the coordinator hears of every offsets partition this broker comes to lead.
        groupCoordinator = new GroupCoordinator(config.nodeId(), replicaManager, loader::currentImage,
                this::createInternalTopic, config.groupCoordinatorConfig(), Time.SYSTEM);
        closeOrder.add(0, groupCoordinator);
        replicaManager.addLeadershipListener(groupCoordinator);
        metadataLoader.register(groupCoordinator);
        metadataLoader.start();
        closeOrder.add(0, metadataLoader);

        BrokerMetadata brokerMetadata = new LoaderBrokerMetadata(metadataLoader, controllerChannel, clusterId);
        ChannelControllerGateway gateway = new ChannelControllerGateway(controllerChannel, Duration.ofMillis(config.requestTimeoutMs()));
        Map<String, String> brokerConfigs = new LinkedHashMap<>(config.originals());
        List<Endpoint> endpoints = new ArrayList<>();
        for (Listener listener : config.brokerListeners()) {
            String name = listener.name();
            List<BindableService> services = List.of(
                    new MetadataServiceImpl(brokerMetadata, gateway, name, config.autoCreateTopicsEnable(), config.requestTimeoutMs()),
                    new ProduceServiceImpl(replicaManager, brokerMetadata, name),
                    new FetchServiceImpl(replicaManager, brokerMetadata, name),
                    new AdminServiceImpl(brokerMetadata, gateway, replicaManager, topicConfigs, brokerConfigs, name,
                            config.deleteTopicEnable(), config.requestTimeoutMs()),
                    new GroupServiceImpl(groupCoordinator, brokerMetadata, name).withClientAddresses());
            ListenerServer server = startListener(listener, services);
            endpoints.add(advertised(listener, server.port()));
        }
        lifecycle = new BrokerLifecycleManager(config.nodeId(), clusterId, UUID.randomUUID(),
                endpoints.stream().map(Endpoint::toProto).toList(), config.rack(),
                controllerChannel, metadataLoader::appliedOffset, Time.SYSTEM, config.brokerHeartbeatIntervalMs());
        lifecycle.start();
        closeOrder.add(0, this::stopLifecycle);
        Duration unfenceTimeout = Duration.ofMillis(Math.max(UNFENCE_TIMEOUT_MS_MIN, config.requestTimeoutMs()));
        try {
            if (!lifecycle.awaitUnfenced(unfenceTimeout)) {
                throw new IOException("broker " + config.nodeId() + " was not admitted (unfenced) by the controller quorum within "
                        + unfenceTimeout.toMillis() + " ms; are the voters " + config.quorumVoters() + " running and reachable?");
            }
            awaitOwnUnfencingApplied(unfenceTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for broker " + config.nodeId() + " to be unfenced", e);
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
        BrokerLifecycleManager current = lifecycle;
        if (current == null || current.brokerEpoch() < 0) {
            return CompletableFuture.failedFuture(new io.runnel.common.errors.ApiException(
                    io.runnel.proto.ErrorCode.COORDINATOR_NOT_AVAILABLE, "broker " + config.nodeId() + " is not registered yet"));
        }
        io.runnel.proto.CreateInternalTopicsRequest request = io.runnel.proto.CreateInternalTopicsRequest.newBuilder()
                .setBrokerId(config.nodeId())
                .setBrokerEpoch(current.brokerEpoch())
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

    private ListenerServer startListener(Listener listener, List<BindableService> services) throws IOException {
        ListenerServer server = new ListenerServer(listener, services, config.queuedMaxRequests(), config.socketRequestMaxBytes());
        server.start();
        listenerServers.put(listener.name(), server);
        closeOrder.add(0, server);
        return server;
    }

    private void fatal(Throwable error) {
        log.error("Fatal error on node {}; stopping it rather than running on with a broken metadata log", config.nodeId(), error);
        CompletableFuture.runAsync(this::close);
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
    public Optional<Integer> port(String listenerName) {
        return Optional.ofNullable(listenerServers.get(listenerName)).map(ListenerServer::port);
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
    public String describe() {
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

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        listenerServers.values().forEach(ListenerServer::markNotServing);
        for (AutoCloseable step : closeOrder) {
            try {
                step.close();
            } catch (Exception e) {
                log.warn("Error while stopping node {}: {}", config.nodeId(), e.toString());
            }
        }
        log.info("Runnel node {} stopped", config.nodeId());
        stopped.countDown();
    }
}
