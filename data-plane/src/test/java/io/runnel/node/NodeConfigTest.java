package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ConfigException;
import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;
import io.runnel.common.config.Setting;
import io.runnel.storage.CleanerConfig;
import io.runnel.storage.LogManagerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {

    @Test
    void defaultsDescribeTheSingleNodeCluster() {
        NodeConfig config = new NodeConfig(Map.of());
        assertThat(config.isBroker()).isTrue();
        assertThat(config.isController()).isTrue();
        assertThat(config.nodeId()).isEqualTo(1);
        assertThat(config.quorumVoters()).isEqualTo("1@localhost:9093");
        assertThat(config.brokerListeners()).containsExactly(new Listener("PLAINTEXT", "localhost", 9092));
        assertThat(config.listener("CONTROLLER")).contains(new Listener("CONTROLLER", "localhost", 9093));
        assertThat(config.logDirs()).containsExactly(Path.of("./data"));
        assertThat(config.metadataDir()).isEqualTo(Path.of("./data/__metadata"));
        assertThat(config.brokerHeartbeatIntervalMs()).isEqualTo(2_000);
        assertThat(config.brokerSessionTimeoutMs()).isEqualTo(9_000);
    }

    @Test
    void unknownKeyIsRejectedByName() {
        assertThatThrownBy(() -> new NodeConfig(Map.of("log.retention.hourz", "5")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("log.retention.hourz");
    }

    @Test
    void invalidValueNamesKeyAndValue() {
        assertThatThrownBy(() -> new NodeConfig(Map.of("node.id", "seven")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("node.id").hasMessageContaining("seven");
        assertThatThrownBy(() -> new NodeConfig(Map.of("process.roles", "broker,janitor")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("janitor");
    }

    @Test
    void topicDefaultsAreValidatedWithTheTopicKeysRules() {
        NodeConfig config = new NodeConfig(Map.of("log.retention.ms", "1000", "log.segment.bytes", "2097152"));
        assertThat(config.topicDefaults()).containsEntry("retention.ms", "1000").containsEntry("segment.bytes", "2097152");
        assertThatThrownBy(() -> new NodeConfig(Map.of("log.segment.bytes", "-5")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("segment.bytes");
    }

    @Test
    void logCleanerSettingsReachTheLogManagerAndBadOnesNameTheirKey() {
        NodeConfig config = new NodeConfig(Map.of("log.cleaner.threads", "2", "log.cleaner.dedupe.buffer.size", "8388608",
                "log.cleaner.io.max.bytes.per.second", "1048576", "log.cleaner.enable", "false"));
        CleanerConfig cleaner = config.logManagerConfig().cleaner();
        assertThat(cleaner.threads()).isEqualTo(2);
        assertThat(cleaner.dedupeBufferBytes()).isEqualTo(8_388_608L);
        assertThat(cleaner.ioMaxBytesPerSecond()).isEqualTo(1_048_576.0);
        assertThat(cleaner.enable()).isFalse();
        assertThat(new NodeConfig(Map.of()).logManagerConfig().cleaner()).isEqualTo(CleanerConfig.defaults());
        assertThatThrownBy(() -> new NodeConfig(Map.of("log.cleaner.threads", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("log.cleaner.threads");
        // The memory split over the threads is checked when the configuration is built, not when the broker starts.
        assertThatThrownBy(() -> new NodeConfig(Map.of("log.cleaner.threads", "16", "log.cleaner.dedupe.buffer.size", "1048576")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("log.cleaner.dedupe.buffer.size")
                .hasMessageContaining("log.cleaner.threads");
    }

    @Test
    void theStorageEngineGetsTheNodesDirectoriesAndDefaults() {
        LogManagerConfig storage = new NodeConfig(Map.of("log.dirs", "/a, /b", "num.recovery.threads.per.data.dir", "4"))
                .logManagerConfig();
        assertThat(storage.logDirs()).containsExactly(Path.of("/a"), Path.of("/b"));
        assertThat(storage.recoveryThreadsPerDataDir()).isEqualTo(4);
        assertThat(storage.foreignDirs()).containsExactly(Path.of("/a/__metadata").toAbsolutePath());
        // One default for log.dir, wherever it is read.
        assertThat(new NodeConfig(Map.of()).logManagerConfig().logDirs()).containsExactly(Path.of("./data"));
        assertThat(new NodeConfig(Map.of("log.dir", "/c")).logManagerConfig().logDirs()).containsExactly(Path.of("/c"));
        assertThatThrownBy(() -> new NodeConfig(Map.of("num.recovery.threads.per.data.dir", "65")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("num.recovery.threads.per.data.dir");
    }

    @Test
    void relationsBetweenSettingsAreCheckedAtStartUpNamingTheKeys() {
        assertThatThrownBy(() -> new NodeConfig(Map.of("broker.heartbeat.interval.ms", "9000")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("broker.heartbeat.interval.ms=9000").hasMessageContaining("broker.session.timeout.ms=9000");
        // The controller's rule, now on keys a user can set: the session outlasts a deposed controller's step-down.
        assertThatThrownBy(() -> new NodeConfig(Map.of("broker.session.timeout.ms", "2000", "broker.heartbeat.interval.ms", "500")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("broker.session.timeout.ms=2000").hasMessageContaining("controller.quorum.election.timeout.ms=1000");
        assertThat(new NodeConfig(Map.of("broker.session.timeout.ms", "2000", "broker.heartbeat.interval.ms", "500",
                "controller.quorum.election.timeout.ms", "500")).brokerSessionTimeoutMs()).isEqualTo(2000);
        assertThatThrownBy(() -> new NodeConfig(Map.of("socket.request.max.bytes", "1048576")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("socket.request.max.bytes=1048576").hasMessageContaining("message.max.bytes=1048588");
        assertThatThrownBy(() -> new NodeConfig(Map.of("node.id", "2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("node.id").hasMessageContaining("controller.quorum.voters");
    }

    @Test
    void everySettingTheNodeAcceptsIsDeclaredOnceWithADefaultThatPassesItsBounds() {
        for (Setting<?> setting : ServerSettings.all()) {
            assertThat(ServerSettings.setting(setting.key())).as(setting.key()).containsSame(setting);
            assertThat(setting.parse(setting.defaultText().isEmpty() && setting.type() != ConfigDef.Type.STRING
                    ? setting.defaultValue() : setting.defaultText())).as(setting.key()).isEqualTo(setting.defaultValue());
            assertThat(setting.documentation()).as(setting.key()).isNotBlank();
        }
        // A node accepts exactly the declared keys: each one, set to its default, is understood.
        Map<String, String> everyKey = new java.util.LinkedHashMap<>();
        ServerSettings.all().forEach(setting -> everyKey.put(setting.key(), setting.defaultText()));
        assertThat(new NodeConfig(everyKey).originals().keySet()).containsExactlyElementsOf(everyKey.keySet());
    }

    @Test
    void malformedListenersAreRejectedWithTheEntry() {
        assertThatThrownBy(() -> new NodeConfig(Map.of("listeners", "PLAINTEXT//localhost:9092,CONTROLLER://localhost:9093")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("PLAINTEXT//localhost:9092");
        assertThatThrownBy(() -> new NodeConfig(Map.of("listeners", "PLAINTEXT://localhost:99999,CONTROLLER://localhost:9093")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("99999");
        assertThatThrownBy(() -> new NodeConfig(Map.of("listeners", "PLAINTEXT://localhost:9092")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("CONTROLLER");
    }

    @Test
    void brokerOnlyNodeNeedsNoControllerListener() {
        NodeConfig config = new NodeConfig(Map.of("process.roles", "broker", "node.id", "4",
                "listeners", "PLAINTEXT://127.0.0.1:0", "controller.quorum.voters", "1@127.0.0.1:9093"));
        assertThat(config.isController()).isFalse();
        assertThat(config.allDirs()).containsExactly(Path.of("./data"));
    }

    @Test
    void overridesWinOverTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "node.id=3\nprocess.roles=broker\nnum.partitions=6\n");
        NodeConfig config = NodeConfig.load(Optional.of(file), Map.of("num.partitions", "8"));
        assertThat(config.nodeId()).isEqualTo(3);
        assertThat(config.settings().get(ServerSettings.NUM_PARTITIONS)).isEqualTo(8);
        assertThatThrownBy(() -> NodeConfig.load(Optional.of(dir.resolve("missing.properties")), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing.properties");
    }

    @Test
    void theControllerReadsTheSameTypedSettings() {
        NodeConfig config = new NodeConfig(Map.of("log.retention.ms", "1000", "unclean.leader.election.enable", "true",
                "num.partitions", "3", "auto.leader.rebalance.enable", "false", "leader.imbalance.per.broker.percentage", "25"));
        ServerConfig settings = config.settings();
        assertThat(settings.get(ServerSettings.NUM_PARTITIONS)).isEqualTo(3);
        assertThat(settings.get(ServerSettings.DEFAULT_REPLICATION_FACTOR)).isEqualTo(1);
        assertThat(settings.get(ServerSettings.AUTO_LEADER_REBALANCE_ENABLE)).isFalse();
        assertThat(settings.get(ServerSettings.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS)).isEqualTo(300L);
        assertThat(settings.get(ServerSettings.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE)).isEqualTo(25);
        assertThat(settings.topicDefault("retention.ms")).contains("1000");
        assertThat(settings.topicDefault("unclean.leader.election.enable")).contains("true");
        assertThat(settings.topicDefault("segment.ms")).isEmpty();
        assertThatThrownBy(() -> new NodeConfig(Map.of("leader.imbalance.per.broker.percentage", "101")))
                .hasMessageContaining("leader.imbalance.per.broker.percentage").hasMessageContaining("at most 100");
        assertThatThrownBy(() -> new NodeConfig(Map.of("leader.imbalance.check.interval.seconds", "0")))
                .hasMessageContaining("leader.imbalance.check.interval.seconds");
    }
}
