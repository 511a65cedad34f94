package io.runnel.metadata.server;

import io.runnel.common.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Base64;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * The {@code meta.properties} file that stamps a data directory with its cluster and node, as Kafka
 * does: {@code version=1}, {@code cluster.id=<22-character base64 UUID>}, {@code node.id=<int>}.
 * A node refuses a directory stamped for another cluster or node. Immutable.
 */
public record MetaProperties(String clusterId, int nodeId) {

    public static final String FILE_NAME = "meta.properties";

    public MetaProperties {
        validateClusterId(clusterId);
    }

    /** A new random cluster id in Kafka's form: a UUID's 16 bytes, URL-safe base64 without padding. */
    public static String randomClusterId() {
        UUID uuid = UUID.randomUUID();
        ByteBuffer bytes = ByteBuffer.allocate(16);
        bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    public static void validateClusterId(String clusterId) {
        if (clusterId == null || !clusterId.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new ConfigException("cluster.id", clusterId,
                    "expected 1-64 characters of [A-Za-z0-9_-], e.g. one made by 'runnel storage random-uuid'");
        }
    }

    /** Reads the stamp of {@code dir}; empty when the directory has none. */
    public static Optional<MetaProperties> read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(reader);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
        String version = props.getProperty("version");
        if (!"1".equals(version)) {
            throw new ConfigException(file + ": unsupported version '" + version + "' (expected 1)");
        }
        String nodeId = props.getProperty("node.id");
        try {
            return Optional.of(new MetaProperties(props.getProperty("cluster.id"), Integer.parseInt(String.valueOf(nodeId).trim())));
        } catch (NumberFormatException e) {
            throw new ConfigException(file + ": node.id '" + nodeId + "' is not a number");
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    /** Writes the stamp atomically (temporary file, fsync, rename), creating the directory. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(FILE_NAME);
        Path temp = dir.resolve(FILE_NAME + ".tmp");
        try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            writer.write("#Written by Runnel (storage format, or a controller's first start); do not edit\n");
            writer.write("version=1\n");
            writer.write("cluster.id=" + clusterId + "\n");
            writer.write("node.id=" + nodeId + "\n");
        }
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
