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

import io.runnel.common.config.ConfigDef.Range;
import io.runnel.common.config.ConfigDef.ValidList;
import io.runnel.common.config.ConfigDef.ValidString;
import java.util.Map;
import java.util.Optional;

/**
 * Topic-level configuration keys with Apache Kafka's names and defaults. Each topic key but the two
 * replication-throttle lists has a cluster-wide default key ({@link #serverDefaultKey}) that a broker's
 * configuration may set, like Kafka's {@code log.retention.ms} for {@code retention.ms}. Immutable and
 * thread-safe.
 */
public final class TopicConfig {

    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MIN_IN_SYNC_REPLICAS = "min.insync.replicas";
    public static final String PREALLOCATE = "preallocate";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String SEGMENT_JITTER_MS = "segment.jitter.ms";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String UNCLEAN_LEADER_ELECTION_ENABLE = "unclean.leader.election.enable";
    /** Replicas ({@link ThrottledReplicas}) whose leader-side replication traffic is throttled. */
    public static final String LEADER_REPLICATION_THROTTLED_REPLICAS = "leader.replication.throttled.replicas";
    /** Replicas ({@link ThrottledReplicas}) whose follower-side replication traffic is throttled. */
    public static final String FOLLOWER_REPLICATION_THROTTLED_REPLICAS = "follower.replication.throttled.replicas";

    public static final String CLEANUP_POLICY_DELETE = "delete";
    public static final String CLEANUP_POLICY_COMPACT = "compact";
    public static final String TIMESTAMP_TYPE_CREATE_TIME = "CreateTime";
    public static final String TIMESTAMP_TYPE_LOG_APPEND_TIME = "LogAppendTime";

    /**
     * Smallest segment.bytes (and log.segment.bytes) accepted: 1 MiB, Kafka 4's floor (KIP-1030), so a
     * misconfigured topic cannot make a segment (six files and a roll) of every few batches. Tests that
     * need small segments set the storage-internal {@code internal.segment.bytes} instead (see LogConfig).
     */
    public static final int SEGMENT_BYTES_MIN = 1024 * 1024;

    public static final ConfigDef DEFINITION = new ConfigDef()
            .define(CLEANUP_POLICY, LIST, CLEANUP_POLICY_DELETE, ValidList.in(CLEANUP_POLICY_DELETE, CLEANUP_POLICY_COMPACT),
                    MEDIUM, "delete: remove old segments by time, size and log start offset; compact: keep the latest record per key")
            .define(COMPRESSION_TYPE, STRING, "producer", ValidString.in("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
                    MEDIUM, "codec of stored batches; 'producer' keeps what the producer sent")
            .define(DELETE_RETENTION_MS, LONG, 86_400_000L, Range.atLeast(0), MEDIUM,
                    "how long tombstones are kept in compacted topics")
            .define(FILE_DELETE_DELAY_MS, LONG, 60_000L, Range.atLeast(0), MEDIUM,
                    "delay before a deleted segment's files are removed from disk")
            .define(FLUSH_MESSAGES, LONG, Long.MAX_VALUE, Range.atLeast(1), MEDIUM,
                    "fsync the log after this many records are appended")
            .define(FLUSH_MS, LONG, Long.MAX_VALUE, Range.atLeast(0), MEDIUM,
                    "fsync the log when its oldest unflushed record is this old")
            .define(INDEX_INTERVAL_BYTES, INT, 4096, Range.atLeast(0), MEDIUM,
                    "bytes of log between two offset-index entries")
            .define(MAX_COMPACTION_LAG_MS, LONG, Long.MAX_VALUE, Range.atLeast(1), MEDIUM,
                    "longest a record may stay uncompacted")
            .define(MAX_MESSAGE_BYTES, INT, 1_048_588, Range.atLeast(0), MEDIUM,
                    "largest record batch accepted, after compression")
            .define(MESSAGE_TIMESTAMP_TYPE, STRING, TIMESTAMP_TYPE_CREATE_TIME,
                    ValidString.in(TIMESTAMP_TYPE_CREATE_TIME, TIMESTAMP_TYPE_LOG_APPEND_TIME), MEDIUM,
                    "CreateTime keeps the producer's timestamps; LogAppendTime stamps the broker's clock")
            .define(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, LONG, Long.MAX_VALUE, Range.atLeast(0), MEDIUM,
                    "how far in the past a CreateTime timestamp may be")
            .define(MESSAGE_TIMESTAMP_AFTER_MAX_MS, LONG, 3_600_000L, Range.atLeast(0), MEDIUM,
                    "how far in the future a CreateTime timestamp may be")
            .define(MIN_CLEANABLE_DIRTY_RATIO, DOUBLE, 0.5, Range.between(0, 1), MEDIUM,
                    "dirty share of a log above which the cleaner compacts it")
            .define(MIN_COMPACTION_LAG_MS, LONG, 0L, Range.atLeast(0), MEDIUM,
                    "shortest time a record stays uncompacted")
            .define(MIN_IN_SYNC_REPLICAS, INT, 1, Range.atLeast(1), MEDIUM,
                    "with acks=all, the fewest ISR members that must have a batch")
            .define(PREALLOCATE, BOOLEAN, false, MEDIUM, "preallocate segment files")
            .define(RETENTION_BYTES, LONG, -1L, MEDIUM,
                    "largest size of a partition's log before old segments are deleted; -1: no limit")
            .define(RETENTION_MS, LONG, 604_800_000L, Range.atLeast(-1), MEDIUM,
                    "age (by a segment's largest timestamp) after which a segment is deleted; -1: no limit")
            .define(SEGMENT_BYTES, INT, 1_073_741_824, Range.atLeast(SEGMENT_BYTES_MIN), MEDIUM,
                    "size at which a new segment is rolled")
            .define(SEGMENT_INDEX_BYTES, INT, 10_485_760, Range.atLeast(8), MEDIUM,
                    "size of a segment's offset index (a full index rolls the segment)")
            .define(SEGMENT_JITTER_MS, LONG, 0L, Range.atLeast(0), MEDIUM,
                    "random jitter subtracted from segment.ms")
            .define(SEGMENT_MS, LONG, 604_800_000L, Range.atLeast(1), MEDIUM,
                    "age after which the active segment is rolled even if not full")
            .define(UNCLEAN_LEADER_ELECTION_ENABLE, BOOLEAN, false, HIGH,
                    "allow an out-of-sync replica to become leader, losing data, when no ISR member is alive")
            .define(LEADER_REPLICATION_THROTTLED_REPLICAS, LIST, "", ThrottledReplicas.validator(), MEDIUM,
                    "replicas whose leader throttles what it sends to out-of-sync followers to the broker's "
                            + "leader.replication.throttled.rate: partitionId:brokerId,... or '*' for all")
            .define(FOLLOWER_REPLICATION_THROTTLED_REPLICAS, LIST, "", ThrottledReplicas.validator(), MEDIUM,
                    "replicas that fetch, while out of sync, at most the broker's follower.replication.throttled.rate: "
                            + "partitionId:brokerId,... or '*' for all");

    /** Topic key -> the broker key that sets its cluster-wide default. */
    private static final Map<String, String> SERVER_DEFAULT_KEYS = Map.ofEntries(
            Map.entry(CLEANUP_POLICY, "log.cleanup.policy"),
            Map.entry(COMPRESSION_TYPE, "compression.type"),
            Map.entry(DELETE_RETENTION_MS, "log.cleaner.delete.retention.ms"),
            Map.entry(FILE_DELETE_DELAY_MS, "log.segment.delete.delay.ms"),
            Map.entry(FLUSH_MESSAGES, "log.flush.interval.messages"),
            Map.entry(FLUSH_MS, "log.flush.interval.ms"),
            Map.entry(INDEX_INTERVAL_BYTES, "log.index.interval.bytes"),
            Map.entry(MAX_COMPACTION_LAG_MS, "log.cleaner.max.compaction.lag.ms"),
            Map.entry(MAX_MESSAGE_BYTES, "message.max.bytes"),
            Map.entry(MESSAGE_TIMESTAMP_TYPE, "log.message.timestamp.type"),
            Map.entry(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, "log.message.timestamp.before.max.ms"),
            Map.entry(MESSAGE_TIMESTAMP_AFTER_MAX_MS, "log.message.timestamp.after.max.ms"),
            Map.entry(MIN_CLEANABLE_DIRTY_RATIO, "log.cleaner.min.cleanable.ratio"),
            Map.entry(MIN_COMPACTION_LAG_MS, "log.cleaner.min.compaction.lag.ms"),
            Map.entry(MIN_IN_SYNC_REPLICAS, "min.insync.replicas"),
            Map.entry(PREALLOCATE, "log.preallocate"),
            Map.entry(RETENTION_BYTES, "log.retention.bytes"),
            Map.entry(RETENTION_MS, "log.retention.ms"),
            Map.entry(SEGMENT_BYTES, "log.segment.bytes"),
            Map.entry(SEGMENT_INDEX_BYTES, "log.index.size.max.bytes"),
            Map.entry(SEGMENT_JITTER_MS, "log.roll.jitter.ms"),
            Map.entry(SEGMENT_MS, "log.roll.ms"),
            Map.entry(UNCLEAN_LEADER_ELECTION_ENABLE, "unclean.leader.election.enable"));

    private TopicConfig() {
    }

    public static Optional<String> serverDefaultKey(String topicKey) {
        return Optional.ofNullable(SERVER_DEFAULT_KEYS.get(topicKey));
    }

    public static Map<String, String> serverDefaultKeys() {
        return SERVER_DEFAULT_KEYS;
    }

    /** Validates topic overrides (unknown key or bad value: ConfigException naming it) and returns them typed. */
    public static Map<String, Object> validate(Map<String, String> overrides) {
        Map<String, Object> typed = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            typed.put(e.getKey(), DEFINITION.parseValue(e.getKey(), e.getValue()));
        }
        return typed;
    }
}
