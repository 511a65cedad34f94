package io.runnel.storage;

import io.runnel.common.config.ConfigException;
import java.util.Map;

/**
 * Broker-level settings of the log cleaner, with Kafka's keys and defaults. Immutable value; the
 * relations between the settings are checked when it is built.
 *
 * @param enable                  {@code log.cleaner.enable} (true): run cleaner threads at all
 * @param threads                 {@code log.cleaner.threads} (1), 1..{@value #THREADS_MAX}
 * @param dedupeBufferBytes       {@code log.cleaner.dedupe.buffer.size} (128 MiB): memory for the key
 *                                maps of all threads together; each thread's {@link OffsetMap} gets an
 *                                equal share, at least {@value #DEDUPE_BYTES_PER_THREAD_MIN} bytes
 * @param dedupeBufferLoadFactor  {@code log.cleaner.io.buffer.load.factor} (0.9): how full a map's table
 *                                may get, in (0, 1)
 * @param ioBufferBytes           {@code log.cleaner.io.buffer.size} (512 KiB): read and write buffers of
 *                                all threads together (each thread gets half of its share for each);
 *                                a buffer grows to hold a larger batch, up to max.message.bytes
 * @param ioMaxBytesPerSecond     {@code log.cleaner.io.max.bytes.per.second} (unlimited): bytes read plus
 *                                written by all cleaner threads per second
 * @param backoffMs               {@code log.cleaner.backoff.ms} (15000): a thread's sleep when no log
 *                                needs cleaning
 */
public record CleanerConfig(boolean enable, int threads, long dedupeBufferBytes, double dedupeBufferLoadFactor,
                            int ioBufferBytes, double ioMaxBytesPerSecond, long backoffMs) {

    public static final String ENABLE = "log.cleaner.enable";
    public static final String THREADS = "log.cleaner.threads";
    public static final String DEDUPE_BUFFER_SIZE = "log.cleaner.dedupe.buffer.size";
    public static final String DEDUPE_BUFFER_LOAD_FACTOR = "log.cleaner.io.buffer.load.factor";
    public static final String IO_BUFFER_SIZE = "log.cleaner.io.buffer.size";
    public static final String IO_MAX_BYTES_PER_SECOND = "log.cleaner.io.max.bytes.per.second";
    public static final String BACKOFF_MS = "log.cleaner.backoff.ms";

    /** Upper bound on cleaner threads: each holds its own map and buffers. */
    public static final int THREADS_MAX = 32;
    /** Smallest key-map memory per thread: the map's minimum table and arena. */
    public static final long DEDUPE_BYTES_PER_THREAD_MIN = (long) OffsetMap.MIN_SLOTS * OffsetMap.SLOT_BYTES + OffsetMap.MIN_ARENA_BYTES;
    /** Largest key-map memory per thread: Java arrays are int-indexed. */
    public static final long DEDUPE_BYTES_PER_THREAD_MAX = Integer.MAX_VALUE;
    /** Smallest I/O buffer memory per thread (read plus write). */
    public static final int IO_BYTES_PER_THREAD_MIN = 2 * 1024;

    public CleanerConfig {
        if (threads < 1 || threads > THREADS_MAX) {
            throw new ConfigException(THREADS, threads, "must be between 1 and " + THREADS_MAX);
        }
        if (dedupeBufferBytes / threads < DEDUPE_BYTES_PER_THREAD_MIN) {
            throw new ConfigException(DEDUPE_BUFFER_SIZE, dedupeBufferBytes, "gives each of the " + threads
                    + " cleaner thread(s) less than " + DEDUPE_BYTES_PER_THREAD_MIN + " bytes");
        }
        if (!(dedupeBufferLoadFactor > 0 && dedupeBufferLoadFactor < 1)) {
            throw new ConfigException(DEDUPE_BUFFER_LOAD_FACTOR, dedupeBufferLoadFactor, "must be above 0 and below 1");
        }
        if (ioBufferBytes / threads < IO_BYTES_PER_THREAD_MIN) {
            throw new ConfigException(IO_BUFFER_SIZE, ioBufferBytes, "gives each of the " + threads
                    + " cleaner thread(s) less than " + IO_BYTES_PER_THREAD_MIN + " bytes");
        }
        if (!(ioMaxBytesPerSecond > 0)) {
            throw new ConfigException(IO_MAX_BYTES_PER_SECOND, ioMaxBytesPerSecond, "must be positive");
        }
        if (backoffMs < 1) {
            throw new ConfigException(BACKOFF_MS, backoffMs, "must be at least 1");
        }
    }

    /** Kafka's defaults. */
    public static CleanerConfig defaults() {
        return new CleanerConfig(true, 1, 128L * 1024 * 1024, 0.9, 512 * 1024, Double.MAX_VALUE, 15_000L);
    }

    /** Parses the {@code log.cleaner.*} keys present in {@code p}; absent keys take Kafka's defaults. */
    public static CleanerConfig fromProperties(Map<String, String> p) {
        CleanerConfig d = defaults();
        return new CleanerConfig(
                bool(p, ENABLE, d.enable()),
                (int) number(p, THREADS, d.threads()),
                number(p, DEDUPE_BUFFER_SIZE, d.dedupeBufferBytes()),
                decimal(p, DEDUPE_BUFFER_LOAD_FACTOR, d.dedupeBufferLoadFactor()),
                (int) Math.min(Integer.MAX_VALUE, number(p, IO_BUFFER_SIZE, d.ioBufferBytes())),
                decimal(p, IO_MAX_BYTES_PER_SECOND, d.ioMaxBytesPerSecond()),
                number(p, BACKOFF_MS, d.backoffMs()));
    }

    /** A copy with another {@code log.cleaner.enable} (tests drive cleaning by hand with it off). */
    public CleanerConfig withEnable(boolean on) {
        return new CleanerConfig(on, threads, dedupeBufferBytes, dedupeBufferLoadFactor, ioBufferBytes, ioMaxBytesPerSecond,
                backoffMs);
    }

    /** A copy with another {@code log.cleaner.dedupe.buffer.size}. */
    public CleanerConfig withDedupeBufferBytes(long bytes) {
        return new CleanerConfig(enable, threads, bytes, dedupeBufferLoadFactor, ioBufferBytes, ioMaxBytesPerSecond, backoffMs);
    }

    /** A copy with another {@code log.cleaner.backoff.ms}. */
    public CleanerConfig withBackoffMs(long ms) {
        return new CleanerConfig(enable, threads, dedupeBufferBytes, dedupeBufferLoadFactor, ioBufferBytes, ioMaxBytesPerSecond, ms);
    }

    /** Key-map memory of one thread. */
    long dedupeBytesPerThread() {
        return Math.min(dedupeBufferBytes / threads, DEDUPE_BYTES_PER_THREAD_MAX);
    }

    /** Initial size of one thread's read buffer and of its write buffer. */
    int ioBufferBytesPerThread() {
        return ioBufferBytes / threads / 2;
    }

    private static boolean bool(Map<String, String> p, String key, boolean defaultValue) {
        String value = p.get(key);
        if (value == null) {
            return defaultValue;
        }
        String trimmed = value.trim();
        if (!trimmed.equalsIgnoreCase("true") && !trimmed.equalsIgnoreCase("false")) {
            throw new ConfigException(key, value, "not true or false");
        }
        return Boolean.parseBoolean(trimmed);
    }

    private static long number(Map<String, String> p, String key, long defaultValue) {
        String value = p.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "not a number");
        }
    }

    private static double decimal(Map<String, String> p, String key, double defaultValue) {
        String value = p.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "not a number");
        }
    }
}
