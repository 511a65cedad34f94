package io.runnel.metadata.server;

import io.runnel.common.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * The identity stamped into a controller's metadata directory: {@value #FILE_NAME} with
 * {@code cluster.id} and {@code node.id}, written on first start. A controller refuses to start on a
 * directory of another cluster or another node, which would otherwise silently start an empty
 * metadata log (the Ratis group is derived from the cluster id). Stateless; thread-safe.
 */
public final class MetadataDirectory {

    public static final String FILE_NAME = "meta.properties";

    private MetadataDirectory() {
    }

    /** Checks the stamp in {@code dir}, or writes one if the directory is new. */
    public static void checkOrStamp(Path dir, String clusterId, int nodeId) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            Properties stamp = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                stamp.load(reader);
            }
            String storedCluster = stamp.getProperty("cluster.id");
            String storedNode = stamp.getProperty("node.id");
            if (!clusterId.equals(storedCluster)) {
                throw new ConfigException("cluster.id", clusterId, "the metadata directory " + dir
                        + " belongs to cluster '" + storedCluster + "'");
            }
            if (!String.valueOf(nodeId).equals(storedNode)) {
                throw new ConfigException("node.id", nodeId, "the metadata directory " + dir
                        + " belongs to node " + storedNode);
            }
            return;
        }
        Properties stamp = new Properties();
        stamp.setProperty("cluster.id", clusterId);
        stamp.setProperty("node.id", String.valueOf(nodeId));
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        try (Writer writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            stamp.store(writer, "Runnel controller metadata directory");
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
}
