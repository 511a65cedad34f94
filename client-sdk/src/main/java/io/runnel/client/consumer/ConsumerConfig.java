package io.runnel.client.consumer;

import io.runnel.client.internal.AbstractConfig;
import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ConfigDef.Importance;
import io.runnel.common.config.ConfigDef.Range;
import io.runnel.common.config.ConfigDef.Type;
import io.runnel.common.config.ConfigDef.ValidString;
import io.runnel.common.config.ConfigException;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The consumer's configuration: Kafka's key names and defaults (docs/client.md has the table), group settings
 * included. Immutable.
 */
public final class ConsumerConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS_CONFIG = BOOTSTRAP_SERVERS;
    public static final String CLIENT_ID_CONFIG = CLIENT_ID;
    public static final String AUTO_OFFSET_RESET_CONFIG = "auto.offset.reset";
    public static final String FETCH_MIN_BYTES_CONFIG = "fetch.min.bytes";
    public static final String FETCH_MAX_WAIT_MS_CONFIG = "fetch.max.wait.ms";
    public static final String FETCH_MAX_BYTES_CONFIG = "fetch.max.bytes";
    public static final String MAX_PARTITION_FETCH_BYTES_CONFIG = "max.partition.fetch.bytes";
    public static final String MAX_POLL_RECORDS_CONFIG = "max.poll.records";
    public static final String ISOLATION_LEVEL_CONFIG = "isolation.level";
    public static final String KEY_DESERIALIZER_CLASS_CONFIG = "key.deserializer";
    public static final String VALUE_DESERIALIZER_CLASS_CONFIG = "value.deserializer";
    public static final String CHECK_CRCS_CONFIG = "check.crcs";
    public static final String REQUEST_TIMEOUT_MS_CONFIG = REQUEST_TIMEOUT_MS;
    public static final String DEFAULT_API_TIMEOUT_MS_CONFIG = "default.api.timeout.ms";
    public static final String RETRY_BACKOFF_MS_CONFIG = RETRY_BACKOFF_MS;
    public static final String METADATA_MAX_AGE_MS_CONFIG = METADATA_MAX_AGE_MS;
    public static final String CLIENT_RACK_CONFIG = "client.rack";
    public static final String GROUP_ID_CONFIG = "group.id";
    public static final String GROUP_INSTANCE_ID_CONFIG = "group.instance.id";
    public static final String ENABLE_AUTO_COMMIT_CONFIG = "enable.auto.commit";
    public static final String AUTO_COMMIT_INTERVAL_MS_CONFIG = "auto.commit.interval.ms";
    public static final String SESSION_TIMEOUT_MS_CONFIG = "session.timeout.ms";
    public static final String HEARTBEAT_INTERVAL_MS_CONFIG = "heartbeat.interval.ms";
    public static final String MAX_POLL_INTERVAL_MS_CONFIG = "max.poll.interval.ms";
    public static final String PARTITION_ASSIGNMENT_STRATEGY_CONFIG = "partition.assignment.strategy";
    public static final String INTERCEPTOR_CLASSES_CONFIG = "interceptor.classes";
    public static final String EXCLUDE_INTERNAL_TOPICS_CONFIG = "exclude.internal.topics";

    static final ConfigDef CONFIG = commonDefinitions(30000)
            .define(AUTO_OFFSET_RESET_CONFIG, Type.STRING, "latest", ValidString.in("earliest", "latest", "none"),
                    Importance.MEDIUM, "where a partition without a valid position starts")
            .define(FETCH_MIN_BYTES_CONFIG, Type.INT, 1, Range.atLeast(0), Importance.HIGH,
                    "bytes a fetch waits for (up to fetch.max.wait.ms)")
            .define(FETCH_MAX_WAIT_MS_CONFIG, Type.INT, 500, Range.atLeast(0), Importance.LOW,
                    "longest a broker holds a fetch waiting for fetch.min.bytes")
            .define(FETCH_MAX_BYTES_CONFIG, Type.INT, 52428800, Range.atLeast(0), Importance.MEDIUM,
                    "bound on one fetch response")
            .define(MAX_PARTITION_FETCH_BYTES_CONFIG, Type.INT, 1048576, Range.atLeast(0), Importance.HIGH,
                    "bound on one partition's data in a fetch response")
            .define(MAX_POLL_RECORDS_CONFIG, Type.INT, 500, Range.atLeast(1), Importance.MEDIUM,
                    "most records one poll returns")
            .define(ISOLATION_LEVEL_CONFIG, Type.STRING, "read_uncommitted",
                    ValidString.in("read_uncommitted", "read_committed"), Importance.MEDIUM,
                    "read_committed hides records of aborted transactions and stops at the last stable offset")
            .define(KEY_DESERIALIZER_CLASS_CONFIG, Type.CLASS, null, Importance.HIGH,
                    "Deserializer class for keys, unless an instance is passed to the constructor")
            .define(VALUE_DESERIALIZER_CLASS_CONFIG, Type.CLASS, null, Importance.HIGH,
                    "Deserializer class for values, unless an instance is passed to the constructor")
            .define(CHECK_CRCS_CONFIG, Type.BOOLEAN, true, Importance.LOW,
                    "verify each fetched batch's CRC-32C")
            .define(DEFAULT_API_TIMEOUT_MS_CONFIG, Type.INT, 60000, Range.atLeast(0), Importance.MEDIUM,
                    "bound on blocking calls without a timeout argument (position, offsets lookups)")
            .define(CLIENT_RACK_CONFIG, Type.STRING, "", Importance.LOW, "rack of this consumer, sent with fetches")
            .define(GROUP_ID_CONFIG, Type.STRING, null, Importance.HIGH,
                    "the consumer group: needed by subscribe and by committed offsets")
            .define(GROUP_INSTANCE_ID_CONFIG, Type.STRING, null, Importance.MEDIUM,
                    "a stable name making this a static member: a restart keeps its partitions for session.timeout.ms")
            .define(ENABLE_AUTO_COMMIT_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM,
                    "commit the positions of returned records every auto.commit.interval.ms (inside poll), before a "
                            + "revocation, and on close")
            .define(AUTO_COMMIT_INTERVAL_MS_CONFIG, Type.INT, 5000, Range.atLeast(0), Importance.LOW,
                    "how often auto-commit commits")
            .define(SESSION_TIMEOUT_MS_CONFIG, Type.INT, 45000, Range.atLeast(1), Importance.HIGH,
                    "a member silent (its stream broken) this long leaves the group")
            .define(HEARTBEAT_INTERVAL_MS_CONFIG, Type.INT, 3000, Range.atLeast(1), Importance.HIGH,
                    "heartbeat period until the coordinator names its own (group.consumer.heartbeat.interval.ms)")
            .define(MAX_POLL_INTERVAL_MS_CONFIG, Type.INT, 300000, Range.atLeast(1), Importance.MEDIUM,
                    "a consumer that does not poll for this long leaves the group; also how long it may take to revoke")
            .define(PARTITION_ASSIGNMENT_STRATEGY_CONFIG, Type.LIST, "", Importance.MEDIUM,
                    "the assignor the coordinator runs for the group: range, roundrobin, sticky (or Kafka's class names); "
                            + "empty: the coordinator's default (group.consumer.assignors); the first entry counts")
            .define(INTERCEPTOR_CLASSES_CONFIG, Type.LIST, "", Importance.LOW, "ConsumerInterceptor classes, in chain order")
            .define(EXCLUDE_INTERNAL_TOPICS_CONFIG, Type.BOOLEAN, true, Importance.MEDIUM,
                    "a pattern subscription never matches internal topics (names starting with __)");

    public ConsumerConfig(Map<String, ?> props) {
        super(CONFIG, props);
        if (getInt(FETCH_MAX_WAIT_MS_CONFIG) >= getInt(REQUEST_TIMEOUT_MS_CONFIG)) {
            throw new ConfigException(FETCH_MAX_WAIT_MS_CONFIG, getInt(FETCH_MAX_WAIT_MS_CONFIG),
                    "must be less than request.timeout.ms (" + getInt(REQUEST_TIMEOUT_MS_CONFIG) + ")");
        }
        if (getInt(HEARTBEAT_INTERVAL_MS_CONFIG) >= getInt(SESSION_TIMEOUT_MS_CONFIG)) {
            throw new ConfigException(HEARTBEAT_INTERVAL_MS_CONFIG, getInt(HEARTBEAT_INTERVAL_MS_CONFIG),
                    "must be less than session.timeout.ms (" + getInt(SESSION_TIMEOUT_MS_CONFIG) + ")");
        }
        String groupId = getString(GROUP_ID_CONFIG);
        if (groupId != null && groupId.isEmpty()) {
            throw new ConfigException(GROUP_ID_CONFIG, "", "must not be empty; leave it unset for a consumer without a group");
        }
        String instanceId = getString(GROUP_INSTANCE_ID_CONFIG);
        if (instanceId != null && (instanceId.isEmpty() || groupId == null)) {
            throw new ConfigException(GROUP_INSTANCE_ID_CONFIG, instanceId, instanceId.isEmpty() ? "must not be empty"
                    : "needs group.id: static membership is membership of a group");
        }
    }

    public ConsumerConfig(Properties props) {
        this(toMap(props));
    }

    public static Set<String> configNames() {
        return CONFIG.names();
    }
}
