package io.runnel.common.config;

import static io.runnel.common.config.ConfigDef.Importance.HIGH;
import static io.runnel.common.config.ConfigDef.Importance.LOW;
import static io.runnel.common.config.ConfigDef.Importance.MEDIUM;
import static io.runnel.common.config.ConfigDef.Type.BOOLEAN;
import static io.runnel.common.config.ConfigDef.Type.DOUBLE;
import static io.runnel.common.config.ConfigDef.Type.INT;
import static io.runnel.common.config.ConfigDef.Type.LIST;
import static io.runnel.common.config.ConfigDef.Type.LONG;
import static io.runnel.common.config.ConfigDef.Type.STRING;

import io.runnel.common.config.ConfigDef.Importance;
import io.runnel.common.config.ConfigDef.OpenInterval;
import io.runnel.common.config.ConfigDef.Range;
import io.runnel.common.config.ConfigDef.Type;
import io.runnel.common.config.ConfigDef.ValidList;
import io.runnel.common.config.ConfigDef.Validator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Every setting of a Runnel node (a {@code runnel server} process), declared once: key, type, default,
 * bounds and documentation, with Kafka's names and defaults where Kafka has the setting. Every component
 * reads its settings from here, typed, through a parsed {@link ServerConfig}: the node's configuration,
 * the storage engine, the controller and its decisions. {@code runnel server --help-config} and
 * {@code docs/configuration.md} are generated from these declarations ({@link ConfigDocs}).
 *
 * <p>Adding a setting is one declaration below (in the section it belongs to), plus the code that reads
 * it; a relation between settings is one {@link Check} in {@link #CHECKS}. The topic-level settings'
 * cluster-wide defaults ({@code log.retention.ms} for {@code retention.ms}, ...) are declared from
 * {@link TopicConfig}, with the topic key's type, default and bounds.
 *
 * <p>Immutable after class initialisation; thread-safe.
 */
public final class ServerSettings {

    /** The groups settings are listed in, in {@code --help-config} and the docs. */
    public enum Section {
        NODE("Node"),
        LISTENERS("Listeners and requests"),
        QUORUM("Metadata quorum and broker sessions"),
        TOPICS("Topics and partitions"),
        REPLICATION("Replication between brokers"),
        STORAGE("Log storage"),
        CLEANER("Log cleaner"),
        GROUPS("Consumer groups and committed offsets"),
        TOPIC_DEFAULTS("Cluster-wide defaults of topic settings");

        private final String title;

        Section(String title) {
            this.title = title;
        }

        public String title() {
            return title;
        }
    }

    /** Declared settings in declaration order; filled by the static initialisers below, in order. */
    private static final List<Setting<?>> DECLARED = new ArrayList<>();

    // ---- node ------------------------------------------------------------------------------------

    public static final String ROLE_BROKER = "broker";
    public static final String ROLE_CONTROLLER = "controller";

    public static final Setting<List<String>> PROCESS_ROLES = list(Section.NODE, "process.roles",
            List.of(ROLE_BROKER, ROLE_CONTROLLER), ValidList.in(ROLE_BROKER, ROLE_CONTROLLER), HIGH,
            "roles of this node: broker, controller, or both");
    public static final Setting<Integer> NODE_ID = integer(Section.NODE, "node.id", 1, Range.atLeast(0), HIGH,
            "this node's id, unique in the cluster");
    public static final Setting<String> CONTROLLER_QUORUM_VOTERS = string(Section.NODE, "controller.quorum.voters",
            "1@localhost:9093", HIGH,
            "metadata quorum voters as id@host:port,...; the port is the controller's gRPC port, Ratis uses port+1");
    public static final Setting<String> BROKER_RACK = string(Section.NODE, "broker.rack", "", MEDIUM,
            "rack (or zone) of this broker, for rack-aware placement");
    public static final Setting<Integer> METRICS_PORT = integer(Section.NODE, "metrics.port", -1, Range.between(-1, 65_535), LOW,
            "HTTP port of the Prometheus endpoint; -1: off, 0: ephemeral");
    public static final Setting<Boolean> METRICS_PARTITION_LEVEL = bool(Section.NODE, "metrics.partition.level", true, LOW,
            "publish per-partition series (log size, offsets, fetcher and group lag); false keeps per-topic sums only, "
                    + "for brokers with many partitions (docs/metrics.md)");

    // ---- listeners and requests --------------------------------------------------------------------

    /** Largest gRPC message a node accepts by default: Kafka's socket.request.max.bytes (100 MiB). */
    public static final int SOCKET_REQUEST_MAX_BYTES_DEFAULT = 104_857_600;

    public static final Setting<String> LISTENERS = string(Section.LISTENERS, "listeners",
            "PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093", HIGH, "NAME://host:port entries this node binds");
    public static final Setting<String> ADVERTISED_LISTENERS = string(Section.LISTENERS, "advertised.listeners", "", HIGH,
            "NAME://host:port entries published to clients; empty: the listeners themselves");
    public static final Setting<String> CONTROLLER_LISTENER_NAMES = string(Section.LISTENERS, "controller.listener.names",
            "CONTROLLER", HIGH, "name of the listener serving the controller API");
    public static final Setting<String> INTER_BROKER_LISTENER_NAME = string(Section.LISTENERS, "inter.broker.listener.name",
            "PLAINTEXT", MEDIUM, "listener brokers use to reach each other; clients use the one they connected to");
    public static final Setting<Integer> QUEUED_MAX_REQUESTS = integer(Section.LISTENERS, "queued.max.requests", 500,
            Range.atLeast(1), MEDIUM, "requests a listener holds at once (handling, or waiting for the broker to be ready); "
                    + "more are answered RESOURCE_EXHAUSTED, which clients retry");
    public static final Setting<Integer> REQUEST_TIMEOUT_MS = integer(Section.LISTENERS, "request.timeout.ms", 30_000,
            Range.atLeast(1), MEDIUM, "bound on a broker's requests to the controller, and on a controller's wait for a "
                    + "metadata write to commit when the caller set no deadline");
    public static final Setting<Integer> SOCKET_REQUEST_MAX_BYTES = integer(Section.LISTENERS, "socket.request.max.bytes",
            SOCKET_REQUEST_MAX_BYTES_DEFAULT, Range.atLeast(1024), MEDIUM, "largest request message accepted");

    // ---- metadata quorum and broker sessions ---------------------------------------------------------

    public static final Setting<Integer> CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS = integer(Section.QUORUM,
            "controller.quorum.election.timeout.ms", 1_000, Range.between(50, 60_000), MEDIUM,
            "a controller that hears nothing from the leader for a random time between this and twice this campaigns; "
                    + "keep it well above the metadata log's fsync latency plus a round trip");
    public static final Setting<Integer> BROKER_HEARTBEAT_INTERVAL_MS = integer(Section.QUORUM, "broker.heartbeat.interval.ms",
            2_000, Range.atLeast(10), MEDIUM, "broker heartbeat period; must be below broker.session.timeout.ms");
    public static final Setting<Integer> BROKER_SESSION_TIMEOUT_MS = integer(Section.QUORUM, "broker.session.timeout.ms",
            9_000, Range.atLeast(100), MEDIUM, "a broker silent this long is fenced; must exceed twice "
                    + "controller.quorum.election.timeout.ms, so a deposed controller steps down before its successor fences anyone");
    public static final Setting<Long> METADATA_SNAPSHOT_RECORDS = longSetting(Section.QUORUM, "metadata.snapshot.records",
            10_000L, Range.atLeast(1), LOW, "applied metadata log entries between two controller snapshots");
    public static final Setting<Long> METADATA_LOG_SEGMENT_BYTES = longSetting(Section.QUORUM, "metadata.log.segment.bytes",
            4L * 1024 * 1024, Range.atLeast(16 * 1024), LOW, "size of a metadata (Ratis) log segment; only closed segments "
                    + "are purged behind a snapshot (Kafka's default is 1 GiB; metadata is small)");
    public static final Setting<String> METADATA_LOG_DIR = string(Section.QUORUM, "metadata.log.dir", "", MEDIUM,
            "directory of the controller's Ratis log and RocksDB; empty: <first log dir>/__metadata");

    // ---- topics and partitions ----------------------------------------------------------------------

    public static final Setting<Integer> NUM_PARTITIONS = integer(Section.TOPICS, "num.partitions", 1, Range.atLeast(1), MEDIUM,
            "partitions of an auto-created topic or a topic created with -1");
    public static final Setting<Integer> DEFAULT_REPLICATION_FACTOR = integer(Section.TOPICS, "default.replication.factor", 1,
            Range.between(1, Short.MAX_VALUE), MEDIUM, "replication factor of an auto-created topic or a topic created with -1");
    public static final Setting<Boolean> AUTO_CREATE_TOPICS_ENABLE = bool(Section.TOPICS, "auto.create.topics.enable", true,
            MEDIUM, "create a topic when a producer asks for its metadata");
    public static final Setting<Boolean> DELETE_TOPIC_ENABLE = bool(Section.TOPICS, "delete.topic.enable", true, MEDIUM,
            "allow DeleteTopics");
    public static final Setting<Boolean> CONTROLLED_SHUTDOWN_ENABLE = bool(Section.TOPICS, "controlled.shutdown.enable", true,
            MEDIUM, "move leadership away before a broker stops");
    public static final Setting<Long> CONTROLLED_SHUTDOWN_TIMEOUT_MS = longSetting(Section.TOPICS, "controlled.shutdown.timeout.ms",
            30_000L, Range.atLeast(0), MEDIUM, "bound on controlled shutdown");
    public static final Setting<Boolean> AUTO_LEADER_REBALANCE_ENABLE = bool(Section.TOPICS, "auto.leader.rebalance.enable", true,
            MEDIUM, "the active controller moves leadership back to each partition's preferred replica");
    public static final Setting<Long> LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = longSetting(Section.TOPICS,
            "leader.imbalance.check.interval.seconds", 300L, Range.between(1, 86_400L * 365), MEDIUM,
            "period of the preferred-leader check");
    public static final Setting<Integer> LEADER_IMBALANCE_PER_BROKER_PERCENTAGE = integer(Section.TOPICS,
            "leader.imbalance.per.broker.percentage", 10, Range.between(0, 100), MEDIUM,
            "share (percent) of the partitions a broker is the preferred replica of that it may not lead "
                    + "before the preferred-leader check moves them back");

    // ---- replication between brokers -------------------------------------------------------------------

    public static final Setting<Long> REPLICA_LAG_TIME_MAX_MS = longSetting(Section.REPLICATION, "replica.lag.time.max.ms", 30_000L,
            Range.atLeast(1), MEDIUM, "a follower lagging this long leaves the ISR");
    public static final Setting<Integer> REPLICA_FETCH_MAX_BYTES = integer(Section.REPLICATION, "replica.fetch.max.bytes",
            1_048_576, Range.atLeast(1), MEDIUM,
            "bytes of one partition a follower fetch asks for (at least one batch is always returned)");
    public static final Setting<Integer> REPLICA_FETCH_RESPONSE_MAX_BYTES = integer(Section.REPLICATION,
            "replica.fetch.response.max.bytes", 10_485_760, Range.atLeast(1), MEDIUM,
            "bytes of one follower fetch answer (at least one batch is always returned)");
    public static final Setting<Integer> REPLICA_FETCH_WAIT_MAX_MS = integer(Section.REPLICATION, "replica.fetch.wait.max.ms", 500,
            Range.between(0, 30_000), MEDIUM,
            "how long a leader holds a follower fetch that finds no new data; below replica.lag.time.max.ms");
    public static final Setting<Integer> REPLICA_FETCH_MIN_BYTES = integer(Section.REPLICATION, "replica.fetch.min.bytes", 1,
            Range.atLeast(1), MEDIUM, "bytes that answer a waiting follower fetch at once");
    public static final Setting<Long> REPLICA_FETCH_BACKOFF_MS = longSetting(Section.REPLICATION, "replica.fetch.backoff.ms", 1_000L,
            Range.between(0, 600_000), MEDIUM, "pause before a follower fetches again after an error");
    /** Each fetcher is a thread and a stream to every leader broker. */
    public static final Setting<Integer> NUM_REPLICA_FETCHERS = integer(Section.REPLICATION, "num.replica.fetchers", 1,
            Range.between(1, 64), MEDIUM, "fetcher threads (and streams) per leader broker; partitions are spread over them by hash");
    public static final Setting<Long> REPLICA_SOCKET_TIMEOUT_MS = longSetting(Section.REPLICATION, "replica.socket.timeout.ms",
            30_000L, Range.atLeast(1), MEDIUM,
            "a follower fetch unanswered this long past replica.fetch.wait.max.ms is abandoned and the stream reopened");

    // ---- log storage ---------------------------------------------------------------------------------

    public static final Setting<String> LOG_DIRS = string(Section.STORAGE, "log.dirs", "", HIGH,
            "comma-separated data directories; empty: log.dir");
    public static final Setting<String> LOG_DIR = string(Section.STORAGE, "log.dir", "./data", HIGH,
            "data directory used when log.dirs is empty");
    public static final Setting<Long> LOG_RETENTION_CHECK_INTERVAL_MS = longSetting(Section.STORAGE,
            "log.retention.check.interval.ms", 300_000L, Range.atLeast(1), MEDIUM, "period of the retention task");
    public static final Setting<Long> LOG_FLUSH_SCHEDULER_INTERVAL_MS = longSetting(Section.STORAGE,
            "log.flush.scheduler.interval.ms", Long.MAX_VALUE, Range.atLeast(1), MEDIUM,
            "period of the flush.ms check; the default never runs it");
    public static final Setting<Long> LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS = longSetting(Section.STORAGE,
            "log.flush.offset.checkpoint.interval.ms", 60_000L, Range.between(1, Integer.MAX_VALUE), MEDIUM,
            "period of the recovery-point and high-watermark checkpoints");
    public static final Setting<Long> LOG_FLUSH_START_OFFSET_CHECKPOINT_INTERVAL_MS = longSetting(Section.STORAGE,
            "log.flush.start.offset.checkpoint.interval.ms", 60_000L, Range.between(1, Integer.MAX_VALUE), MEDIUM,
            "period of the log-start-offset checkpoints");
    /** Each recovery thread reads a segment at a time; more than this per directory only adds contention. */
    public static final Setting<Integer> NUM_RECOVERY_THREADS_PER_DATA_DIR = integer(Section.STORAGE,
            "num.recovery.threads.per.data.dir", 2, Range.between(1, 64), MEDIUM,
            "threads loading and recovering logs at start-up, per data directory");
    /** Kafka's transaction-coordinator setting; here it is read by each partition log's producer state. */
    public static final Setting<Long> PRODUCER_ID_EXPIRATION_MS = longSetting(Section.STORAGE, "producer.id.expiration.ms",
            86_400_000L, Range.between(1, Integer.MAX_VALUE), LOW,
            "a partition forgets an idempotent producer with no batch for this long (its next batch starts a new epoch)");
    public static final Setting<Long> PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = longSetting(Section.STORAGE,
            "producer.id.expiration.check.interval.ms", 600_000L, Range.between(1, Integer.MAX_VALUE), LOW,
            "period of the check for expired producer ids");

    // ---- log cleaner ---------------------------------------------------------------------------------

    /** Smallest key-map memory of one cleaner thread: 1024 map slots of 20 bytes plus a 64 KiB key arena. */
    public static final long LOG_CLEANER_DEDUPE_BYTES_PER_THREAD_MIN = 1024L * 20 + 64 * 1024;
    /** Smallest read-plus-write buffer memory of one cleaner thread. */
    public static final int LOG_CLEANER_IO_BYTES_PER_THREAD_MIN = 2 * 1024;

    public static final Setting<Boolean> LOG_CLEANER_ENABLE = bool(Section.CLEANER, "log.cleaner.enable", true, MEDIUM,
            "run the log cleaner, which compacts topics with cleanup.policy=compact");
    /** Each cleaner thread holds a key map and buffers of its own. */
    public static final Setting<Integer> LOG_CLEANER_THREADS = integer(Section.CLEANER, "log.cleaner.threads", 1,
            Range.between(1, 32), MEDIUM, "log cleaner threads");
    public static final Setting<Long> LOG_CLEANER_DEDUPE_BUFFER_SIZE = longSetting(Section.CLEANER, "log.cleaner.dedupe.buffer.size",
            134_217_728L, Range.atLeast(LOG_CLEANER_DEDUPE_BYTES_PER_THREAD_MIN), MEDIUM,
            "memory for the cleaner threads' key maps together; each thread needs at least "
                    + LOG_CLEANER_DEDUPE_BYTES_PER_THREAD_MIN + " bytes");
    public static final Setting<Double> LOG_CLEANER_IO_BUFFER_LOAD_FACTOR = decimal(Section.CLEANER,
            "log.cleaner.io.buffer.load.factor", 0.9, OpenInterval.between(0, 1), LOW,
            "how full a cleaner key map's table may get");
    public static final Setting<Integer> LOG_CLEANER_IO_BUFFER_SIZE = integer(Section.CLEANER, "log.cleaner.io.buffer.size",
            524_288, Range.atLeast(LOG_CLEANER_IO_BYTES_PER_THREAD_MIN), LOW,
            "read and write buffers of the cleaner threads together; each thread needs at least "
                    + LOG_CLEANER_IO_BYTES_PER_THREAD_MIN + " bytes");
    public static final Setting<Double> LOG_CLEANER_IO_MAX_BYTES_PER_SECOND = decimal(Section.CLEANER,
            "log.cleaner.io.max.bytes.per.second", Double.MAX_VALUE, Range.atLeast(1), MEDIUM,
            "bytes the cleaner threads may read plus write per second");
    public static final Setting<Long> LOG_CLEANER_BACKOFF_MS = longSetting(Section.CLEANER, "log.cleaner.backoff.ms", 15_000L,
            Range.atLeast(1), MEDIUM, "a cleaner thread's sleep when no log needs cleaning");

    // ---- consumer groups and committed offsets ----------------------------------------------------------

    /** The assignors a broker can run (partition.assignment.strategy names them). */
    public static final List<String> GROUP_ASSIGNORS_KNOWN = List.of("sticky", "range", "roundrobin");

    public static final Setting<Integer> OFFSETS_TOPIC_NUM_PARTITIONS = integer(Section.GROUPS, "offsets.topic.num.partitions", 50,
            Range.between(1, 10_000), HIGH, "partitions of __consumer_offsets when the group coordinator creates it; "
                    + "a group's coordinator leads partition hash(group.id) % this");
    public static final Setting<Integer> OFFSETS_TOPIC_REPLICATION_FACTOR = integer(Section.GROUPS,
            "offsets.topic.replication.factor", 3, Range.between(1, Short.MAX_VALUE), HIGH,
            "replicas of __consumer_offsets partitions (fewer when fewer brokers are registered at creation)");
    public static final Setting<Integer> OFFSETS_COMMIT_TIMEOUT_MS = integer(Section.GROUPS, "offsets.commit.timeout.ms", 5_000,
            Range.atLeast(1), HIGH, "how long a write of the group coordinator waits to be replicated to the ISR");
    public static final Setting<Integer> OFFSETS_LOAD_BUFFER_SIZE = integer(Section.GROUPS, "offsets.load.buffer.size", 5_242_880,
            Range.atLeast(1), HIGH, "bytes read at a time when a coordinator loads a partition of __consumer_offsets");
    public static final Setting<Integer> OFFSETS_RETENTION_MINUTES = integer(Section.GROUPS, "offsets.retention.minutes", 10_080,
            Range.atLeast(1), HIGH, "committed offsets of an empty group (or of topics no member subscribes to) are kept "
                    + "this long after their commit");
    public static final Setting<Long> OFFSETS_RETENTION_CHECK_INTERVAL_MS = longSetting(Section.GROUPS,
            "offsets.retention.check.interval.ms", 600_000L, Range.atLeast(1), HIGH, "period of the offsets retention check");
    public static final Setting<Integer> OFFSET_METADATA_MAX_BYTES = integer(Section.GROUPS, "offset.metadata.max.bytes", 4_096,
            Range.atLeast(0), HIGH, "bound on the metadata string of an offset commit (UTF-8 bytes)");
    public static final Setting<Integer> GROUP_MIN_SESSION_TIMEOUT_MS = integer(Section.GROUPS, "group.min.session.timeout.ms",
            6_000, Range.atLeast(1), MEDIUM, "shortest session.timeout.ms a member may ask for");
    public static final Setting<Integer> GROUP_MAX_SESSION_TIMEOUT_MS = integer(Section.GROUPS, "group.max.session.timeout.ms",
            1_800_000, Range.atLeast(1), MEDIUM, "longest session.timeout.ms a member may ask for");
    public static final Setting<Integer> GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS = integer(Section.GROUPS,
            "group.consumer.heartbeat.interval.ms", 5_000, Range.atLeast(1), MEDIUM,
            "how often consumer-group members send a heartbeat on their stream");
    public static final Setting<Integer> GROUP_CONSUMER_MAX_SIZE = integer(Section.GROUPS, "group.consumer.max.size",
            Integer.MAX_VALUE, Range.atLeast(1), MEDIUM, "members of one consumer group at most");
    public static final Setting<List<String>> GROUP_CONSUMER_ASSIGNORS = list(Section.GROUPS, "group.consumer.assignors",
            GROUP_ASSIGNORS_KNOWN, ValidList.in(GROUP_ASSIGNORS_KNOWN.toArray(String[]::new)), MEDIUM,
            "the assignors members may choose (partition.assignment.strategy); the first is the default");

    // ---- cluster-wide defaults of topic settings -------------------------------------------------------

    /** Topic key (retention.ms) -> the setting of its cluster-wide default (log.retention.ms). */
    private static final Map<String, Setting<Object>> TOPIC_DEFAULTS = topicDefaults();

    // ---- relations between settings ------------------------------------------------------------------

    /**
     * A relation between settings, checked whenever a {@link ServerConfig} is parsed (so at start-up,
     * before anything runs). Its message names the keys a user sets, with their values.
     */
    public record Check(String rule, Predicate<ServerConfig> holds, Function<ServerConfig, String> problem) {
    }

    public static final List<Check> CHECKS = List.of(
            new Check("broker.heartbeat.interval.ms < broker.session.timeout.ms",
                    c -> c.get(BROKER_HEARTBEAT_INTERVAL_MS) < c.get(BROKER_SESSION_TIMEOUT_MS),
                    c -> BROKER_HEARTBEAT_INTERVAL_MS.key() + "=" + c.get(BROKER_HEARTBEAT_INTERVAL_MS) + " must be below "
                            + BROKER_SESSION_TIMEOUT_MS.key() + "=" + c.get(BROKER_SESSION_TIMEOUT_MS)
                            + ", or a broker is fenced between two heartbeats (a third of it or less is usual)"),
            new Check("broker.session.timeout.ms > 2 * controller.quorum.election.timeout.ms",
                    c -> c.get(BROKER_SESSION_TIMEOUT_MS) > 2L * c.get(CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS),
                    c -> BROKER_SESSION_TIMEOUT_MS.key() + "=" + c.get(BROKER_SESSION_TIMEOUT_MS) + " must be above twice "
                            + CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS.key() + "=" + c.get(CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS)
                            + ": a controller cut off from the quorum steps down within that time, and must do so before "
                            + "its successor can fence a broker it still answers"),
            new Check("replica.fetch.wait.max.ms < replica.lag.time.max.ms (brokers)",
                    c -> !c.get(PROCESS_ROLES).contains(ROLE_BROKER) || c.get(REPLICA_FETCH_WAIT_MAX_MS) < c.get(REPLICA_LAG_TIME_MAX_MS),
                    c -> REPLICA_FETCH_WAIT_MAX_MS.key() + "=" + c.get(REPLICA_FETCH_WAIT_MAX_MS) + " must be below "
                            + REPLICA_LAG_TIME_MAX_MS.key() + "=" + c.get(REPLICA_LAG_TIME_MAX_MS)
                            + ", or a caught-up follower whose fetch waits would leave the ISR"),
            new Check("socket.request.max.bytes >= message.max.bytes",
                    c -> (long) c.get(SOCKET_REQUEST_MAX_BYTES) >= ((Number) c.topicDefaultValue(TopicConfig.MAX_MESSAGE_BYTES)).longValue(),
                    c -> SOCKET_REQUEST_MAX_BYTES.key() + "=" + c.get(SOCKET_REQUEST_MAX_BYTES) + " must be at least "
                            + topicDefaultSetting(TopicConfig.MAX_MESSAGE_BYTES).key() + "="
                            + c.topicDefaultValue(TopicConfig.MAX_MESSAGE_BYTES)
                            + ", or a batch that topics accept by default could never arrive"),
            new Check("group.min.session.timeout.ms <= group.max.session.timeout.ms",
                    c -> c.get(GROUP_MIN_SESSION_TIMEOUT_MS) <= c.get(GROUP_MAX_SESSION_TIMEOUT_MS),
                    c -> GROUP_MIN_SESSION_TIMEOUT_MS.key() + "=" + c.get(GROUP_MIN_SESSION_TIMEOUT_MS) + " must not exceed "
                            + GROUP_MAX_SESSION_TIMEOUT_MS.key() + "=" + c.get(GROUP_MAX_SESSION_TIMEOUT_MS)
                            + ", or no member could join a group"));

    /** Every setting as one ConfigDef (for parsing), in declaration order, the topic defaults last. */
    public static final ConfigDef DEFINITION = definition();

    private ServerSettings() {
    }

    /** Every setting, in declaration order (by section), the topic defaults last. */
    public static List<Setting<?>> all() {
        return Collections.unmodifiableList(DECLARED);
    }

    public static Optional<Setting<?>> setting(String key) {
        return DECLARED.stream().filter(s -> s.key().equals(key)).<Setting<?>>map(s -> s).findFirst();
    }

    /** The setting of a topic key's cluster-wide default ({@code log.retention.ms} for {@code retention.ms}). */
    public static Setting<Object> topicDefaultSetting(String topicKey) {
        Setting<Object> setting = TOPIC_DEFAULTS.get(topicKey);
        if (setting == null) {
            throw new IllegalArgumentException("topic key " + topicKey + " has no cluster-wide default");
        }
        return setting;
    }

    /** Topic keys that have a cluster-wide default, each with its setting. */
    public static Map<String, Setting<Object>> topicDefaultSettings() {
        return TOPIC_DEFAULTS;
    }

    // ---- declaration helpers ---------------------------------------------------------------------------

    private static <T> Setting<T> declare(Section section, String key, Type type, T defaultValue, Validator validator,
                                          Importance importance, String documentation) {
        if (DECLARED.stream().anyMatch(s -> s.key().equals(key))) {
            throw new IllegalStateException("setting declared twice: " + key);
        }
        Setting<T> setting = new Setting<>(section.title(), key, type, defaultValue, validator, importance, documentation);
        DECLARED.add(setting);
        return setting;
    }

    private static Setting<Integer> integer(Section section, String key, int defaultValue, Validator validator,
                                            Importance importance, String documentation) {
        return declare(section, key, INT, defaultValue, validator, importance, documentation);
    }

    private static Setting<Long> longSetting(Section section, String key, long defaultValue, Validator validator,
                                             Importance importance, String documentation) {
        return declare(section, key, LONG, defaultValue, validator, importance, documentation);
    }

    private static Setting<Double> decimal(Section section, String key, double defaultValue, Validator validator,
                                           Importance importance, String documentation) {
        return declare(section, key, DOUBLE, defaultValue, validator, importance, documentation);
    }

    private static Setting<Boolean> bool(Section section, String key, boolean defaultValue, Importance importance,
                                         String documentation) {
        return declare(section, key, BOOLEAN, defaultValue, null, importance, documentation);
    }

    private static Setting<String> string(Section section, String key, String defaultValue, Importance importance,
                                          String documentation) {
        return declare(section, key, STRING, defaultValue, null, importance, documentation);
    }

    private static Setting<List<String>> list(Section section, String key, List<String> defaultValue, Validator validator,
                                              Importance importance, String documentation) {
        return declare(section, key, LIST, defaultValue, validator, importance, documentation);
    }

    /** One setting per topic key that has a server key, sharing the topic key's type, default and bounds. */
    private static Map<String, Setting<Object>> topicDefaults() {
        Map<String, Setting<Object>> settings = new LinkedHashMap<>();
        TopicConfig.DEFINITION.configKeys().stream()
                .filter(topicKey -> TopicConfig.serverDefaultKey(topicKey.name()).isPresent())
                .sorted(java.util.Comparator.comparing(topicKey -> TopicConfig.serverDefaultKey(topicKey.name()).orElseThrow()))
                .forEach(topicKey -> settings.put(topicKey.name(), declare(Section.TOPIC_DEFAULTS,
                        TopicConfig.serverDefaultKey(topicKey.name()).orElseThrow(), topicKey.type(), topicKey.defaultValue(),
                        topicKey.validator(), topicKey.importance(),
                        "default of the topic setting " + topicKey.name() + ": " + topicKey.documentation())));
        return Collections.unmodifiableMap(settings);
    }

    private static ConfigDef definition() {
        ConfigDef definition = new ConfigDef();
        for (Setting<?> setting : DECLARED) {
            definition.define(setting.key(), setting.type(), setting.defaultValue(), setting.validator(), setting.importance(),
                    setting.documentation());
        }
        return definition;
    }
}
