package io.runnel.storage;

import io.runnel.common.config.ConfigException;
import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;

/**
 * Broker-level settings of the log cleaner, read from the node's {@link ServerConfig} (keys, defaults and
 * bounds are declared in {@link ServerSettings}). Immutable value; a value built in code is held to the
 * same bounds, and the split of the memory settings over the threads is checked when it is built.
 *
 * @param enable                  {@code log.cleaner.enable}: run cleaner threads at all
 * @param threads                 {@code log.cleaner.threads}
 * @param dedupeBufferBytes       {@code log.cleaner.dedupe.buffer.size}: memory for the key maps of all
 *                                threads together; each thread's {@link OffsetMap} gets an equal share, at
 *                                least {@link #DEDUPE_BYTES_PER_THREAD_MIN} bytes
 * @param dedupeBufferLoadFactor  {@code log.cleaner.io.buffer.load.factor}: how full a map's table may get
 * @param ioBufferBytes           {@code log.cleaner.io.buffer.size}: read and write buffers of all threads
 *                                together (each thread gets half of its share for each); a buffer grows to
 *                                hold a larger batch, up to max.message.bytes
 * @param ioMaxBytesPerSecond     {@code log.cleaner.io.max.bytes.per.second}: bytes read plus written by all
 *                                cleaner threads per second
 * @param backoffMs               {@code log.cleaner.backoff.ms}: a thread's sleep when no log needs cleaning
 */
public record CleanerConfig(boolean enable, int threads, long dedupeBufferBytes, double dedupeBufferLoadFactor,
                            int ioBufferBytes, double ioMaxBytesPerSecond, long backoffMs) {

    /** Smallest key-map memory per thread: an {@link OffsetMap}'s smallest table and arena. */
    public static final long DEDUPE_BYTES_PER_THREAD_MIN = ServerSettings.LOG_CLEANER_DEDUPE_BYTES_PER_THREAD_MIN;
    /** Largest key-map memory per thread: Java arrays are int-indexed. */
    public static final long DEDUPE_BYTES_PER_THREAD_MAX = Integer.MAX_VALUE;
    /** Smallest I/O buffer memory per thread (read plus write). */
    public static final int IO_BYTES_PER_THREAD_MIN = ServerSettings.LOG_CLEANER_IO_BYTES_PER_THREAD_MIN;

    public CleanerConfig {
        ServerSettings.LOG_CLEANER_THREADS.validate(threads);
        ServerSettings.LOG_CLEANER_DEDUPE_BUFFER_SIZE.validate(dedupeBufferBytes);
        ServerSettings.LOG_CLEANER_IO_BUFFER_SIZE.validate(ioBufferBytes);
        ServerSettings.LOG_CLEANER_IO_MAX_BYTES_PER_SECOND.validate(ioMaxBytesPerSecond);
        ServerSettings.LOG_CLEANER_BACKOFF_MS.validate(backoffMs);
        ServerSettings.LOG_CLEANER_IO_BUFFER_LOAD_FACTOR.validate(dedupeBufferLoadFactor);
        if (dedupeBufferBytes / threads < DEDUPE_BYTES_PER_THREAD_MIN) {
            throw new ConfigException(ServerSettings.LOG_CLEANER_DEDUPE_BUFFER_SIZE.key(), dedupeBufferBytes, "gives each of the "
                    + threads + " cleaner thread(s) (" + ServerSettings.LOG_CLEANER_THREADS.key() + ") less than "
                    + DEDUPE_BYTES_PER_THREAD_MIN + " bytes");
        }
        if (ioBufferBytes / threads < IO_BYTES_PER_THREAD_MIN) {
            throw new ConfigException(ServerSettings.LOG_CLEANER_IO_BUFFER_SIZE.key(), ioBufferBytes, "gives each of the "
                    + threads + " cleaner thread(s) (" + ServerSettings.LOG_CLEANER_THREADS.key() + ") less than "
                    + IO_BYTES_PER_THREAD_MIN + " bytes");
        }
    }

    /** The cleaner settings of a node's configuration. */
    public static CleanerConfig from(ServerConfig settings) {
        return new CleanerConfig(
                settings.get(ServerSettings.LOG_CLEANER_ENABLE),
                settings.get(ServerSettings.LOG_CLEANER_THREADS),
                settings.get(ServerSettings.LOG_CLEANER_DEDUPE_BUFFER_SIZE),
                settings.get(ServerSettings.LOG_CLEANER_IO_BUFFER_LOAD_FACTOR),
                settings.get(ServerSettings.LOG_CLEANER_IO_BUFFER_SIZE),
                settings.get(ServerSettings.LOG_CLEANER_IO_MAX_BYTES_PER_SECOND),
                settings.get(ServerSettings.LOG_CLEANER_BACKOFF_MS));
    }

    /** The defaults (Kafka's). */
    public static CleanerConfig defaults() {
        return from(ServerConfig.DEFAULTS);
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
}
