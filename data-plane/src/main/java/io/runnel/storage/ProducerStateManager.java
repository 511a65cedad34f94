package io.runnel.storage;

import io.runnel.common.TopicPartition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idempotent-producer state of one partition replica: for each producer id, a
 * {@link ProducerStateEntry} (epoch, last five batches), as of the log up to {@link #mapEndOffset()}; and
 * the producer-state snapshots of the partition directory ({@link ProducerSnapshotFile}).
 *
 * <p><b>Lifecycle</b> (driven by {@link PartitionLog}):
 * <ul>
 *   <li>open: snapshots above the log end offset are deleted (the log was cut below them), so are stray
 *       ones (not at a segment's base offset, except the newest); the newest readable snapshot is loaded
 *       (a corrupt one is deleted and the next older tried), producers expired by then are left out, and
 *       the batches from the snapshot's offset (else the log start offset) to the log end are replayed;</li>
 *   <li>append: a leader's batches are checked ({@link ProducerAppendCheck}) before they are written and
 *       recorded after; a follower's are recorded as they are;</li>
 *   <li>roll: a snapshot at the new segment's base offset; clean close: one at the log end (fsynced);</li>
 *   <li>truncation: snapshots above the new end are deleted and the state reloaded from the newest one
 *       left plus the log; a full truncation forgets everything;</li>
 *   <li>retention: the snapshot of each deleted segment is deleted (the state itself stays until the
 *       producer expires, as in Kafka);</li>
 *   <li>expiry: producers with no batch for {@code producer.id.expiration.ms} (judged by their last
 *       batch's max timestamp) are forgotten.</li>
 * </ul>
 * Snapshots are written to a temporary file and renamed, without fsync except on close: one lost or torn
 * in a crash fails its CRC and recovery uses an older one and replays more of the log. There is at most one
 * snapshot per segment plus one at the log end.
 *
 * <p>Not thread-safe: the owning log calls it under its lock only.
 */
final class ProducerStateManager {

    private static final Logger LOG = LoggerFactory.getLogger(ProducerStateManager.class);

    /** Reads the batch headers of the log in [from, to) in order and hands each to the consumer. */
    @FunctionalInterface
    interface BatchSource {
        void forEachBatch(long fromOffset, long toOffset, Consumer<ProducerBatchInfo> consumer);
    }

    private final TopicPartition topicPartition;
    private final Path dir;
    private final ProducerStateConfig config;
    private final Map<Long, ProducerStateEntry> producers = new HashMap<>();
    /** Offsets of the snapshot files on disk. */
    private final NavigableMap<Long, Path> snapshots = new TreeMap<>();
    private long mapEndOffset;
    private long lastSnapshotOffset = -1;

    ProducerStateManager(TopicPartition topicPartition, Path dir, ProducerStateConfig config) {
        this.topicPartition = topicPartition;
        this.dir = dir;
        this.config = config;
        scanSnapshots();
    }

    private void scanSnapshots() {
        snapshots.clear();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(file -> LogFileNames.baseOffsetOf(file.getFileName().toString(), LogFileNames.SNAPSHOT_SUFFIX)
                    .ifPresent(offset -> snapshots.put(offset, file)));
        } catch (IOException e) {
            throw new StorageException("cannot list producer snapshots in " + dir, e);
        }
    }

    // ---- reading ------------------------------------------------------------------------------------

    /** The entry of {@code producerId}, or null when the partition has none. */
    ProducerStateEntry entry(long producerId) {
        return producers.get(producerId);
    }

    /** A copy of every producer's entry. */
    Map<Long, ProducerStateEntry> activeProducers() {
        return Map.copyOf(producers);
    }

    int producerIdCount() {
        return producers.size();
    }

    /** The log offset up to which (exclusive) the state reflects the log. */
    long mapEndOffset() {
        return mapEndOffset;
    }

    /** The offsets of the snapshot files on disk, oldest first. */
    List<Long> snapshotOffsets() {
        return List.copyOf(snapshots.keySet());
    }

    /** Each producer's last data offset (for the cleaner, which keeps those batches). */
    Map<Long, Long> lastDataOffsets() {
        Map<Long, Long> offsets = new HashMap<>();
        producers.forEach((id, entry) -> {
            if (entry.lastDataOffset() >= 0) {
                offsets.put(id, entry.lastDataOffset());
            }
        });
        return offsets;
    }

    // ---- appends ------------------------------------------------------------------------------------

    ProducerAppendCheck.Outcome checkLeaderAppend(List<ProducerBatchInfo> batches, AppendOrigin origin,
                                                  long producerIdsIssuedEnd) {
        return ProducerAppendCheck.checkLeaderAppend(topicPartition, batches, producers::get, origin, producerIdsIssuedEnd);
    }

    /** Records the entries a checked append produced; the state now reflects the log up to {@code newMapEndOffset}. */
    void apply(Map<Long, ProducerStateEntry> updates, long newMapEndOffset) {
        producers.putAll(updates);
        mapEndOffset = newMapEndOffset;
    }

    /** Records replicated (or recovered) batches as they are. */
    void replay(List<ProducerBatchInfo> batches, long newMapEndOffset) {
        apply(ProducerAppendCheck.replay(batches, producers::get), newMapEndOffset);
    }

    // ---- loading and truncation -------------------------------------------------------------------

    /**
     * Builds the state for a log whose segments start at {@code segmentBaseOffsets}, from the newest usable
     * snapshot and the batches after it (see the class comment).
     */
    void load(long logStartOffset, long logEndOffset, Collection<Long> segmentBaseOffsets, BatchSource log, long nowMs) {
        removeSnapshotsAbove(logEndOffset);
        removeStraySnapshots(segmentBaseOffsets);
        long replayedFrom = reload(logStartOffset, logEndOffset, log, nowMs);
        if (replayedFrom < logEndOffset) {
            // After a crash the replay may have read a whole segment: a snapshot at the end spares the next start that.
            takeSnapshot(false);
        }
    }

    /**
     * After the log was cut to end at {@code logEndOffset}: deletes the snapshots above it and, unless the
     * state already ends there, rebuilds it from the newest snapshot left and the log.
     */
    void truncateAndReload(long logStartOffset, long logEndOffset, BatchSource log, long nowMs) {
        removeSnapshotsAbove(logEndOffset);
        if (mapEndOffset != logEndOffset) {
            reload(logStartOffset, logEndOffset, log, nowMs);
        }
    }

    /** Forgets every producer and deletes every snapshot: the log restarts empty at {@code offset}. */
    void truncateFullyAndStartAt(long offset) {
        producers.clear();
        for (Long snapshot : List.copyOf(snapshots.keySet())) {
            deleteSnapshot(snapshot);
        }
        mapEndOffset = offset;
        lastSnapshotOffset = -1;
    }

    /** Rebuilds the state from the newest snapshot and the log; returns the offset the log was replayed from. */
    private long reload(long logStartOffset, long logEndOffset, BatchSource log, long nowMs) {
        producers.clear();
        long from = loadNewestSnapshot(logStartOffset, nowMs);
        Map<Long, ProducerStateEntry> updates = new HashMap<>();
        log.forEachBatch(from, logEndOffset, batch -> ProducerAppendCheck.replay(batch, updates, producers::get));
        producers.putAll(updates);
        mapEndOffset = logEndOffset;
        LOG.debug("{}: producer state of {} producer(s) loaded from offset {} and the log up to {}", topicPartition,
                producers.size(), from, logEndOffset);
        return from;
    }

    /** Loads the newest readable snapshot at or above the log start; returns the offset to replay the log from. */
    private long loadNewestSnapshot(long logStartOffset, long nowMs) {
        while (!snapshots.isEmpty()) {
            Map.Entry<Long, Path> newest = snapshots.lastEntry();
            if (newest.getKey() < logStartOffset) {
                break;
            }
            try {
                for (ProducerStateEntry entry : ProducerSnapshotFile.read(newest.getValue())) {
                    if (!isExpired(entry, nowMs)) {
                        producers.put(entry.producerId(), entry);
                    }
                }
                lastSnapshotOffset = newest.getKey();
                return newest.getKey();
            } catch (ProducerSnapshotFile.CorruptSnapshotException e) {
                LOG.warn("{}: {}; deleting it and using an older snapshot and the log", topicPartition, e.getMessage());
                producers.clear();
                deleteSnapshot(newest.getKey());
            }
        }
        lastSnapshotOffset = -1;
        return logStartOffset;
    }

    private void removeSnapshotsAbove(long offset) {
        for (Long snapshot : List.copyOf(snapshots.tailMap(offset, false).keySet())) {
            deleteSnapshot(snapshot);
        }
    }

    /**
     * Deletes the snapshots not at a segment's base offset, except the newest if it lies above every
     * segment's base (the one a clean shutdown wrote at the log end), as Kafka's loader does.
     */
    private void removeStraySnapshots(Collection<Long> segmentBaseOffsets) {
        Set<Long> bases = new HashSet<>(segmentBaseOffsets);
        long maxBase = segmentBaseOffsets.stream().mapToLong(Long::longValue).max().orElse(-1);
        Long newest = snapshots.isEmpty() ? null : snapshots.lastKey();
        for (Long snapshot : List.copyOf(snapshots.keySet())) {
            boolean keptStray = snapshot.equals(newest) && snapshot > maxBase;
            if (!bases.contains(snapshot) && !keptStray) {
                deleteSnapshot(snapshot);
            }
        }
    }

    // ---- snapshots ----------------------------------------------------------------------------------

    /**
     * Writes a snapshot at the map end offset unless one was already written there; fsynced when
     * {@code durable}. Returns the offset written, empty when nothing was.
     */
    OptionalLong takeSnapshot(boolean durable) {
        if (mapEndOffset == lastSnapshotOffset && snapshots.containsKey(mapEndOffset)) {
            return OptionalLong.empty();
        }
        Path file = LogFileNames.snapshotFile(dir, mapEndOffset);
        ProducerSnapshotFile.write(file, producers.values(), durable);
        snapshots.put(mapEndOffset, file);
        lastSnapshotOffset = mapEndOffset;
        return OptionalLong.of(mapEndOffset);
    }

    /** Deletes the snapshot taken at {@code offset}, if there is one. */
    void deleteSnapshot(long offset) {
        Path file = snapshots.remove(offset);
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StorageException("cannot delete producer snapshot " + file, e);
        }
        if (offset == lastSnapshotOffset) {
            lastSnapshotOffset = -1;
        }
    }

    // ---- expiry -------------------------------------------------------------------------------------

    /** Forgets producers idle for producer.id.expiration.ms; returns how many. */
    int removeExpiredProducers(long nowMs) {
        List<Long> expired = new ArrayList<>();
        producers.forEach((id, entry) -> {
            if (isExpired(entry, nowMs)) {
                expired.add(id);
            }
        });
        expired.forEach(producers::remove);
        return expired.size();
    }

    /**
     * Idle for producer.id.expiration.ms by its last batch's timestamp, with no open transaction. A batch
     * without a timestamp (-1) counts as long idle, as in Kafka: the map stays bounded by recent producers.
     */
    private boolean isExpired(ProducerStateEntry entry, long nowMs) {
        return entry.currentTxnFirstOffset() < 0 && nowMs - entry.lastTimestamp() >= config.producerIdExpirationMs();
    }
}
