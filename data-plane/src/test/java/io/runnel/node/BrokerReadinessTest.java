package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.metadata.testing.FreePorts;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.CreateTopicsResponse;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataServiceGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A broker answers its first client request only once it can serve it: a client that creates a topic the
 * moment the first request (or health check) succeeds never sees "0 available brokers", on any of many
 * starts in a row. Each request goes out on a fresh connection, as a new CLI process would, so nothing in
 * a channel's reconnect backoff hides an early answer. A normal start logs no warning.
 */
class BrokerReadinessTest {

    /** Starts per test: the race this guards against was lost about one start in two. */
    private static final int STARTS = 6;
    private static final long CALL_DEADLINE_MS = 60_000;
    private static final long START_BOUND_S = 120;

    @TempDir
    Path dir;

    private final ExecutorService starter = Executors.newSingleThreadExecutor();
    private final List<RunnelNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(RunnelNode::close);
        starter.shutdownNow();
    }

    @Test
    void aTopicCreatedRightAfterTheFirstAnsweredRequestIsPlaced() throws Exception {
        for (int start = 0; start < STARTS; start++) {
            try (WarningCapture warnings = WarningCapture.attach()) {
                Booting booting = boot(start);
                // The first request that gets any answer: before the listener binds, connections are refused.
                awaitFirstAnswer(booting.brokerPort(), channel -> MetadataServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                        .getMetadata(MetadataRequest.newBuilder().setAllTopics(true).build()));
                assertThat(createTopic(booting.brokerPort(), "t" + start)).as("start %d", start).isEqualTo("NONE");
                nodes.add(booting.node().get(START_BOUND_S, TimeUnit.SECONDS));
                assertThat(warnings.lines()).as("warnings while starting (start %d)", start).isEmpty();
            }
        }
    }

    @Test
    void aTopicCreatedRightAfterHealthSaysServingIsPlaced() throws Exception {
        for (int start = 0; start < STARTS; start++) {
            Booting booting = boot(start);
            ServingStatus status;
            do {
                status = awaitFirstAnswer(booting.brokerPort(), channel -> HealthGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus());
            } while (status != ServingStatus.SERVING);
            assertThat(createTopic(booting.brokerPort(), "h" + start)).as("start %d", start).isEqualTo("NONE");
            nodes.add(booting.node().get(START_BOUND_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void closingANodeWhileItStartsStopsTheStartAndReleasesEverything() throws Exception {
        // A broker whose controller quorum never answers waits to be unfenced (60 s) after binding its listener.
        int brokerPort = freePort();
        int silentControllerPort = FreePorts.adjacentPair();
        NodeConfig config = new NodeConfig(Map.of("process.roles", "broker", "node.id", "4",
                "listeners", "PLAINTEXT://127.0.0.1:" + brokerPort,
                "controller.quorum.voters", "1@127.0.0.1:" + silentControllerPort,
                "log.dirs", dir.resolve("waiting").toString()));
        StorageFormatter.format(config, io.runnel.metadata.server.MetaProperties.randomClusterId(), false);
        java.util.concurrent.atomic.AtomicReference<RunnelNode> created = new java.util.concurrent.atomic.AtomicReference<>();
        Future<RunnelNode> starting = starter.submit(() -> RunnelNode.start(config, created::set));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(START_BOUND_S))
                .until(() -> created.get() != null && created.get().port("PLAINTEXT").isPresent());
        RunnelNode node = created.get();
        assertThat(node.isReady()).isFalse();

        node.close();

        assertThatThrownBy(() -> starting.get(START_BOUND_S, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IOException.class).hasMessageContaining("stopped during start-up");
        assertThat(node.awaitShutdown(TimeUnit.SECONDS.toMillis(START_BOUND_S))).isTrue();
        // The listener is gone and the data directory unlocked: the same node starts again on it.
        assertThatThrownBy(() -> new java.net.Socket("127.0.0.1", brokerPort).close()).isInstanceOf(IOException.class);
        io.runnel.storage.LogManager again = new io.runnel.storage.LogManager(config.logManagerConfig(),
                tp -> io.runnel.storage.LogConfig.defaults(), null, io.runnel.common.time.Time.SYSTEM);
        again.startup();
        again.shutdown();
    }

    private record Booting(int brokerPort, Future<RunnelNode> node) {
    }

    /** Starts a single-node cluster on another thread, on fresh ports and a fresh directory. */
    private Booting boot(int start) throws IOException {
        int brokerPort = freePort();
        int controllerPort = FreePorts.adjacentPair();
        NodeConfig config = new NodeConfig(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "controller.quorum.voters", "1@127.0.0.1:" + controllerPort,
                "log.dirs", dir.resolve("start-" + start).toString()));
        return new Booting(brokerPort, starter.submit(() -> RunnelNode.start(config)));
    }

    /** Calls {@code rpc} on a new connection until it is answered; a refused connection is tried again at once. */
    private static <T> T awaitFirstAnswer(int port, Function<ManagedChannel, T> rpc) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_BOUND_S);
        while (true) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            try {
                return rpc.apply(channel);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadlineNs) {
                    throw e;
                }
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Creates a topic of one partition and one replica; its error, NONE on success, with the server's message. */
    private static String createTopic(int port, String name) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            CreateTopicsResponse response = AdminServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(30_000)
                            .addTopics(CreatableTopic.newBuilder().setName(name).setNumPartitions(1).setReplicationFactor(1))
                            .build());
            assertThat(response.getTopicsList()).hasSize(1);
            return response.getTopics(0).getError() + (response.getTopics(0).getErrorMessage().isEmpty() ? ""
                    : ": " + response.getTopics(0).getErrorMessage());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** WARN and ERROR lines of Runnel's own loggers and Ratis's, while attached. Thread-safe. */
    static final class WarningCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
        private final List<String> lines = new ArrayList<>();
        private final Logger root;

        private WarningCapture(Logger root) {
            this.root = root;
        }

        static WarningCapture attach() {
            LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
            WarningCapture capture = new WarningCapture(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME));
            capture.setContext(context);
            capture.setName("warning-capture");
            capture.start();
            capture.root.addAppender(capture);
            return capture;
        }

        @Override
        protected synchronized void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.WARN)
                    && (event.getLoggerName().startsWith("io.runnel") || event.getLoggerName().startsWith("org.apache.ratis"))) {
                lines.add(event.getLevel() + " " + event.getLoggerName() + " [" + event.getThreadName() + "]: "
                        + event.getFormattedMessage());
            }
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }

        @Override
        public void close() {
            root.detachAppender(this);
            stop();
        }
    }
}
