package io.runnel.storage;

import java.nio.ByteBuffer;

/**
 * Binary search over the sorted entries of a sparse index, independent of files so it is tested on plain
 * buffers. Entries are {@code entrySize} bytes each, back to back from position 0; the key of entry
 * {@code slot} is read by a {@link KeyReader} (a relative offset for {@code .index}, a timestamp for
 * {@code .timeindex}). Keys must not decrease from one entry to the next. Stateless and thread-safe.
 */
final class IndexSearch {

    /** Reads the search key of the entry in {@code slot}. */
    @FunctionalInterface
    interface KeyReader {
        long keyAt(ByteBuffer entries, int slot);
    }

    private IndexSearch() {
    }

    /** The last slot whose key is {@code <= target}, or -1 when every key is larger (or there is no entry). */
    static int largestLowerBound(ByteBuffer entries, int entryCount, KeyReader reader, long target) {
        if (entryCount == 0 || reader.keyAt(entries, 0) > target) {
            return -1;
        }
        int low = 0;
        int high = entryCount - 1;
        // Invariant: key(low) <= target; the answer is in [low, high]. Terminates in log2(entryCount) steps.
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (reader.keyAt(entries, mid) <= target) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return low;
    }

    /** The first slot whose key is {@code >= target}, or -1 when every key is smaller (or there is no entry). */
    static int smallestUpperBound(ByteBuffer entries, int entryCount, KeyReader reader, long target) {
        if (entryCount == 0 || reader.keyAt(entries, entryCount - 1) < target) {
            return -1;
        }
        int low = 0;
        int high = entryCount - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (reader.keyAt(entries, mid) >= target) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low;
    }
}
