package io.runnel.metadata.server;

import io.runnel.common.config.ConfigException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What a controller needs to run: who it is, who the other voters are, where its data lives and how
 * long it waits. Immutable and thread-safe; {@link #builder} fills Kafka-like defaults.
 *
 * <p>Limits and their reasons:
 * <ul>
 *   <li>{@code electionTimeoutMinMs}/{@code MaxMs} (default 1000/2000): a follower waits this long
 *       without hearing from the leader before it campaigns. They must be well above the fsync latency
 *       of the Ratis log (tens of milliseconds on a loaded disk) plus a network round trip, or leaders
 *       are deposed by their own disk; max must exceed min so that candidates spread out.</li>
 *   <li>{@code requestTimeoutMs} (30000): how long a controller waits for a write to commit before it
 *       answers REQUEST_TIMED_OUT, when the caller set no deadline.</li>
 *   <li>{@code brokerSessionTimeoutMs} (9000, Kafka's {@code broker.session.timeout.ms}): a broker that
 *       has not heartbeated for this long is fenced. It must exceed the max election timeout: a
 *       controller cut off from the majority steps down within that time (Raft thesis §6.2, which Ratis
 *       implements), so it stops answering heartbeats before its successor, which first grants every
 *       broker a full session, can fence anyone.</li>
 *   <li>{@code snapshotRecords} (10000, {@code metadata.snapshot.records}): a snapshot (RocksDB
 *       checkpoint) is taken after this many Ratis log entries, and the log is purged behind it.</li>
 *   <li>{@code logSegmentBytes} (4 MiB, {@code metadata.log.segment.bytes}): size of a Ratis log
 *       segment. Only closed segments are purged, so the log keeps at most this much beyond the
 *       snapshot.</li>
 * </ul>
 */
public record ControllerConfig(
        int nodeId,
        String clusterId,
        QuorumVoters voters,
        Path metadataDir,
        long electionTimeoutMinMs,
        long electionTimeoutMaxMs,
        long requestTimeoutMs,
        long brokerSessionTimeoutMs,
        long snapshotRecords,
        long logSegmentBytes,
        Map<String, String> clusterDefaults) {

    public static final long ELECTION_TIMEOUT_MIN_MS_DEFAULT = 1000;
    public static final long ELECTION_TIMEOUT_MAX_MS_DEFAULT = 2000;
    public static final long REQUEST_TIMEOUT_MS_DEFAULT = 30_000;
    public static final long BROKER_SESSION_TIMEOUT_MS_DEFAULT = 9000;
    public static final long SNAPSHOT_RECORDS_DEFAULT = 10_000;
    public static final long LOG_SEGMENT_BYTES_DEFAULT = 4L * 1024 * 1024;

    public ControllerConfig {
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(voters, "voters");
        Objects.requireNonNull(metadataDir, "metadataDir");
        clusterDefaults = Map.copyOf(Objects.requireNonNull(clusterDefaults, "clusterDefaults"));
        if (clusterId.isBlank()) {
            throw new ConfigException("cluster.id", clusterId, "must not be empty");
        }
        if (voters.voter(nodeId).isEmpty()) {
            throw new ConfigException("node.id", nodeId, "is not one of the voters in "
                    + QuorumVoters.CONFIG_NAME + "=" + voters);
        }
        if (electionTimeoutMinMs < 50) {
            throw new ConfigException("controller.election.timeout.min.ms", electionTimeoutMinMs, "must be >= 50");
        }
        if (electionTimeoutMaxMs <= electionTimeoutMinMs) {
            throw new ConfigException("controller.election.timeout.max.ms", electionTimeoutMaxMs,
                    "must be greater than controller.election.timeout.min.ms (" + electionTimeoutMinMs + ")");
        }
        if (requestTimeoutMs < 1) {
            throw new ConfigException("request.timeout.ms", requestTimeoutMs, "must be >= 1");
        }
        if (brokerSessionTimeoutMs <= electionTimeoutMaxMs) {
            throw new ConfigException("broker.session.timeout.ms", brokerSessionTimeoutMs,
                    "must be greater than controller.election.timeout.max.ms (" + electionTimeoutMaxMs
                            + "): a deposed controller steps down within the election timeout, and must do so"
                            + " before its successor can fence a broker it still answers");
        }
        if (snapshotRecords < 1) {
            throw new ConfigException("metadata.snapshot.records", snapshotRecords, "must be >= 1");
        }
        if (logSegmentBytes < 16 * 1024) {
            throw new ConfigException("metadata.log.segment.bytes", logSegmentBytes, "must be >= 16384");
        }
    }

    public QuorumVoters.Voter self() {
        return voters.voter(nodeId).orElseThrow();
    }

    public static Builder builder(int nodeId, String clusterId, QuorumVoters voters, Path metadataDir) {
        return new Builder(nodeId, clusterId, voters, metadataDir);
    }

    public Builder toBuilder() {
        return new Builder(nodeId, clusterId, voters, metadataDir)
                .electionTimeoutMs(electionTimeoutMinMs, electionTimeoutMaxMs)
                .requestTimeoutMs(requestTimeoutMs)
                .brokerSessionTimeoutMs(brokerSessionTimeoutMs)
                .snapshotRecords(snapshotRecords)
                .logSegmentBytes(logSegmentBytes)
                .clusterDefaults(clusterDefaults);
    }

    /** Fills the defaults above; not thread-safe. */
    public static final class Builder {
        private final int nodeId;
        private final String clusterId;
        private final QuorumVoters voters;
        private Path metadataDir;
        private long electionTimeoutMinMs = ELECTION_TIMEOUT_MIN_MS_DEFAULT;
        private long electionTimeoutMaxMs = ELECTION_TIMEOUT_MAX_MS_DEFAULT;
        private long requestTimeoutMs = REQUEST_TIMEOUT_MS_DEFAULT;
        private long brokerSessionTimeoutMs = BROKER_SESSION_TIMEOUT_MS_DEFAULT;
        private long snapshotRecords = SNAPSHOT_RECORDS_DEFAULT;
        private long logSegmentBytes = LOG_SEGMENT_BYTES_DEFAULT;
        private Map<String, String> clusterDefaults = Map.of();

        private Builder(int nodeId, String clusterId, QuorumVoters voters, Path metadataDir) {
            this.nodeId = nodeId;
            this.clusterId = clusterId;
            this.voters = voters;
            this.metadataDir = metadataDir;
        }

        public Builder metadataDir(Path dir) {
            this.metadataDir = dir;
            return this;
        }

        public Builder electionTimeoutMs(long minMs, long maxMs) {
            this.electionTimeoutMinMs = minMs;
            this.electionTimeoutMaxMs = maxMs;
            return this;
        }

        public Builder requestTimeoutMs(long ms) {
            this.requestTimeoutMs = ms;
            return this;
        }

        public Builder brokerSessionTimeoutMs(long ms) {
            this.brokerSessionTimeoutMs = ms;
            return this;
        }

        public Builder snapshotRecords(long records) {
            this.snapshotRecords = records;
            return this;
        }

        public Builder logSegmentBytes(long bytes) {
            this.logSegmentBytes = bytes;
            return this;
        }

        public Builder clusterDefaults(Map<String, String> defaults) {
            this.clusterDefaults = defaults;
            return this;
        }

        public ControllerConfig build() {
            return new ControllerConfig(nodeId, clusterId, voters, metadataDir, electionTimeoutMinMs,
                    electionTimeoutMaxMs, requestTimeoutMs, brokerSessionTimeoutMs, snapshotRecords, logSegmentBytes,
                    clusterDefaults);
        }
    }
}
