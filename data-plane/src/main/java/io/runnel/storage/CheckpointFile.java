package io.runnel.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A small text file of entries in Kafka's checkpoint format, replaced atomically:
 *
 * <pre>
 * &lt;version&gt;\n
 * &lt;entry count&gt;\n
 * &lt;entry&gt;\n   (count times; fields separated by one space)
 * </pre>
 *
 * <p>{@link #write} writes {@code <name>.tmp}, fsyncs it, renames it over the file and fsyncs the
 * directory, so after a crash the file holds either the old or the new entries, never a mix. A missing
 * file reads as no entries; a file that does not parse is an error naming the file and the line
 * (a checkpoint is never silently ignored). At most {@link #ENTRIES_MAX} entries are read.
 *
 * <p>Thread safety: {@link #write} and {@link #read} are synchronized on this object; one instance per file.
 */
final class CheckpointFile<T> {

    static final int ENTRIES_MAX = 10_000_000;

    /** How one entry is written on its line and parsed back. */
    interface EntryFormat<T> {
        String format(T entry);

        /** Parses one line; returns null when it does not hold an entry. */
        T parse(String line);
    }

    private final Path file;
    private final int version;
    private final EntryFormat<T> format;

    CheckpointFile(Path file, int version, EntryFormat<T> format) {
        this.file = file;
        this.version = version;
        this.format = format;
    }

    Path file() {
        return file;
    }

    synchronized void write(Collection<T> entries) {
        write(entries, true);
    }

    /** Writes the entries; fsynced only when {@code durable} (see {@link #writeAtomically(Path, byte[], boolean)}). */
    synchronized void write(Collection<T> entries, boolean durable) {
        StringBuilder text = new StringBuilder();
        text.append(version).append('\n').append(entries.size()).append('\n');
        for (T entry : entries) {
            text.append(format.format(entry)).append('\n');
        }
        writeAtomically(file, text.toString().getBytes(StandardCharsets.UTF_8), durable);
    }

    synchronized List<T> read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new StorageException("cannot read checkpoint " + file, e);
        }
        if (lines.size() < 2) {
            throw corrupt("has " + lines.size() + " lines, expected version and entry count");
        }
        int fileVersion = parseInt(lines.get(0), "version");
        if (fileVersion != version) {
            throw corrupt("has version " + lines.get(0).trim() + ", expected " + version);
        }
        int count = parseInt(lines.get(1), "entry count");
        if (count < 0 || count > ENTRIES_MAX || lines.size() - 2 != count) {
            throw corrupt("declares " + lines.get(1).trim() + " entries but holds " + (lines.size() - 2));
        }
        List<T> entries = new ArrayList<>(count);
        for (int i = 2; i < lines.size(); i++) {
            T entry;
            try {
                entry = format.parse(lines.get(i));
            } catch (RuntimeException e) {
                entry = null;
            }
            if (entry == null) {
                throw corrupt("line " + (i + 1) + " '" + lines.get(i) + "' is not a valid entry");
            }
            entries.add(entry);
        }
        return entries;
    }

    private int parseInt(String text, String what) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw corrupt(what + " '" + text + "' is not a number");
        }
    }

    private StorageException corrupt(String problem) {
        return new StorageException("malformed checkpoint file " + file + ": " + problem);
    }

    /** Writes {@code bytes} to {@code target} through a fsynced temp file, an atomic rename and a directory fsync. */
    static void writeAtomically(Path target, byte[] bytes) {
        writeAtomically(target, bytes, true);
    }

    /**
     * Writes through a temp file and an atomic rename; fsyncs the file and its directory only when
     * {@code durable}. A reader always sees the old or the new content; without {@code durable} a crash
     * may keep the old one, so the caller must make it durable later (before relying on it).
     */
    static void writeAtomically(Path target, byte[] bytes, boolean durable) {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                if (durable) {
                    channel.force(true);
                }
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            if (durable) {
                fsyncDirectory(target.toAbsolutePath().getParent());
            }
        } catch (IOException e) {
            throw new StorageException("cannot write " + target, e);
        }
    }

    /** Makes a directory's entries (created, renamed, deleted files) durable. */
    static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new StorageException("cannot fsync directory " + dir, e);
        }
    }
}
