package io.runnel.storage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The log cleaner's map from each key of a log's dirty section to the offset of its latest record,
 * in a bounded amount of memory ({@code log.cleaner.dedupe.buffer.size} divided among the cleaner
 * threads).
 *
 * <p><b>Exact keys.</b> Kafka's map keeps only an MD5 digest of each key, so two keys with the same
 * digest are one key to it and the older record of the other is silently dropped. This map stores every
 * key's bytes too and compares them whenever the 64-bit hashes match: two different keys are two
 * entries whatever their hashes, so a hash match can never drop a record whose key differs. The price is
 * memory: an entry costs {@value #SLOT_BYTES} bytes of table (hash, offset, key position), divided by the
 * load factor, plus its key's bytes and a 4-byte length in the key arena, where Kafka's costs 24 bytes.
 * With the 16- to 36-byte keys typical of changelogs that is 1.5–2.5 times Kafka's per-entry cost; when
 * the map is full the cleaner cleans up to the last offset it mapped and continues in the next round.
 *
 * <p><b>Layout.</b> Open addressing with linear probing over parallel arrays (64-bit hashes, offsets,
 * key positions; position -1 marks a free slot), the slot of a hash picked by multiply-shift so the table
 * size need not be a power of two. Keys live back to back in one byte array, each behind its length.
 *
 * <p><b>Memory bound.</b> The table and the arena start small (sized from the dirty bytes of the log
 * about to be cleaned) and grow when full. A growth happens only if the old arrays, the new ones and the
 * other structure together fit in {@code memoryBytesMax}, so the map never holds more than the bound,
 * not even while it copies; when no growth fits, {@link #put} refuses new keys. The arrays are kept for
 * the next cleaning (like Kafka's preallocated buffer), never shrunk.
 *
 * <p>Not thread-safe: one cleaner thread owns a map.
 */
final class OffsetMap {

    /** Bytes of table per slot: an 8-byte hash, an 8-byte offset and a 4-byte key position. */
    static final int SLOT_BYTES = 8 + 8 + 4;
    /** Bytes of arena a key takes besides its own: its length. */
    static final int KEY_LENGTH_BYTES = 4;
    /** Smallest table (slots) and arena (bytes) allocated, so tiny logs do not grow the map step by step. */
    static final int MIN_SLOTS = 1024;
    static final int MIN_ARENA_BYTES = 64 * 1024;
    /** Dirty bytes assumed per record when sizing the table for a cleaning (a record is at least ~8 bytes). */
    static final int DIRTY_BYTES_PER_ENTRY_ESTIMATE = 64;

    /** A 64-bit hash of a key's remaining bytes; must not move the buffer's position. */
    @FunctionalInterface
    interface KeyHasher {
        long hash(ByteBuffer key);
    }

    private final long memoryBytesMax;
    private final double loadFactor;
    private final KeyHasher hasher;

    private long[] hashes = new long[0];
    private long[] offsets = new long[0];
    private int[] keyPositions = new int[0];
    private byte[] arena = new byte[0];
    private int arenaUsed;
    private int entries;
    private long latestOffset = -1;

    OffsetMap(long memoryBytesMax, double loadFactor, KeyHasher hasher) {
        if (!(loadFactor > 0 && loadFactor < 1)) {
            throw new IllegalArgumentException("load factor " + loadFactor + " must be in (0, 1)");
        }
        long smallest = (long) MIN_SLOTS * SLOT_BYTES + MIN_ARENA_BYTES;
        if (memoryBytesMax < smallest) {
            throw new IllegalArgumentException("offset map memory " + memoryBytesMax + " is below the minimum " + smallest);
        }
        this.memoryBytesMax = memoryBytesMax;
        this.loadFactor = loadFactor;
        this.hasher = hasher;
    }

    /** A map with the default hash ({@link #hash64}). */
    OffsetMap(long memoryBytesMax, double loadFactor) {
        this(memoryBytesMax, loadFactor, OffsetMap::hash64);
    }

    /**
     * Empties the map for a cleaning whose dirty section holds about {@code dirtyBytesHint} bytes: allocates
     * (or keeps) a table and arena sized for it within the bound, and sets the latest offset to
     * {@code latestOffset} (the offset below which everything is already deduplicated: the first dirty
     * offset - 1).
     */
    void clear(long dirtyBytesHint, long latestOffset) {
        long wantedSlots = Math.max(MIN_SLOTS, (long) Math.ceil(dirtyBytesHint / (double) DIRTY_BYTES_PER_ENTRY_ESTIMATE / loadFactor));
        long wantedArena = Math.max(MIN_ARENA_BYTES, Math.min(dirtyBytesHint, Integer.MAX_VALUE - 8));
        // Keep half of the bound for each while sizing up front; growth later may use what the other left.
        long slots = Math.min(wantedSlots, memoryBytesMax / 2 / SLOT_BYTES);
        long arenaBytes = Math.min(wantedArena, memoryBytesMax / 2);
        if (slots > hashes.length) {
            hashes = null;
            offsets = null;
            keyPositions = null;
            allocateTable((int) Math.min(slots, Integer.MAX_VALUE - 8));
        }
        if (arenaBytes > arena.length) {
            arena = null;
            arena = new byte[(int) arenaBytes];
        }
        Arrays.fill(keyPositions, -1);
        arenaUsed = 0;
        entries = 0;
        this.latestOffset = latestOffset;
    }

    private void allocateTable(int slots) {
        hashes = new long[slots];
        offsets = new long[slots];
        keyPositions = new int[slots];
        Arrays.fill(keyPositions, -1);
    }

    /**
     * Records {@code offset} as the latest of {@code key} (its remaining bytes; the position is not moved)
     * and as the map's latest offset. Returns false, changing nothing, when the key is new and the map has
     * no room for it within its memory bound.
     */
    boolean put(ByteBuffer key, long offset) {
        long hash = hasher.hash(key);
        int slot = find(hash, key);
        if (slot >= 0 && keyPositions[slot] >= 0) {
            offsets[slot] = offset;
            latestOffset = offset;
            return true;
        }
        int keyLength = key.remaining();
        if (!ensureRoom(keyLength)) {
            return false;
        }
        slot = find(hash, key); // the table may have been rebuilt
        hashes[slot] = hash;
        offsets[slot] = offset;
        keyPositions[slot] = storeKey(key, keyLength);
        entries++;
        latestOffset = offset;
        return true;
    }

    /** The latest offset of {@code key}, or -1 when the key is not in the map. */
    long get(ByteBuffer key) {
        if (entries == 0) {
            return -1;
        }
        int slot = find(hasher.hash(key), key);
        return keyPositions[slot] >= 0 ? offsets[slot] : -1;
    }

    /** The largest offset the map accounts for: records above it were not looked at. */
    long latestOffset() {
        return latestOffset;
    }

    /** Raises the latest offset (a batch or segment read through without a new key). */
    void updateLatestOffset(long offset) {
        latestOffset = Math.max(latestOffset, offset);
    }

    int size() {
        return entries;
    }

    /** Share of the memory bound the entries need (table at the load factor, plus their keys), 0..1. */
    double utilization() {
        double needed = entries * (double) SLOT_BYTES / loadFactor + arenaUsed;
        return Math.min(1.0, needed / memoryBytesMax);
    }

    /** Bytes the map's arrays hold now (at most the bound). */
    long allocatedBytes() {
        return (long) hashes.length * SLOT_BYTES + arena.length;
    }

    // ---- internals ---------------------------------------------------------------------------------

    /**
     * The slot holding {@code key}, or the free slot where it would go. The table always has a free slot
     * (entries stay below the load factor), so the probe ends.
     */
    private int find(long hash, ByteBuffer key) {
        int capacity = hashes.length;
        int slot = slotOf(hash, capacity);
        while (true) {
            int position = keyPositions[slot];
            if (position < 0 || (hashes[slot] == hash && keyEquals(position, key))) {
                return slot;
            }
            slot = slot + 1 == capacity ? 0 : slot + 1;
        }
    }

    /** Multiply-shift of the hash's top 31 bits onto [0, capacity). */
    private static int slotOf(long hash, int capacity) {
        return (int) (((hash >>> 33) * capacity) >>> 31);
    }

    private boolean keyEquals(int position, ByteBuffer key) {
        int length = readInt(arena, position);
        if (length != key.remaining()) {
            return false;
        }
        return ByteBuffer.wrap(arena, position + KEY_LENGTH_BYTES, length).mismatch(key) < 0;
    }

    private int storeKey(ByteBuffer key, int keyLength) {
        int position = arenaUsed;
        writeInt(arena, position, keyLength);
        key.duplicate().get(arena, position + KEY_LENGTH_BYTES, keyLength);
        arenaUsed += KEY_LENGTH_BYTES + keyLength;
        return position;
    }

    /** Makes room for one more entry with a key of {@code keyLength} bytes; false when the bound forbids it. */
    private boolean ensureRoom(int keyLength) {
        if (entries + 1 > (long) (hashes.length * loadFactor) && !growTable()) {
            return false;
        }
        long arenaNeeded = (long) arenaUsed + KEY_LENGTH_BYTES + keyLength;
        return arenaNeeded <= arena.length || growArena(arenaNeeded);
    }

    private boolean growTable() {
        long oldBytes = (long) hashes.length * SLOT_BYTES;
        // While rehashing both tables and the arena are held: all three must fit in the bound.
        long affordableSlots = (memoryBytesMax - oldBytes - arena.length) / SLOT_BYTES;
        long newSlots = Math.min(Math.min((long) hashes.length * 2, affordableSlots), Integer.MAX_VALUE - 8);
        if (newSlots <= hashes.length || entries + 1 > (long) (newSlots * loadFactor)) {
            return false;
        }
        long[] oldHashes = hashes;
        long[] oldOffsets = offsets;
        int[] oldPositions = keyPositions;
        allocateTable((int) newSlots);
        for (int i = 0; i < oldHashes.length; i++) {
            if (oldPositions[i] >= 0) {
                int slot = slotOf(oldHashes[i], hashes.length);
                while (keyPositions[slot] >= 0) {
                    slot = slot + 1 == hashes.length ? 0 : slot + 1;
                }
                hashes[slot] = oldHashes[i];
                offsets[slot] = oldOffsets[i];
                keyPositions[slot] = oldPositions[i];
            }
        }
        return true;
    }

    private boolean growArena(long needed) {
        long tableBytes = (long) hashes.length * SLOT_BYTES;
        long affordable = Math.min(memoryBytesMax - tableBytes - arena.length, Integer.MAX_VALUE - 8);
        long newLength = Math.min(Math.max((long) arena.length * 2, needed), affordable);
        if (newLength < needed) {
            return false;
        }
        arena = Arrays.copyOf(arena, (int) newLength);
        return true;
    }

    private static int readInt(byte[] bytes, int position) {
        return (bytes[position] & 0xff) << 24 | (bytes[position + 1] & 0xff) << 16 | (bytes[position + 2] & 0xff) << 8
                | (bytes[position + 3] & 0xff);
    }

    private static void writeInt(byte[] bytes, int position, int value) {
        bytes[position] = (byte) (value >>> 24);
        bytes[position + 1] = (byte) (value >>> 16);
        bytes[position + 2] = (byte) (value >>> 8);
        bytes[position + 3] = (byte) value;
    }

    /**
     * The default key hash: the key's bytes in 8-byte words, each mixed by multiplication and rotation into
     * a running state, then a final avalanche. Its quality only affects speed (probe lengths): equal hashes
     * are resolved by comparing keys.
     */
    static long hash64(ByteBuffer keyBuffer) {
        // Words are read big-endian whatever the caller's buffer says, so equal keys hash equally.
        ByteBuffer key = keyBuffer.order() == ByteOrder.BIG_ENDIAN ? keyBuffer : keyBuffer.duplicate().order(ByteOrder.BIG_ENDIAN);
        int position = key.position();
        int end = key.limit();
        long state = 0x9E3779B97F4A7C15L ^ (end - position);
        while (end - position >= 8) {
            state = mixWord(state, key.getLong(position));
            position += 8;
        }
        long tail = 0;
        int shift = 0;
        while (position < end) {
            tail |= (key.get(position) & 0xffL) << shift;
            shift += 8;
            position++;
        }
        if (shift > 0) {
            state = mixWord(state, tail);
        }
        return avalanche(state);
    }

    private static long mixWord(long state, long word) {
        long mixed = Long.rotateLeft(word * 0x87C37B91114253D5L, 31) * 0x4CF5AD432745937FL;
        return Long.rotateLeft(state ^ mixed, 27) * 5 + 0x52DCE729L;
    }

    private static long avalanche(long state) {
        long h = state;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }
}
