package io.runnel.metadata.testing;

import io.runnel.common.time.Time;
import io.runnel.metadata.client.ControllerChannel;
import io.runnel.metadata.server.ControllerConfig;
import io.runnel.metadata.server.ControllerServer;
import io.runnel.metadata.server.QuorumVoters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;

/**
 * N controllers in one JVM on loopback: real Ratis, RocksDB and gRPC, each in its own directory under
 * {@code baseDir}, with stop and restart of single nodes. Each voter gets a pair of free ports (gRPC
 * port P, Ratis port P + 1); when a start fails to bind, the whole quorum is retried on new ports.
 *
 * <p>Fatal errors reported by any controller are collected in {@link #fatalErrors()} so a test can
 * assert there were none. Not thread-safe: one test thread drives it.
 */
public final class ControllerQuorumHarness implements AutoCloseable {

    public static final String CLUSTER_ID = "harness-cluster";
    private static final String HOST = "127.0.0.1";
    private static final int START_ATTEMPTS = 3;

    private final Path baseDir;
    private final UnaryOperator<ControllerConfig.Builder> tweak;
    private final List<Throwable> fatalErrors = new CopyOnWriteArrayList<>();
    private final Map<Integer, ControllerServer> running = new TreeMap<>();
    private final List<ControllerChannel> channels = new ArrayList<>();
    private QuorumVoters voters;

    private ControllerQuorumHarness(Path baseDir, UnaryOperator<ControllerConfig.Builder> tweak) {
        this.baseDir = baseDir;
        this.tweak = tweak;
    }

    /**
     * Test defaults: elections in 500–1000 ms (short, yet long enough that a loaded 2-core machine
     * does not depose leaders by itself), 10 s request timeout, and a heartbeat interval below the short
     * sessions some tests use (the controllers do not read it, but the settings are checked together).
     */
    public static ControllerConfig.Builder testDefaults(ControllerConfig.Builder builder) {
        return builder.electionTimeoutMs(500).requestTimeoutMs(10_000)
                .set(io.runnel.common.config.ServerSettings.BROKER_HEARTBEAT_INTERVAL_MS, 250);
    }

    /** Starts {@code count} voters with node ids 1..count and waits for an active controller. */
    public static ControllerQuorumHarness start(int count, Path baseDir, UnaryOperator<ControllerConfig.Builder> tweak) {
        IOException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            ControllerQuorumHarness harness = new ControllerQuorumHarness(baseDir.resolve("attempt-" + attempt), tweak);
            try {
                harness.voters = freeVoters(count);
                for (QuorumVoters.Voter voter : harness.voters.list()) {
                    harness.startNode(voter.nodeId());
                }
                harness.awaitActive(Duration.ofSeconds(30));
                return harness;
            } catch (IOException e) {
                last = e;
                harness.close();
            }
        }
        throw new UncheckedIOException("could not start a quorum of " + count + " on free ports", last);
    }

    public QuorumVoters voters() {
        return voters;
    }

    public List<Throwable> fatalErrors() {
        return fatalErrors;
    }

    public ControllerConfig config(int nodeId) {
        return tweak.apply(testDefaults(ControllerConfig.builder(nodeId, CLUSTER_ID, voters,
                baseDir.resolve("node-" + nodeId)))).build();
    }

    private ControllerServer startNode(int nodeId) throws IOException {
        ControllerServer server = ControllerServer.startWithOwnGrpcServer(config(nodeId), Time.SYSTEM, fatalErrors::add);
        running.put(nodeId, server);
        return server;
    }

    public ControllerServer controller(int nodeId) {
        ControllerServer server = running.get(nodeId);
        if (server == null) {
            throw new IllegalStateException("controller " + nodeId + " is not running");
        }
        return server;
    }

    public List<ControllerServer> running() {
        return new ArrayList<>(running.values());
    }

    /** The running controller that is active, if any. */
    public Optional<ControllerServer> active() {
        return running.values().stream().filter(ControllerServer::isRaftLeader).findFirst();
    }

    public ControllerServer awaitActive(Duration timeout) {
        Awaitility.await("an active controller").atMost(timeout).pollInterval(Duration.ofMillis(20))
                .until(() -> active().isPresent());
        return active().orElseThrow();
    }

    /** Stops a controller (its gRPC server and Ratis peer); its directory is kept for a restart. */
    public void stop(int nodeId) {
        ControllerServer server = running.remove(nodeId);
        if (server != null) {
            server.close();
        }
    }

    /** In one JVM a kill is a stop without any hand-over: the peers only notice the silence. */
    public void kill(int nodeId) {
        stop(nodeId);
    }

    /** Starts a stopped controller again on its ports and directory. */
    public ControllerServer restart(int nodeId) {
        if (running.containsKey(nodeId)) {
            throw new IllegalStateException("controller " + nodeId + " is running");
        }
        try {
            return startNode(nodeId);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart controller " + nodeId, e);
        }
    }

    /** A channel to the voters, closed with the harness. */
    public ControllerChannel newChannel() {
        ControllerChannel channel = new ControllerChannel(voters);
        channels.add(channel);
        return channel;
    }

    @Override
    public void close() {
        channels.forEach(ControllerChannel::close);
        channels.clear();
        new ArrayList<>(running.keySet()).forEach(this::stop);
    }

    /** Voters 1..count, each on a port P whose P + 1 was free too. */
    static QuorumVoters freeVoters(int count) {
        List<QuorumVoters.Voter> list = new ArrayList<>();
        for (int nodeId = 1; nodeId <= count; nodeId++) {
            list.add(new QuorumVoters.Voter(nodeId, HOST, FreePorts.adjacentPair()));
        }
        return QuorumVoters.of(list);
    }
}
