package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.config.ConfigException;
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
        io.runnel.storage.CleanerConfig cleaner = io.runnel.storage.LogManagerConfig.fromProperties(config.logManagerProperties()).cleaner();
        assertThat(cleaner.threads()).isEqualTo(2);
        assertThat(cleaner.dedupeBufferBytes()).isEqualTo(8_388_608L);
        assertThat(cleaner.ioMaxBytesPerSecond()).isEqualTo(1_048_576.0);
        assertThat(cleaner.enable()).isFalse();
        assertThat(io.runnel.storage.LogManagerConfig.fromProperties(new NodeConfig(Map.of()).logManagerProperties()).cleaner())
                .isEqualTo(io.runnel.storage.CleanerConfig.defaults());
        assertThatThrownBy(() -> new NodeConfig(Map.of("log.cleaner.threads", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("log.cleaner.threads");
        assertThatThrownBy(() -> io.runnel.storage.LogManagerConfig.fromProperties(new NodeConfig(Map.of(
                "log.cleaner.threads", "16", "log.cleaner.dedupe.buffer.size", "1048576")).logManagerProperties()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("log.cleaner.dedupe.buffer.size");
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
        Files.writeString(file, "node.id=3\nnum.partitions=6\n");
        NodeConfig config = NodeConfig.load(Optional.of(file), Map.of("num.partitions", "8"));
        assertThat(config.nodeId()).isEqualTo(3);
        assertThat(config.numPartitions()).isEqualTo(8);
        assertThatThrownBy(() -> NodeConfig.load(Optional.of(dir.resolve("missing.properties")), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("missing.properties");
    }

    @Test
    void controllerGetsClusterDefaultsUnderServerKeys() {
        NodeConfig config = new NodeConfig(Map.of("log.retention.ms", "1000", "unclean.leader.election.enable", "true",
                "num.partitions", "3", "auto.leader.rebalance.enable", "false"));
        assertThat(RunnelNode.clusterDefaults(config))
                .containsEntry("log.retention.ms", "1000")
                .containsEntry("unclean.leader.election.enable", "true")
                .containsEntry("num.partitions", "3")
                .containsEntry("default.replication.factor", "1")
                .containsEntry("auto.leader.rebalance.enable", "false")
                .containsEntry("leader.imbalance.check.interval.seconds", "300")
                .containsEntry("leader.imbalance.per.broker.percentage", "10")
                .doesNotContainKey("retention.ms");
        assertThat(RunnelNode.clusterDefaults(new NodeConfig(Map.of("leader.imbalance.per.broker.percentage", "25"))))
                .containsEntry("leader.imbalance.per.broker.percentage", "25");
        assertThatThrownBy(() -> new NodeConfig(Map.of("leader.imbalance.per.broker.percentage", "101")))
                .hasMessageContaining("leader.imbalance.per.broker.percentage").hasMessageContaining("at most 100");
    }
}
