package io.runnel.node;

import static io.runnel.common.config.ConfigDef.Importance.HIGH;
import static io.runnel.common.config.ConfigDef.Importance.LOW;
import static io.runnel.common.config.ConfigDef.Importance.MEDIUM;
import static io.runnel.common.config.ConfigDef.Type.BOOLEAN;
import static io.runnel.common.config.ConfigDef.Type.DOUBLE;
import static io.runnel.common.config.ConfigDef.Type.INT;
import static io.runnel.common.config.ConfigDef.Type.LIST;
import static io.runnel.common.config.ConfigDef.Type.LONG;
import static io.runnel.common.config.ConfigDef.Type.STRING;

import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ConfigDef.Range;
import io.runnel.common.config.ConfigDef.ValidList;
import io.runnel.common.config.ConfigException;
import io.runnel.common.config.TopicConfig;
import io.runnel.storage.CleanerConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * A node's configuration: Kafka's server keys and defaults, read from a properties file plus
 * {@code --override key=value} pairs. An unknown key or a bad value fails construction with a
 * {@link ConfigException} that names the key. The cluster-wide defaults of topic settings
 * ({@code log.retention.ms} for {@code retention.ms}, ...) are accepted and validated with the topic
 * key's rules. Immutable and thread-safe.
 */
public final class NodeConfig {

    public static final String PROCESS_ROLES = "process.roles";
    public static final String NODE_ID = "node.id";
    public static final String CONTROLLER_QUORUM_VOTERS = "controller.quorum.voters";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String CONTROLLER_LISTENER_NAMES = "controller.listener.names";
    public static final String INTER_BROKER_LISTENER_NAME = "inter.broker.listener.name";
    public static final String BROKER_RACK = "broker.rack";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String METADATA_LOG_DIR = "metadata.log.dir";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String DELETE_TOPIC_ENABLE = "delete.topic.enable";
    public static final String BROKER_HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    public static final String METADATA_SNAPSHOT_RECORDS = "metadata.snapshot.records";
    public static final String QUEUED_MAX_REQUESTS = "queued.max.requests";
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String LOG_FLUSH_SCHEDULER_INTERVAL_MS = "log.flush.scheduler.interval.ms";
    public static final String LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS = "log.flush.offset.checkpoint.interval.ms";
    public static final String LOG_FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS = "log.flush.start.offset.checkpoint.interval.ms";
    public static final String NUM_RECOVERY_THREADS_PER_DATA_DIR = "num.recovery.threads.per.data.dir";
    public static final String CONTROLLED_SHUTDOWN_ENABLE = "controlled.shutdown.enable";
    public static final String CONTROLLED_SHUTDOWN_TIMEOUT_MS = "controlled.shutdown.timeout.ms";
    public static final String METRICS_PORT = "metrics.port";
    public static final String AUTO_LEADER_REBALANCE_ENABLE = "auto.leader.rebalance.enable";
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = "leader.imbalance.check.interval.seconds";
    public static final String LEADER_IMBALANCE_PER_BROKER_PERCENTAGE = "leader.imbalance.per.broker.percentage";

    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String OFFSETS_COMMIT_TIMEOUT_MS = "offsets.commit.timeout.ms";
    public static final String OFFSETS_LOAD_BUFFER_SIZE = "offsets.load.buffer.size";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS = "group.consumer.heartbeat.interval.ms";
    public static final String GROUP_CONSUMER_MAX_SIZE = "group.consumer.max.size";
    public static final String GROUP_CONSUMER_ASSIGNORS = "group.consumer.assignors";

    public static final String ROLE_BROKER = "broker";
    public static final String ROLE_CONTROLLER = "controller";

    /** Largest gRPC message a node accepts: Kafka's socket.request.max.bytes default (100 MiB). */
    public static final int SOCKET_REQUEST_MAX_BYTES_DEFAULT = 104_857_600;

    static final ConfigDef SERVER_DEFINITION = new ConfigDef()
            .define(PROCESS_ROLES, LIST, "broker,controller", ValidList.in(ROLE_BROKER, ROLE_CONTROLLER), HIGH,
                    "roles of this node: broker, controller, or both")
            .define(NODE_ID, INT, 1, Range.atLeast(0), HIGH, "this node's id, unique in the cluster")
            .define(CONTROLLER_QUORUM_VOTERS, STRING, "1@localhost:9093", HIGH,
                    "metadata quorum voters as id@host:port,...; the port is the controller's gRPC port, Ratis uses port+1")
            .define(LISTENERS, STRING, "PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093", HIGH,
                    "NAME://host:port entries this node binds")
            .define(ADVERTISED_LISTENERS, STRING, "", HIGH,
                    "NAME://host:port entries published to clients; empty: the listeners themselves")
            .define(CONTROLLER_LISTENER_NAMES, STRING, "CONTROLLER", HIGH, "name of the listener serving the controller API")
            .define(INTER_BROKER_LISTENER_NAME, STRING, "PLAINTEXT", MEDIUM,
                    "listener brokers use to reach each other; clients use the one they connected to")
            .define(BROKER_RACK, STRING, "", MEDIUM, "rack (or zone) of this broker, for rack-aware placement")
            .define(LOG_DIRS, STRING, "", HIGH, "comma-separated data directories; empty: log.dir")
            .define(LOG_DIR, STRING, "./data", HIGH, "data directory used when log.dirs is empty")
            .define(METADATA_LOG_DIR, STRING, "", MEDIUM, "directory of the controller's Ratis log and RocksDB; empty: <first log dir>/__metadata")
            .define(NUM_PARTITIONS, INT, 1, Range.atLeast(1), MEDIUM, "partitions of an auto-created topic or a topic created with -1")
            .define(DEFAULT_REPLICATION_FACTOR, INT, 1, Range.between(1, Short.MAX_VALUE), MEDIUM,
                    "replication factor of an auto-created topic or a topic created with -1")
            .define(AUTO_CREATE_TOPICS_ENABLE, BOOLEAN, true, MEDIUM, "create a topic when a producer asks for its metadata")
            .define(DELETE_TOPIC_ENABLE, BOOLEAN, true, MEDIUM, "allow DeleteTopics")
            .define(BROKER_HEARTBEAT_INTERVAL_MS, INT, 2_000, Range.atLeast(10), MEDIUM, "broker heartbeat period")
            .define(BROKER_SESSION_TIMEOUT_MS, INT, 9_000, Range.atLeast(100), MEDIUM, "a broker silent this long is fenced")
            .define(METADATA_SNAPSHOT_RECORDS, LONG, 10_000L, Range.atLeast(1), LOW,
                    "applied metadata log entries between two controller snapshots")
            .define(QUEUED_MAX_REQUESTS, INT, 500, Range.atLeast(1), MEDIUM,
                    "requests a listener handles at once; more wait in gRPC's flow control")
            .define(REQUEST_TIMEOUT_MS, INT, 30_000, Range.atLeast(1), MEDIUM, "bound on broker-to-controller requests")
            .define(SOCKET_REQUEST_MAX_BYTES, INT, SOCKET_REQUEST_MAX_BYTES_DEFAULT, Range.atLeast(1024), MEDIUM,
                    "largest request message accepted")
            .define(REPLICA_LAG_TIME_MAX_MS, LONG, 30_000L, Range.atLeast(1), MEDIUM, "a follower lagging this long leaves the ISR")
            .define(LOG_RETENTION_CHECK_INTERVAL_MS, LONG, 300_000L, Range.atLeast(1), MEDIUM, "period of the retention task")
            .define(LOG_FLUSH_SCHEDULER_INTERVAL_MS, LONG, Long.MAX_VALUE, Range.atLeast(1), MEDIUM, "period of the flush.ms check")
            .define(LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS, INT, 60_000, Range.atLeast(1), MEDIUM, "period of recovery-point and HW checkpoints")
            .define(LOG_FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS, INT, 60_000, Range.atLeast(1), MEDIUM, "period of log-start-offset checkpoints")
            .define(NUM_RECOVERY_THREADS_PER_DATA_DIR, INT, 2, Range.atLeast(1), MEDIUM, "threads loading and recovering logs at start-up")
            .define(CONTROLLED_SHUTDOWN_ENABLE, BOOLEAN, true, MEDIUM, "move leadership away before a broker stops")
            .define(CONTROLLED_SHUTDOWN_TIMEOUT_MS, LONG, 30_000L, Range.atLeast(0), MEDIUM, "bound on controlled shutdown")
            .define(AUTO_LEADER_REBALANCE_ENABLE, BOOLEAN, true, MEDIUM,
                    "the active controller moves leadership back to each partition's preferred replica")
            .define(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, LONG, 300L, Range.atLeast(1), MEDIUM,
                    "period of the preferred-leader check")
            .define(LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, INT, 10, Range.between(0, 100), MEDIUM,
                    "share (percent) of the partitions a broker is the preferred replica of that it may not lead "
                            + "before the preferred-leader check moves them back")
            .define(METRICS_PORT, INT, -1, Range.between(-1, 65_535), LOW, "HTTP port of the Prometheus endpoint; -1: off, 0: ephemeral")
            .define(CleanerConfig.ENABLE, BOOLEAN, true, MEDIUM, "run the log cleaner, which compacts topics with cleanup.policy=compact")
            .define(CleanerConfig.THREADS, INT, 1, Range.between(1, CleanerConfig.THREADS_MAX), MEDIUM, "log cleaner threads")
            .define(CleanerConfig.DEDUPE_BUFFER_SIZE, LONG, 134_217_728L, Range.atLeast(CleanerConfig.DEDUPE_BYTES_PER_THREAD_MIN),
                    MEDIUM, "memory for the cleaner threads' key maps together")
            .define(CleanerConfig.DEDUPE_BUFFER_LOAD_FACTOR, DOUBLE, 0.9, Range.between(0, 1), LOW,
                    "how full a cleaner key map's table may get")
            .define(CleanerConfig.IO_BUFFER_SIZE, INT, 524_288, Range.atLeast(CleanerConfig.IO_BYTES_PER_THREAD_MIN), LOW,
                    "read and write buffers of the cleaner threads together")
            .define(CleanerConfig.IO_MAX_BYTES_PER_SECOND, DOUBLE, Double.MAX_VALUE, Range.atLeast(1), MEDIUM,
                    "bytes the cleaner threads may read plus write per second")
            .define(CleanerConfig.BACKOFF_MS, LONG, 15_000L, Range.atLeast(1), MEDIUM, "a cleaner thread's sleep when no log needs cleaning")
            .define(OFFSETS_TOPIC_NUM_PARTITIONS, INT, 50, Range.between(1, 10_000), HIGH,
                    "partitions of __consumer_offsets when the group coordinator creates it")
            .define(OFFSETS_TOPIC_REPLICATION_FACTOR, INT, 3, Range.between(1, Short.MAX_VALUE), HIGH,
                    "replicas of __consumer_offsets partitions (fewer when fewer brokers are alive at creation)")
            .define(OFFSETS_COMMIT_TIMEOUT_MS, INT, 5_000, Range.atLeast(1), HIGH,
                    "how long a write of the group coordinator waits to be replicated")
            .define(OFFSETS_LOAD_BUFFER_SIZE, INT, 5_242_880, Range.atLeast(1), HIGH,
                    "bytes read at a time when a coordinator loads a partition of __consumer_offsets")
            .define(OFFSETS_RETENTION_MINUTES, INT, 10_080, Range.atLeast(1), HIGH,
                    "committed offsets of topics no member subscribes to are kept this long after their commit")
            .define(OFFSETS_RETENTION_CHECK_INTERVAL_MS, LONG, 600_000L, Range.atLeast(1), HIGH, "period of the offsets retention check")
            .define(OFFSET_METADATA_MAX_BYTES, INT, 4_096, Range.atLeast(0), HIGH, "bound on the metadata string of an offset commit")
            .define(GROUP_MIN_SESSION_TIMEOUT_MS, INT, 6_000, Range.atLeast(1), MEDIUM, "shortest session.timeout.ms a member may ask for")
            .define(GROUP_MAX_SESSION_TIMEOUT_MS, INT, 1_800_000, Range.atLeast(1), MEDIUM, "longest session.timeout.ms a member may ask for")
            .define(GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, INT, 5_000, Range.atLeast(1), MEDIUM,
                    "how often consumer-group members send a heartbeat on their stream")
            .define(GROUP_CONSUMER_MAX_SIZE, INT, Integer.MAX_VALUE, Range.atLeast(1), MEDIUM, "members of one consumer group at most")
            .define(GROUP_CONSUMER_ASSIGNORS, LIST, "sticky,range,roundrobin", ValidList.in("sticky", "range", "roundrobin"), MEDIUM,
                    "the assignors members may choose (partition.assignment.strategy); the first is the default");

    private final Map<String, String> originals;
    private final Map<String, Object> values;
    private final Map<String, String> topicDefaults;
    private final Set<String> roles;
    private final List<Listener> listeners;
    private final List<Listener> advertisedListeners;

    public NodeConfig(Map<String, String> props) {
        this.originals = Collections.unmodifiableMap(new LinkedHashMap<>(props));
        Map<String, String> serverProps = new LinkedHashMap<>();
        Map<String, String> topicDefaults = new LinkedHashMap<>();
        Map<String, String> topicKeyByServerKey = new LinkedHashMap<>();
        TopicConfig.serverDefaultKeys().forEach((topicKey, serverKey) -> topicKeyByServerKey.put(serverKey, topicKey));
        for (Map.Entry<String, String> e : props.entrySet()) {
            String topicKey = topicKeyByServerKey.get(e.getKey());
            if (topicKey != null) {
                TopicConfig.DEFINITION.parseValue(topicKey, e.getValue());
                topicDefaults.put(topicKey, e.getValue().trim());
            } else {
                serverProps.put(e.getKey(), e.getValue());
            }
        }
        this.values = SERVER_DEFINITION.parse(serverProps);
        this.topicDefaults = Collections.unmodifiableMap(topicDefaults);
        this.roles = Set.copyOf(list(PROCESS_ROLES));
        if (roles.isEmpty()) {
            throw new ConfigException(PROCESS_ROLES, "", "at least one of broker, controller is required");
        }
        this.listeners = List.copyOf(Listener.parseList(LISTENERS, string(LISTENERS)));
        String advertised = string(ADVERTISED_LISTENERS);
        this.advertisedListeners = advertised.isBlank() ? listeners : List.copyOf(Listener.parseList(ADVERTISED_LISTENERS, advertised));
        validateListeners();
        validateGroupSettings();
    }

    private void validateGroupSettings() {
        if (integer(GROUP_MIN_SESSION_TIMEOUT_MS) > integer(GROUP_MAX_SESSION_TIMEOUT_MS)) {
            throw new ConfigException(GROUP_MIN_SESSION_TIMEOUT_MS, integer(GROUP_MIN_SESSION_TIMEOUT_MS),
                    "must not exceed " + GROUP_MAX_SESSION_TIMEOUT_MS + " (" + integer(GROUP_MAX_SESSION_TIMEOUT_MS) + ")");
        }
        if (list(GROUP_CONSUMER_ASSIGNORS).isEmpty()) {
            throw new ConfigException(GROUP_CONSUMER_ASSIGNORS, "", "at least one of sticky, range, roundrobin is required");
        }
    }

    /** The group coordinator's settings. */
    public io.runnel.group.GroupCoordinatorConfig groupCoordinatorConfig() {
        io.runnel.group.core.GroupSettings settings = new io.runnel.group.core.GroupSettings(
                integer(GROUP_MIN_SESSION_TIMEOUT_MS), integer(GROUP_MAX_SESSION_TIMEOUT_MS),
                integer(GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS), integer(GROUP_CONSUMER_MAX_SIZE),
                integer(OFFSETS_RETENTION_MINUTES) * 60_000L, (Long) values.get(OFFSETS_RETENTION_CHECK_INTERVAL_MS),
                integer(OFFSET_METADATA_MAX_BYTES), list(GROUP_CONSUMER_ASSIGNORS));
        return new io.runnel.group.GroupCoordinatorConfig(integer(OFFSETS_TOPIC_NUM_PARTITIONS),
                (short) integer(OFFSETS_TOPIC_REPLICATION_FACTOR), integer(OFFSETS_COMMIT_TIMEOUT_MS),
                integer(OFFSETS_LOAD_BUFFER_SIZE), settings);
    }

    private void validateListeners() {
        String controllerListener = controllerListenerName();
        if (isController() && listener(controllerListener).isEmpty()) {
            throw new ConfigException(LISTENERS, string(LISTENERS),
                    "a controller needs a listener named " + controllerListener + " (" + CONTROLLER_LISTENER_NAMES + ")");
        }
        if (isBroker() && brokerListeners().isEmpty()) {
            throw new ConfigException(LISTENERS, string(LISTENERS), "a broker needs a listener other than " + controllerListener);
        }
        if (isBroker() && listener(interBrokerListenerName()).isEmpty()) {
            throw new ConfigException(INTER_BROKER_LISTENER_NAME, interBrokerListenerName(), "no listener has this name");
        }
        for (Listener listener : advertisedListeners) {
            if (listener(listener.name()).isEmpty()) {
                throw new ConfigException(ADVERTISED_LISTENERS, listener.toString(), "no entry of listeners has the name " + listener.name());
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

    public Map<String, String> originals() {
        return originals;
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
        return (Integer) values.get(NODE_ID);
    }

    public String quorumVoters() {
        return string(CONTROLLER_QUORUM_VOTERS);
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
        return string(CONTROLLER_LISTENER_NAMES).trim().toUpperCase(java.util.Locale.ROOT);
    }

    public String interBrokerListenerName() {
        return string(INTER_BROKER_LISTENER_NAME).trim().toUpperCase(java.util.Locale.ROOT);
    }

    public Optional<String> rack() {
        String rack = string(BROKER_RACK);
        return rack.isBlank() ? Optional.empty() : Optional.of(rack.trim());
    }

    public List<Path> logDirs() {
        String dirs = string(LOG_DIRS);
        if (dirs.isBlank()) {
            dirs = string(LOG_DIR);
        }
        return java.util.Arrays.stream(dirs.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Path::of).toList();
    }

    public Path metadataDir() {
        String dir = string(METADATA_LOG_DIR);
        return dir.isBlank() ? logDirs().get(0).resolve("__metadata") : Path.of(dir);
    }

    /** Every data directory this node stamps with meta.properties. */
    public List<Path> allDirs() {
        List<Path> dirs = new java.util.ArrayList<>();
        if (isBroker()) {
            dirs.addAll(logDirs());
        }
        if (isController() && dirs.stream().noneMatch(d -> metadataDir().startsWith(d))) {
            dirs.add(metadataDir());
        }
        return dirs;
    }

    public int numPartitions() {
        return integer(NUM_PARTITIONS);
    }

    public int defaultReplicationFactor() {
        return integer(DEFAULT_REPLICATION_FACTOR);
    }

    public boolean autoCreateTopicsEnable() {
        return (Boolean) values.get(AUTO_CREATE_TOPICS_ENABLE);
    }

    public boolean deleteTopicEnable() {
        return (Boolean) values.get(DELETE_TOPIC_ENABLE);
    }

    public int brokerHeartbeatIntervalMs() {
        return integer(BROKER_HEARTBEAT_INTERVAL_MS);
    }

    public int brokerSessionTimeoutMs() {
        return integer(BROKER_SESSION_TIMEOUT_MS);
    }

    public long metadataSnapshotRecords() {
        return (Long) values.get(METADATA_SNAPSHOT_RECORDS);
    }

    public int queuedMaxRequests() {
        return integer(QUEUED_MAX_REQUESTS);
    }

    public int requestTimeoutMs() {
        return integer(REQUEST_TIMEOUT_MS);
    }

    public int socketRequestMaxBytes() {
        return integer(SOCKET_REQUEST_MAX_BYTES);
    }

    public boolean controlledShutdownEnable() {
        return (Boolean) values.get(CONTROLLED_SHUTDOWN_ENABLE);
    }

    public long controlledShutdownTimeoutMs() {
        return (Long) values.get(CONTROLLED_SHUTDOWN_TIMEOUT_MS);
    }

    public int metricsPort() {
        return integer(METRICS_PORT);
    }

    /** Value of any server key, typed as its definition says. */
    public Object get(String key) {
        if (!values.containsKey(key)) {
            throw new ConfigException("unknown configuration '" + key + "'");
        }
        return values.get(key);
    }

    /** Cluster-wide topic defaults this node's file sets, keyed by topic key (retention.ms, ...). */
    public Map<String, String> topicDefaults() {
        return topicDefaults;
    }

    /** Settings the storage engine reads (log.dirs, the log.* task intervals, log.cleaner.*), as Kafka keys. */
    public Map<String, String> logManagerProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(LOG_DIRS, String.join(",", logDirs().stream().map(Path::toString).toList()));
        for (String key : List.of(LOG_RETENTION_CHECK_INTERVAL_MS, LOG_FLUSH_SCHEDULER_INTERVAL_MS,
                LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS, LOG_FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS,
                NUM_RECOVERY_THREADS_PER_DATA_DIR, CleanerConfig.ENABLE, CleanerConfig.THREADS, CleanerConfig.DEDUPE_BUFFER_SIZE,
                CleanerConfig.DEDUPE_BUFFER_LOAD_FACTOR, CleanerConfig.IO_BUFFER_SIZE, CleanerConfig.IO_MAX_BYTES_PER_SECOND,
                CleanerConfig.BACKOFF_MS)) {
            props.put(key, String.valueOf(values.get(key)));
        }
        return props;
    }

    private String string(String key) {
        Object value = values.get(key);
        return value == null ? "" : (String) value;
    }

    private int integer(String key) {
        return (Integer) values.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<String> list(String key) {
        return (List<String>) values.get(key);
    }
}
