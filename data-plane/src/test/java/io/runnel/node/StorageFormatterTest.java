package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.config.ConfigException;
import io.runnel.metadata.server.MetaProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StorageFormatterTest {

    @TempDir
    Path dir;

    private NodeConfig config(int nodeId) {
        return new NodeConfig(Map.of("node.id", String.valueOf(nodeId), "log.dirs", dir.resolve("a") + "," + dir.resolve("b"),
                "controller.quorum.voters", nodeId + "@localhost:9093"));
    }

    @Test
    void soleVoterAutoFormatsEveryDirectoryWithOneClusterId() {
        String clusterId = StorageFormatter.checkOrAutoFormat(config(1), true);
        assertThat(MetaProperties.read(dir.resolve("a"))).contains(new MetaProperties(clusterId, 1));
        assertThat(MetaProperties.read(dir.resolve("b"))).contains(new MetaProperties(clusterId, 1));
        assertThat(StorageFormatter.checkOrAutoFormat(config(1), true)).isEqualTo(clusterId);
    }

    @Test
    void unformattedMultiNodeDirectoryIsAnError() {
        assertThatThrownBy(() -> StorageFormatter.checkOrAutoFormat(config(1), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not formatted").hasMessageContaining("storage format");
    }

    @Test
    void directoryOfAnotherClusterIsRefused() throws Exception {
        new MetaProperties("clusterA", 1).write(dir.resolve("a"));
        new MetaProperties("clusterB", 1).write(dir.resolve("b"));
        assertThatThrownBy(() -> StorageFormatter.checkOrAutoFormat(config(1), true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("clusterA").hasMessageContaining("clusterB");
    }

    @Test
    void directoryOfAnotherNodeIsRefused() throws Exception {
        new MetaProperties("clusterA", 2).write(dir.resolve("a"));
        assertThatThrownBy(() -> StorageFormatter.checkOrAutoFormat(config(1), true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("node.id=2");
    }

    @Test
    void formatRefusesAFormattedDirectoryUnlessIgnoring() {
        StorageFormatter.format(config(1), "abc", false);
        assertThatThrownBy(() -> StorageFormatter.format(config(1), "abc", false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("already formatted");
        StorageFormatter.format(config(1), "abc", true);
        assertThat(MetaProperties.read(dir.resolve("a"))).contains(new MetaProperties("abc", 1));
    }

    @Test
    void garbageMetaPropertiesNamesTheFile() throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.writeString(dir.resolve("a").resolve("meta.properties"), "version=7\n");
        assertThatThrownBy(() -> MetaProperties.read(dir.resolve("a")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("meta.properties").hasMessageContaining("7");
        assertThatThrownBy(() -> new MetaProperties("bad id!", 1)).isInstanceOf(ConfigException.class).hasMessageContaining("bad id!");
    }

    @Test
    void randomClusterIdsAreKafkaShaped() {
        String id = MetaProperties.randomClusterId();
        assertThat(id).hasSize(22).matches("[A-Za-z0-9_-]+");
        assertThat(MetaProperties.randomClusterId()).isNotEqualTo(id);
    }
}
