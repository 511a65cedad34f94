package io.runnel.storage;

import io.runnel.common.TopicPartition;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A per-log-dir checkpoint of one offset per partition, in Kafka's format (version 0), used for
 * {@code recovery-point-offset-checkpoint}, {@code replication-offset-checkpoint} (high watermarks) and
 * {@code log-start-offset-checkpoint}:
 *
 * <pre>
 * 0
 * 2
 * orders 0 1234
 * orders 1 77
 * </pre>
 * Each entry is {@code <topic> <partition> <offset>}. Written atomically (see {@link CheckpointFile}).
 * Thread-safe.
 */
public final class OffsetCheckpointFile {

    public static final String RECOVERY_POINT = "recovery-point-offset-checkpoint";
    public static final String REPLICATION_OFFSET = "replication-offset-checkpoint";
    public static final String LOG_START_OFFSET = "log-start-offset-checkpoint";
    static final int VERSION = 0;

    private final CheckpointFile<Map.Entry<TopicPartition, Long>> file;

    public OffsetCheckpointFile(Path path) {
        this.file = new CheckpointFile<>(path, VERSION, new CheckpointFile.EntryFormat<>() {
            @Override
            public String format(Map.Entry<TopicPartition, Long> entry) {
                return entry.getKey().topic() + " " + entry.getKey().partition() + " " + entry.getValue();
            }

            @Override
            public Map.Entry<TopicPartition, Long> parse(String line) {
                String[] fields = line.split(" ");
                if (fields.length != 3) {
                    return null;
                }
                return Map.entry(new TopicPartition(fields[0], Integer.parseInt(fields[1])), Long.parseLong(fields[2]));
            }
        });
    }

    public Path path() {
        return file.file();
    }

    public void write(Map<TopicPartition, Long> offsets) {
        List<Map.Entry<TopicPartition, Long>> entries = new ArrayList<>(offsets.entrySet());
        entries.sort(Map.Entry.comparingByKey());
        file.write(entries);
    }

    /** The offsets; empty when the file does not exist; StorageException naming the file when it is malformed. */
    public Map<TopicPartition, Long> read() {
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Long> entry : file.read()) {
            offsets.put(entry.getKey(), entry.getValue());
        }
        return offsets;
    }
}
