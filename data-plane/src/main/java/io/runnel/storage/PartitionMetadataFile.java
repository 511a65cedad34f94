package io.runnel.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code partition.metadata} file of a partition directory, binding the directory to its topic id
 * so a re-created topic of the same name is never mixed with old data. Kafka's layout:
 *
 * <pre>
 * version: 0
 * topic_id: 3f2c8a4e-5c1d-4e5f-9a0b-1c2d3e4f5a6b
 * </pre>
 * Kafka writes the id in its URL-safe base64 form; Runnel writes the standard UUID text (Runnel's ids are
 * java.util.UUIDs everywhere) and reads both. Written atomically. Stateless apart from the path; thread-safe.
 */
public final class PartitionMetadataFile {

    public static final String FILE_NAME = "partition.metadata";
    private static final String VERSION_LINE = "version: 0";
    private static final String TOPIC_ID_PREFIX = "topic_id: ";

    private final Path file;

    public PartitionMetadataFile(Path partitionDir) {
        this.file = partitionDir.resolve(FILE_NAME);
    }

    public Path path() {
        return file;
    }

    public void write(UUID topicId) {
        write(topicId, true);
    }

    /** Writes the id; fsynced only when {@code durable} (the log makes it durable at its next flush). */
    public void write(UUID topicId, boolean durable) {
        String text = VERSION_LINE + "\n" + TOPIC_ID_PREFIX + topicId + "\n";
        CheckpointFile.writeAtomically(file, text.getBytes(StandardCharsets.UTF_8), durable);
    }

    /** The stored topic id; empty when the file does not exist; StorageException when it is malformed. */
    public Optional<UUID> read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StorageException("cannot read " + file, e);
        }
        if (lines.isEmpty()) {
            // Written without fsync and cut by a crash: the controller's metadata assigns the id again.
            return Optional.empty();
        }
        if (lines.size() < 2 || !lines.get(0).trim().equals(VERSION_LINE) || !lines.get(1).startsWith(TOPIC_ID_PREFIX)) {
            throw new StorageException("malformed " + file + ": expected '" + VERSION_LINE + "' and '" + TOPIC_ID_PREFIX
                    + "<id>', found " + lines);
        }
        String id = lines.get(1).substring(TOPIC_ID_PREFIX.length()).trim();
        try {
            return Optional.of(parse(id));
        } catch (IllegalArgumentException e) {
            throw new StorageException("malformed " + file + ": topic id '" + id + "' is neither a UUID nor Kafka's base64 form");
        }
    }

    /** Parses UUID text or Kafka's 22-character URL-safe base64 form. */
    static UUID parse(String id) {
        if (id.length() == 22) {
            byte[] bytes = java.util.Base64.getUrlDecoder().decode(id);
            if (bytes.length != 16) {
                throw new IllegalArgumentException("base64 id of " + bytes.length + " bytes");
            }
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
            return new UUID(buffer.getLong(), buffer.getLong());
        }
        return UUID.fromString(id);
    }
}
