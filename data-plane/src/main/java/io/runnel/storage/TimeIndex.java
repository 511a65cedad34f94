package io.runnel.storage;

import java.nio.file.Path;

/**
 * The sparse time index of one segment ({@code <baseOffset>.timeindex}): maps timestamps to offsets so a
 * ListOffsets-by-time lookup starts close to its answer.
 *
 * <pre>
 * entry (12 bytes, big-endian):  timestamp int64 | relativeOffset int32
 * </pre>
 * An entry (t, o) says: the largest timestamp among offsets up to and including o is t. Entries are added
 * with the offset-index entries when the segment's largest timestamp grew, so timestamps strictly
 * increase from entry to entry (Kafka's layout). The last entry holds the segment's largest timestamp
 * once the segment is rolled, which is how the largest timestamp survives a restart. One slot is always
 * kept free for that final entry, so {@link #isFull()} reports full one entry early.
 *
 * <p>Thread-safe (see {@link AbstractIndex}).
 */
public final class TimeIndex extends AbstractIndex<TimeIndex.TimestampOffset> {

    public static final int ENTRY_SIZE = 12;

    private static final IndexSearch.KeyReader TIMESTAMP = (buffer, slot) -> buffer.getLong(slot * ENTRY_SIZE);

    public TimeIndex(Path file, long baseOffset, int maxIndexSizeBytes) {
        super(file, baseOffset, maxIndexSizeBytes, ENTRY_SIZE);
        mmap.position(entries * ENTRY_SIZE);
    }

    /** A timestamp and an offset. */
    public record TimestampOffset(long timestamp, long offset) {
    }

    @Override
    public boolean isFull() {
        lock.lock();
        try {
            return entries >= maxEntries() - 1;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends (timestamp, offset) when the timestamp is above the last entry's. {@code final} entries (on
     * roll) may use the reserved last slot; others must find the index not full.
     */
    public void maybeAppend(long timestamp, long offset, boolean finalEntry) {
        lock.lock();
        try {
            if (entries > 0) {
                TimestampOffset last = entryLocked(entries - 1);
                if (offset < last.offset()) {
                    throw new IllegalStateException("offset " + offset + " is below the last time-indexed offset "
                            + last.offset() + " in " + file());
                }
                if (timestamp <= last.timestamp()) {
                    return;
                }
            }
            int limit = finalEntry ? maxEntries() : maxEntries() - 1;
            if (entries >= limit) {
                if (finalEntry) {
                    return;
                }
                throw new IllegalStateException("time index " + file() + " is full (" + entries + " entries)");
            }
            mmap.putLong(entries * ENTRY_SIZE, timestamp);
            mmap.putInt(entries * ENTRY_SIZE + 8, (int) (offset - baseOffset));
            entries++;
            mmap.position(entries * ENTRY_SIZE);
        } finally {
            lock.unlock();
        }
    }

    /** The last entry with timestamp {@code <= targetTimestamp}, or (-1, baseOffset) when there is none. */
    public TimestampOffset lookup(long targetTimestamp) {
        lock.lock();
        try {
            int slot = IndexSearch.largestLowerBound(mmap, entries, TIMESTAMP, targetTimestamp);
            return slot < 0 ? new TimestampOffset(-1L, baseOffset) : entryLocked(slot);
        } finally {
            lock.unlock();
        }
    }

    /** The last entry, or (-1, baseOffset) when empty. */
    public TimestampOffset lastEntry() {
        lock.lock();
        try {
            return entries == 0 ? new TimestampOffset(-1L, baseOffset) : entryLocked(entries - 1);
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected TimestampOffset entryLocked(int slot) {
        return new TimestampOffset(mmap.getLong(slot * ENTRY_SIZE), baseOffset + mmap.getInt(slot * ENTRY_SIZE + 8));
    }

    /** Removes every entry whose offset is {@code >= offset}. */
    public void truncateTo(long offset) {
        lock.lock();
        try {
            int keep = entries;
            while (keep > 0 && entryLocked(keep - 1).offset() >= offset) {
                keep--;
            }
            truncateToEntries(keep);
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected void checkEntries() {
        long previousTimestamp = Long.MIN_VALUE;
        long previousOffset = Long.MIN_VALUE;
        for (int slot = 0; slot < entries; slot++) {
            TimestampOffset entry = entryLocked(slot);
            if (entry.timestamp() <= previousTimestamp || entry.offset() < previousOffset || entry.offset() < baseOffset) {
                throw new CorruptIndexException("time index " + file() + " entry " + slot + " " + entry
                        + " does not follow (" + previousTimestamp + ", " + previousOffset + ")");
            }
            previousTimestamp = entry.timestamp();
            previousOffset = entry.offset();
        }
    }
}
