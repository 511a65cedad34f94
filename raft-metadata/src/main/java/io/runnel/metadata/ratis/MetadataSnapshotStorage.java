package io.runnel.metadata.ratis;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * Ratis snapshots of the metadata: each is a directory {@code snapshot.<term>_<index>} under
 * {@code <ratis storage>/sm/snapshots/} holding a RocksDB checkpoint of the {@link MetadataStore} taken
 * when the last applied log entry was (term, index). A snapshot directory appears by an atomic rename
 * of a finished temporary directory, so a directory with that name is always complete.
 *
 * <p>Ratis sends the files of the latest snapshot to a follower that is behind the leader's purged
 * log; the follower receives them into a temporary directory that then replaces its whole
 * {@link #getSnapshotDir()}, which is why the live RocksDB is kept outside the Ratis storage.
 * {@code *.md5} files written by the receiving side are not part of the checkpoint.
 *
 * <p>Thread-safety: {@link #latest} is volatile; the rest is called from the Ratis apply thread.
 */
public final class MetadataSnapshotStorage implements StateMachineStorage {

    private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");

    /** Snapshots kept on disk: the newest and one before it, in case the newest cannot be read. */
    static final int SNAPSHOTS_KEPT = 2;

    private volatile Path snapshotsDir;
    private volatile Path tmpDir;
    private volatile SnapshotInfo latest;

    @Override
    public void init(RaftStorage raftStorage) throws IOException {
        Path smDir = raftStorage.getStorageDir().getStateMachineDir().toPath();
        this.snapshotsDir = smDir.resolve("snapshots");
        this.tmpDir = raftStorage.getStorageDir().getTmpDir().toPath();
        Files.createDirectories(snapshotsDir);
        Files.createDirectories(tmpDir);
        refresh();
    }

    /** Re-reads the snapshot directory (after start-up or after Ratis installed a snapshot from the leader). */
    public void refresh() throws IOException {
        this.latest = findLatest().map(this::toInfo).orElse(null);
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return latest;
    }

    /** The directory of the latest snapshot, if any. */
    public Optional<Path> latestDir() {
        SnapshotInfo info = latest;
        return info == null ? Optional.empty() : Optional.of(dirOf(info.getTermIndex()));
    }

    @Override
    public void format() {
        // Nothing to format: init creates the directories.
    }

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
        List<Path> all = listSnapshots();
        for (int i = SNAPSHOTS_KEPT; i < all.size(); i++) {
            deleteRecursively(all.get(i));
        }
    }

    @Override
    public File getSnapshotDir() {
        return snapshotsDir.toFile();
    }

    @Override
    public File getTmpDir() {
        return tmpDir.toFile();
    }

    /** Takes a snapshot at {@code termIndex} by checkpointing {@code store}; returns its directory. */
    public Path take(MetadataStore store, TermIndex termIndex) throws IOException {
        Path target = dirOf(termIndex);
        if (Files.exists(target)) {
            return target;
        }
        Path tmp = snapshotsDir.resolve("tmp." + termIndex.getTerm() + "_" + termIndex.getIndex());
        deleteRecursively(tmp);
        store.checkpoint(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        refresh();
        cleanupOldSnapshots(null);
        return target;
    }

    /** Replaces {@code liveDir} by a copy of the checkpoint in {@code snapshotDir} (without md5 files). */
    public static void restore(Path snapshotDir, Path liveDir) throws IOException {
        deleteRecursively(liveDir);
        Files.createDirectories(liveDir);
        try (Stream<Path> files = Files.list(snapshotDir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file) && !file.getFileName().toString().endsWith(".md5")) {
                    Files.copy(file, liveDir.resolve(file.getFileName()));
                }
            }
        }
    }

    public static TermIndex termIndexOf(Path snapshotDir) {
        Matcher m = NAME.matcher(snapshotDir.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a snapshot directory: " + snapshotDir);
        }
        return TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }

    private Path dirOf(TermIndex termIndex) {
        return snapshotsDir.resolve("snapshot." + termIndex.getTerm() + "_" + termIndex.getIndex());
    }

    private Optional<Path> findLatest() throws IOException {
        List<Path> all = listSnapshots();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** Complete snapshot directories, newest (highest index) first. */
    private List<Path> listSnapshots() throws IOException {
        List<Path> result = new ArrayList<>();
        if (!Files.isDirectory(snapshotsDir)) {
            return result;
        }
        try (Stream<Path> entries = Files.list(snapshotsDir)) {
            entries.filter(p -> Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches())
                    .forEach(result::add);
        }
        result.sort(Comparator.comparing((Path p) -> termIndexOf(p).getIndex()).reversed());
        return result;
    }

    private SnapshotInfo toInfo(Path dir) {
        List<FileInfo> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".md5"))
                    .sorted()
                    .forEach(p -> files.add(new FileInfo(p.toAbsolutePath(), null)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list snapshot " + dir, e);
        }
        return new FileListSnapshotInfo(files, termIndexOf(dir));
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
