package io.runnel.node.testing;

import io.runnel.metadata.testing.FreePorts;
import io.runnel.metadata.server.MetaProperties;
import io.runnel.node.NodeConfig;
import io.runnel.node.NodeHooks;
import io.runnel.node.RunnelNode;
import io.runnel.node.StorageFormatter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * An in-process Runnel cluster for tests: N controllers and M brokers in this JVM on loopback, each
 * node with its own directory under the given one. With one controller and one broker it is a
 * single combined node, as {@code runnel server} runs. Nodes can be stopped, killed (no controlled
 * shutdown) and restarted on the same directories and ports. Not thread-safe: one test drives it.
 */
public final class LocalCluster implements AutoCloseable {

    private final Path dir;
    private final int controllers;
    private final int brokers;
    private final Map<String, String> overrides;
    private final String clusterId = MetaProperties.randomClusterId();
    private final Map<Integer, NodeConfig> configs = new TreeMap<>();
    private final Map<Integer, RunnelNode> running = new TreeMap<>();
    /** Links to controllers relayed through proxies, keyed "from->to" (node ids), when enabled. */
    private final Map<String, LinkProxy> links = new LinkedHashMap<>();
    private boolean relayLinks;

    private LocalCluster(Path dir, int controllers, int brokers, Map<String, String> overrides) {
        this.dir = dir;
        this.controllers = controllers;
        this.brokers = brokers;
        this.overrides = Map.copyOf(overrides);
    }

    public static LocalCluster singleNode(Path dir) {
        return new LocalCluster(dir, 1, 1, Map.of());
    }

    public static LocalCluster singleNode(Path dir, Map<String, String> overrides) {
        return new LocalCluster(dir, 1, 1, overrides);
    }

    /** Controllers get ids 1..controllers; brokers ids 101..100+brokers (unless a single combined node). */
    public static LocalCluster of(Path dir, int controllers, int brokers, Map<String, String> overrides) {
        return new LocalCluster(dir, controllers, brokers, overrides);
    }

    /**
     * Routes every node's traffic to each controller (Ratis and gRPC) through a relay of its own, so a
     * test can {@link #dropTraffic drop} the link between two nodes. Call before {@link #start()}.
     */
    public LocalCluster withDroppableLinks() {
        if (combined()) {
            throw new IllegalStateException("a single combined node has no links between nodes");
        }
        relayLinks = true;
        return this;
    }

    /**
     * Drops (or with {@code dropped=false} restores) the network link between two nodes, in both
     * directions. Links exist from every node to every other controller, and from every broker to every
     * other broker it fetches from as a follower (created at its first fetch).
     */
    public void dropTraffic(int nodeA, int nodeB, boolean dropped) {
        LinkProxy forward = links.get(nodeA + "->" + nodeB);
        LinkProxy backward = links.get(nodeB + "->" + nodeA);
        if (forward == null && backward == null) {
            throw new IllegalArgumentException("no relayed link between nodes " + nodeA + " and " + nodeB
                    + " (use withDroppableLinks; links lead to controllers)");
        }
        if (forward != null) {
            forward.drop(dropped);
        }
        if (backward != null) {
            backward.drop(dropped);
        }
    }

    private boolean combined() {
        return controllers == 1 && brokers == 1;
    }

    /**
     * Formats every node's directories with one cluster id and starts all nodes, controllers first.
     * After {@link #close()}, starts them again on the same directories and ports.
     */
    public LocalCluster start() {
        if (configs.isEmpty()) {
            configure();
        }
        startAll();
        return this;
    }

    private void configure() {
        List<String> voters = new ArrayList<>();
        Map<Integer, Integer> controllerPorts = new LinkedHashMap<>();
        for (int id = 1; id <= controllers; id++) {
            int port = FreePorts.adjacentPair();
            controllerPorts.put(id, port);
            voters.add(id + "@127.0.0.1:" + port);
        }
        String voterList = String.join(",", voters);
        for (int id = 1; id <= controllers; id++) {
            Map<String, String> props = base(id, relayLinks ? relayedVoters(id, controllerPorts) : voterList);
            props.put("process.roles", combined() ? "broker,controller" : "controller");
            props.put("listeners", (combined() ? "PLAINTEXT://127.0.0.1:0," : "") + "CONTROLLER://127.0.0.1:" + controllerPorts.get(id));
            configs.put(id, new NodeConfig(withOverrides(props)));
        }
        if (!combined()) {
            for (int i = 1; i <= brokers; i++) {
                int id = 100 + i;
                Map<String, String> props = base(id, relayLinks ? relayedVoters(id, controllerPorts) : voterList);
                props.put("process.roles", "broker");
                props.put("listeners", "PLAINTEXT://127.0.0.1:0");
                configs.put(id, new NodeConfig(withOverrides(props)));
            }
        }
        configs.values().forEach(config -> StorageFormatter.format(config, clusterId, true));
    }

    private void startAll() {
        // Controllers start in parallel: a quorum of several needs a majority up before any can finish.
        List<Thread> starters = new ArrayList<>();
        List<RuntimeException> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (Map.Entry<Integer, NodeConfig> entry : configs.entrySet()) {
            if (entry.getValue().isController() && !entry.getValue().isBroker()) {
                Thread thread = new Thread(() -> {
                    try {
                        startNode(entry.getKey());
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                });
                thread.start();
                starters.add(thread);
            }
        }
        for (Thread thread : starters) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        for (Map.Entry<Integer, NodeConfig> entry : configs.entrySet()) {
            if (entry.getValue().isBroker()) {
                startNode(entry.getKey());
            }
        }
    }

    /** The voters as {@code nodeId} sees them: itself directly, every other controller through a relay. */
    private String relayedVoters(int nodeId, Map<Integer, Integer> controllerPorts) {
        List<String> voters = new ArrayList<>();
        controllerPorts.forEach((controllerId, port) -> {
            if (controllerId == nodeId) {
                voters.add(controllerId + "@127.0.0.1:" + port);
                return;
            }
            LinkProxy link = new LinkProxy("127.0.0.1", port);
            links.put(nodeId + "->" + controllerId, link);
            voters.add(controllerId + "@127.0.0.1:" + link.port());
        });
        return String.join(",", voters);
    }

    /** The address follower {@code followerId} dials to reach leader {@code leaderId}: a relay of that link. */
    private java.net.InetSocketAddress replicaLink(int followerId, int leaderId, java.net.InetSocketAddress advertised) {
        LinkProxy link;
        synchronized (links) {
            String key = followerId + "->" + leaderId;
            link = links.get(key);
            if (link == null || link.targetPort() != advertised.getPort()) {
                link = new LinkProxy(advertised.getHostString(), advertised.getPort());
                LinkProxy previous = links.put(key, link);
                if (previous != null) {
                    link.drop(previous.isDropped());
                    previous.close();
                }
            }
        }
        return java.net.InetSocketAddress.createUnresolved("127.0.0.1", link.port());
    }

    private Map<String, String> base(int id, String voters) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("node.id", String.valueOf(id));
        props.put("controller.quorum.voters", voters);
        props.put("log.dirs", dir.resolve("node-" + id).resolve("data").toString());
        props.put("metadata.log.dir", dir.resolve("node-" + id).resolve("metadata").toString());
        return props;
    }

    private Map<String, String> withOverrides(Map<String, String> props) {
        props.putAll(overrides);
        return props;
    }

    private void startNode(int id) {
        NodeConfig config = configs.get(id);
        RunnelNode previous = running.get(id);
        if (previous != null) {
            throw new IllegalStateException("node " + id + " is already running");
        }
        try {
            // A restarted broker keeps the port it had, so clients' bootstrap lists stay valid.
            RunnelNode node = RunnelNode.start(config, relayLinks ? new NodeHooks(this::replicaLink) : NodeHooks.NONE);
            synchronized (running) {
                running.put(id, node);
            }
            if (config.isBroker() && config.listener("PLAINTEXT").map(l -> l.port() == 0).orElse(false)) {
                pinBrokerPort(id, node.port("PLAINTEXT").orElseThrow());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void pinBrokerPort(int id, int port) {
        NodeConfig config = configs.get(id);
        Map<String, String> props = new LinkedHashMap<>(config.originals());
        props.put("listeners", config.listeners().stream()
                .map(l -> l.name().equals("PLAINTEXT") ? "PLAINTEXT://127.0.0.1:" + port : l.toString())
                .collect(Collectors.joining(",")));
        configs.put(id, new NodeConfig(props));
    }

    /** Comma-separated client addresses of the running brokers. */
    public String bootstrapServers() {
        return running.values().stream().filter(node -> node.config().isBroker())
                .map(node -> "127.0.0.1:" + node.port("PLAINTEXT").orElseThrow())
                .collect(Collectors.joining(","));
    }

    public RunnelNode node(int id) {
        RunnelNode node = running.get(id);
        if (node == null) {
            throw new IllegalArgumentException("node " + id + " is not running; running: " + running.keySet());
        }
        return node;
    }

    public List<Integer> nodeIds() {
        return List.copyOf(configs.keySet());
    }

    public List<Integer> brokerIds() {
        return configs.entrySet().stream().filter(e -> e.getValue().isBroker()).map(Map.Entry::getKey).toList();
    }

    public List<Integer> controllerIds() {
        return configs.entrySet().stream().filter(e -> e.getValue().isController()).map(Map.Entry::getKey).toList();
    }

    public boolean isRunning(int id) {
        return running.containsKey(id);
    }

    public String clusterId() {
        return clusterId;
    }

    /** Stops a node cleanly (controlled shutdown for a broker). */
    public void stop(int id) {
        RunnelNode node = running.remove(id);
        if (node != null) {
            node.close();
        }
    }

    /**
     * Stops a node without controlled shutdown: the controller notices only when its session expires.
     * Its files are still closed cleanly, so this is no crash: ClusterMultiProcessTest and
     * KillNineDurabilityTest kill real processes with SIGKILL for that.
     */
    public void kill(int id) {
        RunnelNode node = running.remove(id);
        if (node != null) {
            node.kill();
        }
    }

    /** Starts a stopped or killed node again on its directories and ports. */
    public void start(int id) {
        startNode(id);
    }

    /** The id of the active controller, if one of the running controllers is. */
    public java.util.OptionalInt activeControllerId() {
        for (RunnelNode node : running.values()) {
            if (node.controller().map(c -> c.isActive()).orElse(false)) {
                return java.util.OptionalInt.of(node.nodeId());
            }
        }
        return java.util.OptionalInt.empty();
    }

    /** Starts a stopped node again on its directories. */
    public void restart(int id) {
        stop(id);
        startNode(id);
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        List<Integer> ids = new ArrayList<>(running.keySet());
        // Brokers first, so their controlled shutdown still finds a controller.
        ids.sort((a, b) -> Boolean.compare(configs.get(a).isController(), configs.get(b).isController()));
        for (int id : ids) {
            stop(id);
        }
    }

    /** Closes the link relays, after {@link #close()}, when the cluster will not be started again. */
    public void closeLinks() {
        links.values().forEach(LinkProxy::close);
        links.clear();
    }
}
