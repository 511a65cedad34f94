package io.runnel.node;

import io.runnel.common.config.ConfigException;
import io.runnel.metadata.server.MetaProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Stamps a node's data directories with {@link MetaProperties} ({@code runnel storage format}) and
 * checks them at start-up: every directory must carry the same cluster id and this node's id.
 */
public final class StorageFormatter {

    private StorageFormatter() {
    }

    /**
     * Formats every directory of the node. A directory already stamped with the same cluster and node
     * is left alone when {@code ignoreFormatted}; otherwise an already formatted directory is an error.
     */
    public static void format(NodeConfig config, String clusterId, boolean ignoreFormatted) {
        MetaProperties stamp = new MetaProperties(clusterId, config.nodeId());
        for (Path dir : config.allDirs()) {
            Optional<MetaProperties> existing = MetaProperties.read(dir);
            if (existing.isPresent()) {
                if (ignoreFormatted && existing.get().equals(stamp)) {
                    continue;
                }
                throw new ConfigException("data directory " + dir + " is already formatted (cluster.id="
                        + existing.get().clusterId() + ", node.id=" + existing.get().nodeId() + ")");
            }
            try {
                stamp.write(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot format " + dir + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Checks the node's directories and returns their cluster id. When none is formatted and the node
     * is the only voter of its quorum (the single-node development default), formats them with a new
     * cluster id, as {@code runnel server} promises a new user; a multi-node cluster must be formatted
     * explicitly so that its nodes share one id.
     */
    public static String checkOrAutoFormat(NodeConfig config, boolean soleVoter) {
        List<Path> dirs = config.allDirs();
        String clusterId = null;
        boolean anyMissing = false;
        for (Path dir : dirs) {
            Optional<MetaProperties> stamp = MetaProperties.read(dir);
            if (stamp.isEmpty()) {
                anyMissing = true;
                continue;
            }
            if (stamp.get().nodeId() != config.nodeId()) {
                throw new ConfigException("data directory " + dir + " belongs to node.id=" + stamp.get().nodeId()
                        + ", but this node has node.id=" + config.nodeId());
            }
            if (clusterId != null && !clusterId.equals(stamp.get().clusterId())) {
                throw new ConfigException("data directory " + dir + " belongs to cluster " + stamp.get().clusterId()
                        + ", but another directory of this node belongs to cluster " + clusterId);
            }
            clusterId = stamp.get().clusterId();
        }
        if (clusterId == null) {
            if (!soleVoter) {
                throw new ConfigException("data directory " + dirs.get(0) + " is not formatted; run "
                        + "'runnel storage format --cluster-id ID --config FILE' on every node with the same id");
            }
            clusterId = MetaProperties.randomClusterId();
            format(config, clusterId, false);
        } else if (anyMissing) {
            format(config, clusterId, true);
        }
        return clusterId;
    }
}
