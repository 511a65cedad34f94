package io.runnel.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;

/**
 * The leader epochs a partition's log has seen, each with the first offset appended in it, persisted in
 * {@code leader-epoch-checkpoint} in Kafka's format (version 0, entries {@code <epoch> <startOffset>}).
 * Followers use it to find where their log diverges from the leader's ({@link #endOffsetFor}).
 *
 * <p>Invariants: epochs and start offsets both strictly increase from entry to entry. Every change is
 * written to the checkpoint file (atomically, by rename) before the method returns, without fsync;
 * {@link #sync()} makes the last one durable.
 *
 * <p>Thread-safe: a read-write lock guards the entries.
 */
public final class LeaderEpochFileCache {

    public static final String FILE_NAME = "leader-epoch-checkpoint";
    public static final int UNDEFINED_EPOCH = -1;
    public static final long UNDEFINED_OFFSET = -1L;

    /** One entry: the epoch and the first offset written in it. */
    public record EpochEntry(int epoch, long startOffset) {
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TreeMap<Integer, EpochEntry> epochs = new TreeMap<>();
    private final CheckpointFile<EpochEntry> checkpoint;
    private final LongSupplier logEndOffset;
    /** True when the checkpoint file was written since it was last fsynced ({@link #sync}). */
    private volatile boolean dirty;

    /** Loads the checkpoint in {@code partitionDir} (none: empty cache). */
    public LeaderEpochFileCache(Path partitionDir, LongSupplier logEndOffset) {
        this.logEndOffset = logEndOffset;
        this.checkpoint = new CheckpointFile<>(partitionDir.resolve(FILE_NAME), 0, new CheckpointFile.EntryFormat<>() {
            @Override
            public String format(EpochEntry entry) {
                return entry.epoch() + " " + entry.startOffset();
            }

            @Override
            public EpochEntry parse(String line) {
                String[] fields = line.split(" ");
                return fields.length != 2 ? null : new EpochEntry(Integer.parseInt(fields[0]), Long.parseLong(fields[1]));
            }
        });
        for (EpochEntry entry : checkpoint.read()) {
            epochs.put(entry.epoch(), entry);
        }
    }

    /**
     * Records that {@code epoch} starts at {@code startOffset}. Ignored when it changes nothing; otherwise
     * entries with an epoch at or above it, or a start offset at or above it, are replaced.
     */
    public void assign(int epoch, long startOffset) {
        if (epoch < 0 || startOffset < 0) {
            throw new IllegalArgumentException("epoch " + epoch + " and start offset " + startOffset + " must not be negative");
        }
        lock.writeLock().lock();
        try {
            if (!epochs.isEmpty()) {
                EpochEntry latest = epochs.lastEntry().getValue();
                if (latest.epoch() == epoch && latest.startOffset() <= startOffset) {
                    return;
                }
            }
            // Kafka's rule: entries that would break monotonicity (an epoch at or above this one, or a start
            // offset at or above this one) are history that did not survive; drop them.
            epochs.values().removeIf(e -> e.epoch() >= epoch || e.startOffset() >= startOffset);
            epochs.put(epoch, new EpochEntry(epoch, startOffset));
            flush();
        } finally {
            lock.writeLock().unlock();
        }
    }

    public Optional<Integer> latestEpoch() {
        lock.readLock().lock();
        try {
            return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.lastKey());
        } finally {
            lock.readLock().unlock();
        }
    }

    public Optional<EpochEntry> latestEntry() {
        lock.readLock().lock();
        try {
            return epochs.isEmpty() ? Optional.empty() : Optional.of(epochs.lastEntry().getValue());
        } finally {
            lock.readLock().unlock();
        }
    }

    public List<EpochEntry> entries() {
        lock.readLock().lock();
        try {
            return List.copyOf(epochs.values());
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The epoch of the entry covering {@code offset}, if any. */
    public Optional<Integer> epochForOffset(long offset) {
        lock.readLock().lock();
        try {
            Integer found = null;
            for (EpochEntry entry : epochs.values()) {
                if (entry.startOffset() <= offset) {
                    found = entry.epoch();
                }
            }
            return Optional.ofNullable(found);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** {@link #endOffsetFor(int, long)} with the log's current end offset. */
    public OffsetAndEpoch endOffsetFor(int requestedEpoch) {
        return endOffsetFor(requestedEpoch, logEndOffset.getAsLong());
    }

    /**
     * Kafka's OffsetsForLeaderEpoch answer: for the latest epoch, (log end offset, epoch); for an older
     * one, (start offset of the next higher epoch, the largest known epoch at or below the request); for an
     * unknown newer epoch or {@link #UNDEFINED_EPOCH}, (UNDEFINED_OFFSET, UNDEFINED_EPOCH). When the
     * request is below every known epoch, the requested epoch with the first entry's start offset.
     */
    public OffsetAndEpoch endOffsetFor(int requestedEpoch, long logEndOffsetNow) {
        lock.readLock().lock();
        try {
            if (requestedEpoch == UNDEFINED_EPOCH || epochs.isEmpty()) {
                return new OffsetAndEpoch(UNDEFINED_OFFSET, UNDEFINED_EPOCH);
            }
            if (requestedEpoch == epochs.lastKey()) {
                return new OffsetAndEpoch(logEndOffsetNow, requestedEpoch);
            }
            var higher = epochs.higherEntry(requestedEpoch);
            if (higher == null) {
                return new OffsetAndEpoch(UNDEFINED_OFFSET, UNDEFINED_EPOCH);
            }
            var floor = epochs.floorEntry(requestedEpoch);
            int epoch = floor == null ? requestedEpoch : floor.getKey();
            return new OffsetAndEpoch(higher.getValue().startOffset(), epoch);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Removes entries whose start offset is at or above {@code endOffset} (after log truncation). */
    public void truncateFromEnd(long endOffset) {
        lock.writeLock().lock();
        try {
            if (epochs.values().removeIf(e -> e.startOffset() >= endOffset)) {
                flush();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Drops entries wholly below {@code startOffset} (after the log start moved); the last entry starting
     * at or below it is kept, moved to start at {@code startOffset}.
     */
    public void truncateFromStart(long startOffset) {
        lock.writeLock().lock();
        try {
            EpochEntry lastBelow = null;
            List<Integer> remove = new ArrayList<>();
            for (EpochEntry entry : epochs.values()) {
                if (entry.startOffset() <= startOffset) {
                    lastBelow = entry;
                    remove.add(entry.epoch());
                }
            }
            if (lastBelow == null || lastBelow.startOffset() == startOffset && remove.size() == 1) {
                return;
            }
            remove.forEach(epochs::remove);
            epochs.put(lastBelow.epoch(), new EpochEntry(lastBelow.epoch(), startOffset));
            flush();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes every entry (after the log was emptied). */
    public void clearAndFlush() {
        lock.writeLock().lock();
        try {
            epochs.clear();
            flush();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Writes the checkpoint without fsync, like Kafka since 3.7: a new leader epoch must not wait for
     * the disk, and after a crash the loader rebuilds the cache from the batches' leader epochs.
     * {@link #sync()} makes it durable when the log is flushed or closed.
     */
    private void flush() {
        checkpoint.write(new ArrayList<>(epochs.values()), false);
        dirty = true;
    }

    /** Makes the last written checkpoint durable, if it is not yet. */
    public void sync() {
        lock.readLock().lock();
        try {
            if (dirty) {
                checkpoint.write(new ArrayList<>(epochs.values()), true);
                dirty = false;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    public Path file() {
        return checkpoint.file();
    }
}
