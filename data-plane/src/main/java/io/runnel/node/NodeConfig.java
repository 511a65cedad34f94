package io.runnel.node;

import io.runnel.common.config.ConfigException;
import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;
import io.runnel.metadata.server.QuorumVoters;
import io.runnel.storage.LogManagerConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * A node's configuration: the settings of {@link ServerSettings} (Kafka's server keys and defaults), read
 * from a properties file plus {@code --override key=value} pairs and parsed once into a
 * {@link ServerConfig} that every component reads from. An unknown key, a bad value or settings that
 * contradict each other fail construction with a {@link ConfigException} that names the keys: the
 * declared bounds and {@link ServerSettings#CHECKS}, the listeners' names and roles here, and the storage
 * engine's memory split (its {@link LogManagerConfig} is built here too). Immutable and thread-safe.
 */
public final class NodeConfig {

    public static final String ROLE_BROKER = ServerSettings.ROLE_BROKER;
    public static final String ROLE_CONTROLLER = ServerSettings.ROLE_CONTROLLER;
    /** Name of the controller's directory inside the first log directory, when metadata.log.dir is not set. */
    public static final String METADATA_DIR_NAME = "__metadata";

    private final ServerConfig settings;
    private final Set<String> roles;
    private final List<Listener> listeners;
    private final List<Listener> advertisedListeners;
    private final LogManagerConfig logManagerConfig;

    public NodeConfig(Map<String, String> props) {
        this.settings = ServerConfig.parse(props);
        this.roles = Set.copyOf(settings.get(ServerSettings.PROCESS_ROLES));
        this.listeners = List.copyOf(Listener.parseList(ServerSettings.LISTENERS.key(), settings.get(ServerSettings.LISTENERS)));
        String advertised = settings.get(ServerSettings.ADVERTISED_LISTENERS);
        this.advertisedListeners = advertised.isBlank() ? listeners
                : List.copyOf(Listener.parseList(ServerSettings.ADVERTISED_LISTENERS.key(), advertised));
        validateListeners();
        QuorumVoters voters = QuorumVoters.parse(quorumVoters());
        if (isController() && voters.voter(nodeId()).isEmpty()) {
            throw new ConfigException(ServerSettings.NODE_ID.key(), nodeId(), "a controller must be one of "
                    + ServerSettings.CONTROLLER_QUORUM_VOTERS.key() + "=" + quorumVoters());
        }
        // Built now so that its checks (the cleaner's memory per thread) fail at start-up, naming their keys.
        this.logManagerConfig = LogManagerConfig.from(settings, logDirs(), isController() ? List.of(metadataDir()) : List.of());
    }

    private void validateListeners() {
        String controllerListener = controllerListenerName();
        String listenersKey = ServerSettings.LISTENERS.key();
        if (isController() && listener(controllerListener).isEmpty()) {
            throw new ConfigException(listenersKey, settings.get(ServerSettings.LISTENERS),
                    "a controller needs a listener named " + controllerListener + " (" + ServerSettings.CONTROLLER_LISTENER_NAMES.key() + ")");
        }
        if (isBroker() && brokerListeners().isEmpty()) {
            throw new ConfigException(listenersKey, settings.get(ServerSettings.LISTENERS), "a broker needs a listener other than "
                    + controllerListener);
        }
        if (isBroker() && listener(interBrokerListenerName()).isEmpty()) {
            throw new ConfigException(ServerSettings.INTER_BROKER_LISTENER_NAME.key(), interBrokerListenerName(),
                    "no listener has this name");
        }
        for (Listener listener : advertisedListeners) {
            if (listener(listener.name()).isEmpty()) {
                throw new ConfigException(ServerSettings.ADVERTISED_LISTENERS.key(), listener.toString(),
                        "no entry of listeners has the name " + listener.name());
            }
        }
    }

    /** Reads a Java properties file; the overrides win over the file. */
    public static NodeConfig load(Optional<Path> file, Map<String, String> overrides) {
        Map<String, String> props = new LinkedHashMap<>();
        if (file.isPresent()) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file.get())) {
                properties.load(reader);
            } catch (IOException e) {
                throw new ConfigException("cannot read configuration file " + file.get() + ": " + e.getMessage());
            }
            for (String name : properties.stringPropertyNames()) {
                props.put(name, properties.getProperty(name));
            }
        }
        props.putAll(overrides);
        return new NodeConfig(props);
    }

    /** Every setting of this node, typed; what the other components read. */
    public ServerConfig settings() {
        return settings;
    }

    /** The settings the file and the overrides gave. */
    public Map<String, String> originals() {
        return settings.originals();
    }

    public boolean isBroker() {
        return roles.contains(ROLE_BROKER);
    }

    public boolean isController() {
        return roles.contains(ROLE_CONTROLLER);
    }

    public Set<String> roles() {
        return roles;
    }

    public int nodeId() {
        return settings.get(ServerSettings.NODE_ID);
    }

    public String quorumVoters() {
        return settings.get(ServerSettings.CONTROLLER_QUORUM_VOTERS);
    }

    public List<Listener> listeners() {
        return listeners;
    }

    public List<Listener> advertisedListeners() {
        return advertisedListeners;
    }

    public Optional<Listener> listener(String name) {
        return listeners.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** Client-facing listeners: every listener but the controller's. */
    public List<Listener> brokerListeners() {
        return listeners.stream().filter(l -> !l.name().equals(controllerListenerName())).toList();
    }

    public String controllerListenerName() {
        return settings.get(ServerSettings.CONTROLLER_LISTENER_NAMES).trim().toUpperCase(Locale.ROOT);
    }

    public String interBrokerListenerName() {
        return settings.get(ServerSettings.INTER_BROKER_LISTENER_NAME).trim().toUpperCase(Locale.ROOT);
    }

    public Optional<String> rack() {
        String rack = settings.get(ServerSettings.BROKER_RACK);
        return rack.isBlank() ? Optional.empty() : Optional.of(rack.trim());
    }

    public List<Path> logDirs() {
        String dirs = settings.get(ServerSettings.LOG_DIRS);
        if (dirs.isBlank()) {
            dirs = settings.get(ServerSettings.LOG_DIR);
        }
        return Arrays.stream(dirs.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Path::of).toList();
    }

    public Path metadataDir() {
        String dir = settings.get(ServerSettings.METADATA_LOG_DIR);
        return dir.isBlank() ? logDirs().get(0).resolve(METADATA_DIR_NAME) : Path.of(dir);
    }

    /** Every data directory this node stamps with meta.properties. */
    public List<Path> allDirs() {
        List<Path> dirs = new ArrayList<>();
        if (isBroker()) {
            dirs.addAll(logDirs());
        }
        if (isController() && dirs.stream().noneMatch(d -> metadataDir().startsWith(d))) {
            dirs.add(metadataDir());
        }
        return dirs;
    }

    public boolean autoCreateTopicsEnable() {
        return settings.get(ServerSettings.AUTO_CREATE_TOPICS_ENABLE);
    }

    public boolean deleteTopicEnable() {
        return settings.get(ServerSettings.DELETE_TOPIC_ENABLE);
    }

    public int brokerHeartbeatIntervalMs() {
        return settings.get(ServerSettings.BROKER_HEARTBEAT_INTERVAL_MS);
    }

    public int brokerSessionTimeoutMs() {
        return settings.get(ServerSettings.BROKER_SESSION_TIMEOUT_MS);
    }

    public int queuedMaxRequests() {
        return settings.get(ServerSettings.QUEUED_MAX_REQUESTS);
    }

    public int requestTimeoutMs() {
        return settings.get(ServerSettings.REQUEST_TIMEOUT_MS);
    }

    public int socketRequestMaxBytes() {
        return settings.get(ServerSettings.SOCKET_REQUEST_MAX_BYTES);
    }

    public boolean controlledShutdownEnable() {
        return settings.get(ServerSettings.CONTROLLED_SHUTDOWN_ENABLE);
    }

    public long controlledShutdownTimeoutMs() {
        return settings.get(ServerSettings.CONTROLLED_SHUTDOWN_TIMEOUT_MS);
    }

    public int metricsPort() {
        return settings.get(ServerSettings.METRICS_PORT);
    }

    public boolean metricsPartitionLevel() {
        return settings.get(ServerSettings.METRICS_PARTITION_LEVEL);
    }

    /** The replication settings (replica.*, num.replica.fetchers, broker.session.timeout.ms). */
    public io.runnel.replication.ReplicationConfig replicationConfig() {
        return io.runnel.replication.ReplicationConfig.from(settings);
    }

    /** The group coordinator's settings (offsets.*, group.*, offset.metadata.max.bytes). */
    public io.runnel.group.GroupCoordinatorConfig groupCoordinatorConfig() {
        return io.runnel.group.GroupCoordinatorConfig.from(settings);
    }

    /** Cluster-wide topic defaults this node's file sets, keyed by topic key (retention.ms, ...). */
    public Map<String, String> topicDefaults() {
        return settings.topicDefaults();
    }

    /**
     * The storage engine's settings: the log directories (the controller's metadata directory inside one of
     * them is not a partition), the log.* task intervals, recovery threads and the log cleaner.
     */
    public LogManagerConfig logManagerConfig() {
        return logManagerConfig;
    }
}
