package io.runnel.storage;

import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ConfigException;
import io.runnel.common.config.TopicConfig;
import io.runnel.common.record.TimestampType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The topic-level settings one {@link PartitionLog} obeys, parsed from Kafka's topic keys
 * ({@link TopicConfig}): absent keys take Kafka's defaults, an unknown key or an invalid value is a
 * {@link ConfigException} naming the key and the value. Immutable and thread-safe; a log picks up a new
 * instance through {@link PartitionLog#updateConfig}.
 *
 * <p>{@code compression.type} is carried for the broker's benefit; the storage engine itself stores every
 * batch exactly as it arrives (DESIGN §4) and never recompresses.
 */
public final class LogConfig {

    /**
     * The segment size for tests, as Kafka's {@code internal.segment.bytes}: when set it replaces
     * segment.bytes and is not held to segment.bytes' 1 MiB floor (only to {@link #INTERNAL_SEGMENT_BYTES_MIN}).
     * Only code building a LogConfig can set it: it is not a topic key, so no client and no broker
     * configuration can.
     */
    public static final String INTERNAL_SEGMENT_BYTES = "internal.segment.bytes";
    /** Smallest internal.segment.bytes: one minimal batch must fit (Kafka 3's floor for segment.bytes). */
    public static final int INTERNAL_SEGMENT_BYTES_MIN = 14;

    private static final LogConfig DEFAULTS = fromMap(Map.of());

    private final Map<String, Object> values;
    private final Map<String, String> originals;
    /** internal.segment.bytes, or null when not set. */
    private final Integer internalSegmentBytes;

    private LogConfig(Map<String, Object> values, Map<String, String> originals, Integer internalSegmentBytes) {
        this.values = values;
        this.originals = originals;
        this.internalSegmentBytes = internalSegmentBytes;
    }

    /** Kafka's defaults for every key. */
    public static LogConfig defaults() {
        return DEFAULTS;
    }

    /** Parses topic overrides; keys not given take TopicConfig defaults. */
    public static LogConfig fromMap(Map<String, String> props) {
        Map<String, String> topicProps = new LinkedHashMap<>(props);
        String internal = topicProps.remove(INTERNAL_SEGMENT_BYTES);
        Integer internalSegmentBytes = null;
        if (internal != null) {
            internalSegmentBytes = (Integer) ConfigDef.parseType(INTERNAL_SEGMENT_BYTES, internal, ConfigDef.Type.INT);
            ConfigDef.Range.atLeast(INTERNAL_SEGMENT_BYTES_MIN).ensureValid(INTERNAL_SEGMENT_BYTES, internalSegmentBytes);
        }
        Map<String, Object> parsed = TopicConfig.DEFINITION.parse(topicProps);
        return new LogConfig(Collections.unmodifiableMap(parsed),
                Collections.unmodifiableMap(new LinkedHashMap<>(props)), internalSegmentBytes);
    }

    /** A copy with one more override (convenient in tests and for dynamic config changes). */
    public LogConfig with(String key, Object value) {
        Map<String, String> props = new LinkedHashMap<>(originals);
        props.put(key, String.valueOf(value));
        return fromMap(props);
    }

    /** The overrides this config was built from (not the defaults). */
    public Map<String, String> originals() {
        return originals;
    }

    /** The size at which a segment rolls: internal.segment.bytes when set, else segment.bytes. */
    public int segmentBytes() {
        return internalSegmentBytes != null ? internalSegmentBytes : (Integer) values.get(TopicConfig.SEGMENT_BYTES);
    }

    public long segmentMs() {
        return (Long) values.get(TopicConfig.SEGMENT_MS);
    }

    public long segmentJitterMs() {
        return (Long) values.get(TopicConfig.SEGMENT_JITTER_MS);
    }

    public int segmentIndexBytes() {
        return (Integer) values.get(TopicConfig.SEGMENT_INDEX_BYTES);
    }

    public int indexIntervalBytes() {
        return (Integer) values.get(TopicConfig.INDEX_INTERVAL_BYTES);
    }

    public long retentionMs() {
        return (Long) values.get(TopicConfig.RETENTION_MS);
    }

    public long retentionBytes() {
        return (Long) values.get(TopicConfig.RETENTION_BYTES);
    }

    public int maxMessageBytes() {
        return (Integer) values.get(TopicConfig.MAX_MESSAGE_BYTES);
    }

    public TimestampType messageTimestampType() {
        return TopicConfig.TIMESTAMP_TYPE_LOG_APPEND_TIME.equals(values.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE))
                ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
    }

    public long messageTimestampBeforeMaxMs() {
        return (Long) values.get(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS);
    }

    public long messageTimestampAfterMaxMs() {
        return (Long) values.get(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS);
    }

    public long flushMessages() {
        return (Long) values.get(TopicConfig.FLUSH_MESSAGES);
    }

    public long flushMs() {
        return (Long) values.get(TopicConfig.FLUSH_MS);
    }

    public long fileDeleteDelayMs() {
        return (Long) values.get(TopicConfig.FILE_DELETE_DELAY_MS);
    }

    public int minInSyncReplicas() {
        return (Integer) values.get(TopicConfig.MIN_IN_SYNC_REPLICAS);
    }

    public boolean uncleanLeaderElectionEnable() {
        return (Boolean) values.get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE);
    }

    public String compressionType() {
        return (String) values.get(TopicConfig.COMPRESSION_TYPE);
    }

    @SuppressWarnings("unchecked")
    public List<String> cleanupPolicy() {
        return (List<String>) values.get(TopicConfig.CLEANUP_POLICY);
    }

    /** True when retention deletes old segments (cleanup.policy contains delete). */
    public boolean deleteEnabled() {
        return cleanupPolicy().contains(TopicConfig.CLEANUP_POLICY_DELETE);
    }

    /** True when the log cleaner compacts the log (cleanup.policy contains compact). */
    public boolean compact() {
        return cleanupPolicy().contains(TopicConfig.CLEANUP_POLICY_COMPACT);
    }

    /** How long a tombstone stays readable after the cleaning that first kept it (delete.retention.ms). */
    public long deleteRetentionMs() {
        return (Long) values.get(TopicConfig.DELETE_RETENTION_MS);
    }

    public double minCleanableDirtyRatio() {
        return (Double) values.get(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO);
    }

    public long minCompactionLagMs() {
        return (Long) values.get(TopicConfig.MIN_COMPACTION_LAG_MS);
    }

    public long maxCompactionLagMs() {
        return (Long) values.get(TopicConfig.MAX_COMPACTION_LAG_MS);
    }

    /**
     * The age at which the active segment rolls: segment.ms, or for a compacted log the smaller of
     * segment.ms and max.compaction.lag.ms, as in Kafka, since the cleaner never touches the active
     * segment and a record must become cleanable within max.compaction.lag.ms.
     */
    public long maxSegmentMs() {
        return compact() ? Math.min(segmentMs(), maxCompactionLagMs()) : segmentMs();
    }

    /** Largest offset-index entry count: segment.index.bytes / 8. */
    public int maxIndexEntries() {
        return segmentIndexBytes() / OffsetIndex.ENTRY_SIZE;
    }

    @Override
    public String toString() {
        return "LogConfig" + originals;
    }
}
