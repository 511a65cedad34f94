package io.runnel.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The sparse offset index of one segment ({@code <baseOffset>.index}): maps offsets to byte positions in
 * the segment's {@code .log} file so a read seeks close to its start offset instead of scanning.
 *
 * <pre>
 * entry (8 bytes, big-endian):  relativeOffset int32 | position int32
 * </pre>
 * {@code relativeOffset} is the last offset of a batch minus the segment's base offset, {@code position}
 * the byte position where that batch starts. Entries are appended about every {@code index.interval.bytes}
 * of log, with strictly increasing offsets and positions (Kafka's layout, so Kafka's tools read it).
 * {@link #lookup} returns the last entry whose offset is at or below the target: scanning batches from its
 * position finds the target, because the entry's batch ends at or after the entry's offset.
 *
 * <p>Thread-safe (see {@link AbstractIndex}).
 */
public final class OffsetIndex extends AbstractIndex<OffsetIndex.OffsetPosition> {

    public static final int ENTRY_SIZE = 8;

    private static final IndexSearch.KeyReader RELATIVE_OFFSET = (buffer, slot) -> buffer.getInt(slot * ENTRY_SIZE);

    public OffsetIndex(Path file, long baseOffset, int maxIndexSizeBytes) {
        super(file, baseOffset, maxIndexSizeBytes, ENTRY_SIZE);
        mmap.position(entries * ENTRY_SIZE);
    }

    /** An offset and the byte position of the batch holding it. */
    public record OffsetPosition(long offset, int position) {
    }

    /** Appends an entry; offsets must increase. Throws when the index is full (the segment rolls first). */
    public void append(long offset, int position) {
        lock.lock();
        try {
            if (entries >= maxEntries()) {
                throw new IllegalStateException("offset index " + file() + " is full (" + entries + " entries)");
            }
            if (entries > 0 && offset <= lastOffsetLocked()) {
                throw new IllegalStateException("offset " + offset + " is not above the last indexed offset "
                        + lastOffsetLocked() + " in " + file());
            }
            long relative = offset - baseOffset;
            if (relative < 0 || relative > Integer.MAX_VALUE) {
                throw new IllegalStateException("offset " + offset + " does not fit segment " + baseOffset);
            }
            mmap.putInt(entries * ENTRY_SIZE, (int) relative);
            mmap.putInt(entries * ENTRY_SIZE + 4, position);
            entries++;
            mmap.position(entries * ENTRY_SIZE);
        } finally {
            lock.unlock();
        }
    }

    /** The last entry at or below {@code targetOffset}, or (baseOffset, 0) when there is none. */
    public OffsetPosition lookup(long targetOffset) {
        lock.lock();
        try {
            int slot = IndexSearch.largestLowerBound(mmap, entries, RELATIVE_OFFSET, targetOffset - baseOffset);
            return slot < 0 ? new OffsetPosition(baseOffset, 0) : entryLocked(slot);
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected OffsetPosition entryLocked(int slot) {
        return new OffsetPosition(baseOffset + mmap.getInt(slot * ENTRY_SIZE), mmap.getInt(slot * ENTRY_SIZE + 4));
    }

    /** The last indexed offset, or the base offset when the index is empty. */
    public long lastOffset() {
        lock.lock();
        try {
            return lastOffsetLocked();
        } finally {
            lock.unlock();
        }
    }

    private long lastOffsetLocked() {
        return entries == 0 ? baseOffset : baseOffset + mmap.getInt((entries - 1) * ENTRY_SIZE);
    }

    /** Removes every entry whose offset is {@code >= offset}. */
    public void truncateTo(long offset) {
        lock.lock();
        try {
            ByteBuffer view = mmap;
            int slot = IndexSearch.largestLowerBound(view, entries, RELATIVE_OFFSET, offset - baseOffset);
            int keep;
            if (slot < 0) {
                keep = 0;
            } else if (baseOffset + view.getInt(slot * ENTRY_SIZE) == offset) {
                keep = slot;
            } else {
                keep = slot + 1;
            }
            truncateToEntries(keep);
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected void checkEntries() {
        int previousOffset = -1;
        int previousPosition = -1;
        for (int slot = 0; slot < entries; slot++) {
            int relative = mmap.getInt(slot * ENTRY_SIZE);
            int position = mmap.getInt(slot * ENTRY_SIZE + 4);
            if (relative <= previousOffset || position <= previousPosition && slot > 0 || relative < 0 || position < 0) {
                throw new CorruptIndexException("offset index " + file() + " entry " + slot + " (relative offset "
                        + relative + ", position " + position + ") does not follow (" + previousOffset + ", "
                        + previousPosition + ")");
            }
            previousOffset = relative;
            previousPosition = position;
        }
    }

    /** The largest position any entry points at, or -1 when empty (checked against the log size on load). */
    public int lastPosition() {
        lock.lock();
        try {
            return entries == 0 ? -1 : mmap.getInt((entries - 1) * ENTRY_SIZE + 4);
        } finally {
            lock.unlock();
        }
    }
}
