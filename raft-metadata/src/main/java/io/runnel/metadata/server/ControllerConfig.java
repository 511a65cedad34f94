package io.runnel.metadata.server;

import io.runnel.common.config.ConfigException;
import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;
import io.runnel.common.config.Setting;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a controller needs to run: who it is, who the other voters are, where its data lives, and the
 * node's settings ({@link ServerSettings}, already parsed and cross-checked), from which it reads its
 * limits. Immutable and thread-safe.
 *
 * <p>The limits it uses, and why they are what they are (the bounds and defaults are declared in
 * {@link ServerSettings}):
 * <ul>
 *   <li>{@code controller.quorum.election.timeout.ms}: a follower campaigns after hearing nothing from the
 *       leader for a random time between it ({@link #electionTimeoutMinMs}) and twice it
 *       ({@link #electionTimeoutMaxMs}), as Kafka's KRaft does. It must stay well above the fsync latency of
 *       the Ratis log plus a round trip, or leaders are deposed by their own disk; the spread keeps candidates
 *       apart.</li>
 *   <li>{@code request.timeout.ms}: how long a controller waits for a write to commit before it answers
 *       REQUEST_TIMED_OUT, when the caller set no deadline.</li>
 *   <li>{@code broker.session.timeout.ms}: a broker that has not heartbeated for this long is fenced. It
 *       exceeds the max election timeout (a checked relation): a controller cut off from the majority steps
 *       down within that time (Raft thesis §6.2, which Ratis implements), so it stops answering heartbeats
 *       before its successor, which first grants every broker a full session, can fence anyone.</li>
 *   <li>{@code metadata.snapshot.records}: a snapshot (RocksDB checkpoint) is taken after this many Ratis log
 *       entries, and the log is purged behind it.</li>
 *   <li>{@code metadata.log.segment.bytes}: size of a Ratis log segment. Only closed segments are purged, so
 *       the log keeps at most this much beyond the snapshot.</li>
 * </ul>
 */
public record ControllerConfig(int nodeId, String clusterId, QuorumVoters voters, Path metadataDir, ServerConfig settings) {

    public ControllerConfig {
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(voters, "voters");
        Objects.requireNonNull(metadataDir, "metadataDir");
        Objects.requireNonNull(settings, "settings");
        if (clusterId.isBlank()) {
            throw new ConfigException("cluster.id", clusterId, "must not be empty");
        }
        if (voters.voter(nodeId).isEmpty()) {
            throw new ConfigException(ServerSettings.NODE_ID.key(), nodeId, "is not one of the voters in "
                    + QuorumVoters.CONFIG_NAME + "=" + voters);
        }
    }

    public QuorumVoters.Voter self() {
        return voters.voter(nodeId).orElseThrow();
    }

    /** The shortest time without a leader before this controller campaigns. */
    public long electionTimeoutMinMs() {
        return settings.get(ServerSettings.CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS);
    }

    /** The longest time without a leader before this controller campaigns: twice the shortest. */
    public long electionTimeoutMaxMs() {
        return 2 * electionTimeoutMinMs();
    }

    public long requestTimeoutMs() {
        return settings.get(ServerSettings.REQUEST_TIMEOUT_MS);
    }

    public long brokerSessionTimeoutMs() {
        return settings.get(ServerSettings.BROKER_SESSION_TIMEOUT_MS);
    }

    public long snapshotRecords() {
        return settings.get(ServerSettings.METADATA_SNAPSHOT_RECORDS);
    }

    public long logSegmentBytes() {
        return settings.get(ServerSettings.METADATA_LOG_SEGMENT_BYTES);
    }

    public static Builder builder(int nodeId, String clusterId, QuorumVoters voters, Path metadataDir) {
        return new Builder(nodeId, clusterId, voters, metadataDir);
    }

    public Builder toBuilder() {
        return new Builder(nodeId, clusterId, voters, metadataDir).settings(settings);
    }

    /**
     * Builds a config from the node's settings, or (in tests) from the defaults with some settings changed;
     * every value is parsed and checked by {@link ServerConfig}. Not thread-safe.
     */
    public static final class Builder {
        private final int nodeId;
        private final String clusterId;
        private final QuorumVoters voters;
        private Path metadataDir;
        private ServerConfig settings = ServerConfig.DEFAULTS;
        private final Map<String, Object> changes = new LinkedHashMap<>();

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

        /** The node's settings; later {@link #set} calls change them. */
        public Builder settings(ServerConfig base) {
            this.settings = Objects.requireNonNull(base, "settings");
            return this;
        }

        public Builder set(Setting<?> setting, Object value) {
            changes.put(setting.key(), value);
            return this;
        }

        public Builder electionTimeoutMs(long ms) {
            return set(ServerSettings.CONTROLLER_QUORUM_ELECTION_TIMEOUT_MS, ms);
        }

        public Builder requestTimeoutMs(long ms) {
            return set(ServerSettings.REQUEST_TIMEOUT_MS, ms);
        }

        public Builder brokerSessionTimeoutMs(long ms) {
            return set(ServerSettings.BROKER_SESSION_TIMEOUT_MS, ms);
        }

        public Builder snapshotRecords(long records) {
            return set(ServerSettings.METADATA_SNAPSHOT_RECORDS, records);
        }

        public Builder logSegmentBytes(long bytes) {
            return set(ServerSettings.METADATA_LOG_SEGMENT_BYTES, bytes);
        }

        public ControllerConfig build() {
            Map<String, Object> props = new LinkedHashMap<>(settings.originals());
            props.putAll(changes);
            return new ControllerConfig(nodeId, clusterId, voters, metadataDir, ServerConfig.parse(props));
        }
    }
}
