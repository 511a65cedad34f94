package io.runnel.storage;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A memory-mapped file of fixed-size, big-endian index entries, shared by {@link OffsetIndex} and
 * {@link TimeIndex}. A new index file is preallocated to the largest multiple of the entry size not above
 * {@code maxIndexSizeBytes} (zeros); the number of valid entries is kept in memory and the file is trimmed
 * to exactly the valid entries when the segment stops being active or the log is closed cleanly, so a
 * cleanly closed index file holds {@code length / entrySize} valid entries. After an unclean stop the file
 * may hold trailing zeros or garbage: recovery rebuilds the index of every segment it re-reads, and
 * {@link #sanityCheck()} detects the rest.
 *
 * <p>Thread safety: every method takes the index's lock, so appends from the log's writer and lookups
 * from readers may run concurrently. The mapping is replaced on resize; an old mapping is released by the
 * garbage collector (the JDK offers no supported unmap), which Linux allows even after the file changed.
 */
abstract class AbstractIndex<E> {

    protected final ReentrantLock lock = new ReentrantLock();
    protected final long baseOffset;
    private final int entrySize;
    private volatile Path file;
    private final int maxIndexSizeBytes;
    protected MappedByteBuffer mmap;
    protected int entries;
    private int maxEntries;

    AbstractIndex(Path file, long baseOffset, int maxIndexSizeBytes, int entrySize) {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        this.maxIndexSizeBytes = maxIndexSizeBytes;
        try {
            boolean exists = Files.exists(file);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                long length = exists ? channel.size() : roundDown(maxIndexSizeBytes);
                if (!exists) {
                    preallocate(channel, length);
                }
                mmap = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
                entries = exists ? (int) (roundDown(length) / entrySize) : 0;
                maxEntries = (int) (length / entrySize);
            }
        } catch (IOException e) {
            throw new StorageException("cannot open index " + file, e);
        }
    }

    private static void preallocate(FileChannel channel, long length) throws IOException {
        if (length > 0) {
            channel.truncate(length);
            channel.write(java.nio.ByteBuffer.allocate(1), length - 1);
        }
    }

    private long roundDown(long bytes) {
        return bytes / entrySize * entrySize;
    }

    public Path file() {
        return file;
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int entries() {
        lock.lock();
        try {
            return entries;
        } finally {
            lock.unlock();
        }
    }

    public int maxEntries() {
        lock.lock();
        try {
            return maxEntries;
        } finally {
            lock.unlock();
        }
    }

    public boolean isFull() {
        lock.lock();
        try {
            return entries >= maxEntries;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of valid entries. */
    public int sizeInBytes() {
        lock.lock();
        try {
            return entries * entrySize;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes the file (and the mapping) to hold at most {@code newSizeBytes} rounded down to whole
     * entries, keeping the valid entries. Returns true when the length changed.
     */
    public boolean resize(int newSizeBytes) {
        lock.lock();
        try {
            long length = Math.max(roundDown(newSizeBytes), (long) entries * entrySize);
            if (length == mmap.capacity()) {
                return false;
            }
            mmap.force();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                if (channel.size() > length) {
                    channel.truncate(length);
                } else {
                    preallocate(channel, length);
                }
                mmap = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
            }
            maxEntries = (int) (length / entrySize);
            return true;
        } catch (IOException e) {
            throw new StorageException("cannot resize index " + file, e);
        } finally {
            lock.unlock();
        }
    }

    /** Trims the file to the valid entries (the index becomes full; used on roll and clean close). */
    public void trimToValidSize() {
        lock.lock();
        try {
            resize(entries * entrySize);
        } finally {
            lock.unlock();
        }
    }

    /** Drops every entry and restores the preallocated size (used before a rebuild). */
    public void reset() {
        lock.lock();
        try {
            entries = 0;
            resize(maxIndexSizeBytes);
        } finally {
            lock.unlock();
        }
    }

    /** Writes the mapped pages to the device. */
    public void flush() {
        lock.lock();
        try {
            mmap.force();
        } finally {
            lock.unlock();
        }
    }

    /** Renames the file (the mapping stays valid). */
    public void renameTo(Path target) {
        lock.lock();
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            file = target;
        } catch (IOException e) {
            throw new StorageException("cannot rename index " + file + " to " + target, e);
        } finally {
            lock.unlock();
        }
    }

    /** Trims the file to its valid entries; the mapping is left for the garbage collector. */
    public void close() {
        trimToValidSize();
    }

    public void deleteIfExists() {
        lock.lock();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StorageException("cannot delete index " + file, e);
        } finally {
            lock.unlock();
        }
    }

    /** Keeps only the first {@code count} entries. */
    protected void truncateToEntries(int count) {
        entries = Math.min(entries, count);
        mmap.position(entries * entrySize);
    }

    /** Checks the file's structure; throws {@link CorruptIndexException} naming the problem. */
    public void sanityCheck() {
        lock.lock();
        try {
            if (mmap.capacity() % entrySize != 0) {
                throw new CorruptIndexException("index file " + file + " has length " + mmap.capacity()
                        + ", not a multiple of the entry size " + entrySize);
            }
            checkEntries();
        } finally {
            lock.unlock();
        }
    }

    /** Checks the valid entries (called under the lock). */
    protected abstract void checkEntries();

    /** The entry in {@code slot}, for tests and tools that walk an index. */
    public E entry(int slot) {
        lock.lock();
        try {
            if (slot < 0 || slot >= entries) {
                throw new IndexOutOfBoundsException("slot " + slot + " of " + entries);
            }
            return entryLocked(slot);
        } finally {
            lock.unlock();
        }
    }

    /** Decodes the entry in {@code slot}; the caller holds {@link #lock}. */
    protected abstract E entryLocked(int slot);

    /** Thrown when an index file does not hold a valid index; the log rebuilds it from the segment. */
    static final class CorruptIndexException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CorruptIndexException(String message) {
            super(message);
        }
    }
}
