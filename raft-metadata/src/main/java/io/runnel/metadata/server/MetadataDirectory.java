package io.runnel.metadata.server;

import io.runnel.common.config.ConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The identity stamped into a controller's metadata directory: the same {@link MetaProperties} file
 * ({@value #FILE_NAME}) that stamps every data directory, written on first start. A controller refuses to start on a
 * directory of another cluster or another node, which would otherwise silently start an empty
 * metadata log (the Ratis group is derived from the cluster id). Stateless; thread-safe.
 */
public final class MetadataDirectory {

    public static final String FILE_NAME = MetaProperties.FILE_NAME;

    private MetadataDirectory() {
    }

    /** Checks the stamp in {@code dir}, or writes one if the directory is new. */
    public static void checkOrStamp(Path dir, String clusterId, int nodeId) throws IOException {
        Optional<MetaProperties> stamp = MetaProperties.read(dir);
        if (stamp.isEmpty()) {
            new MetaProperties(clusterId, nodeId).write(dir);
            return;
        }
        if (!clusterId.equals(stamp.get().clusterId())) {
            throw new ConfigException("cluster.id", clusterId, "the metadata directory " + dir
                    + " belongs to cluster '" + stamp.get().clusterId() + "'");
        }
        if (nodeId != stamp.get().nodeId()) {
            throw new ConfigException(io.runnel.common.config.ServerSettings.NODE_ID.key(), nodeId, "the metadata directory " + dir
                    + " belongs to node " + stamp.get().nodeId());
        }
    }
}
