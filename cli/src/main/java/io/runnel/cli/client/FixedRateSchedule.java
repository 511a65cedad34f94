package io.runnel.cli.client;

import java.nio.ByteBuffer;

/**
 * The send schedule of a fixed-rate end-to-end run: record {@code i} is meant to be sent at
 * {@code t0 + i / rate}, whatever happened to the records before it. Latency measured from this
 * intended time, rather than from the moment the send call was made, is free of coordinated omission:
 * when the producer or the broker stalls, the records that should have gone out during the stall are
 * charged the stall too, as the OpenMessaging Benchmark measures it.
 *
 * <p>Each record's value starts with a {@value #HEADER_BYTES}-byte header: its index in the schedule and
 * its intended send time ({@link System#nanoTime()} of the sending JVM, which is also the receiving JVM),
 * so the receiver needs no shared state with the sender. Immutable and thread-safe.
 */
public final class FixedRateSchedule {

    /** Index (8 bytes) and intended send time in nanoseconds (8 bytes), big-endian. */
    public static final int HEADER_BYTES = 16;
    /** Bound on the records of one run: keeps {@code index * 10^9} within a long. */
    public static final long MAX_RECORDS = 1_000_000_000L;
    /** One record per nanosecond is already beyond any producer; above it the schedule would round to 0. */
    public static final long MAX_RATE_PER_SEC = 1_000_000_000L;

    private static final long NANOS_PER_SEC = 1_000_000_000L;

    private final long ratePerSec;
    private final long records;

    private FixedRateSchedule(long ratePerSec, long records) {
        this.ratePerSec = ratePerSec;
        this.records = records;
    }

    /**
     * The schedule of {@code records} records at {@code ratePerSec}; the option names are those of
     * {@code runnel perf e2e}, so a refusal names what the user typed.
     */
    public static FixedRateSchedule of(long ratePerSec, long records) {
        if (ratePerSec < 1 || ratePerSec > MAX_RATE_PER_SEC) {
            throw new IllegalArgumentException("--rate must be between 1 and " + MAX_RATE_PER_SEC + " records/s; got " + ratePerSec);
        }
        if (records < 1 || records > MAX_RECORDS) {
            throw new IllegalArgumentException("a fixed-rate run sends between 1 and " + MAX_RECORDS + " records; got " + records);
        }
        return new FixedRateSchedule(ratePerSec, records);
    }

    /** The records a run of {@code durationS} seconds at {@code ratePerSec} sends. */
    public static long recordsFor(long ratePerSec, long durationS) {
        if (durationS < 1) {
            throw new IllegalArgumentException("--duration-s must be positive; got " + durationS);
        }
        if (ratePerSec < 1) {
            throw new IllegalArgumentException("--rate must be between 1 and " + MAX_RATE_PER_SEC + " records/s; got " + ratePerSec);
        }
        if (durationS > MAX_RECORDS / ratePerSec) {
            throw new IllegalArgumentException("--rate " + ratePerSec + " for --duration-s " + durationS
                    + " is more than " + MAX_RECORDS + " records; shorten the run");
        }
        return ratePerSec * durationS;
    }

    /** The records sent in the first {@code warmupS} seconds, which are sent but not measured. */
    public long warmupRecords(long warmupS) {
        if (warmupS < 0) {
            throw new IllegalArgumentException("--warmup-s must not be negative; got " + warmupS);
        }
        long warmup = warmupS > MAX_RECORDS / ratePerSec ? MAX_RECORDS : ratePerSec * warmupS;
        if (warmup >= records) {
            throw new IllegalArgumentException("--warmup-s " + warmupS + " covers all " + records
                    + " records of the run; nothing would be measured");
        }
        return warmup;
    }

    public long ratePerSec() {
        return ratePerSec;
    }

    public long records() {
        return records;
    }

    /** Nanoseconds from the start of the run to the intended send time of record {@code index}. */
    public long intendedOffsetNanos(long index) {
        if (index < 0 || index >= records) {
            throw new IndexOutOfBoundsException("record " + index + " is outside the schedule of " + records);
        }
        return index * NANOS_PER_SEC / ratePerSec;
    }

    /** Writes the header of record {@code index}, intended at {@code intendedNanos}, into {@code value}. */
    public static void writeHeader(byte[] value, long index, long intendedNanos) {
        ByteBuffer.wrap(value, 0, HEADER_BYTES).putLong(index).putLong(intendedNanos);
    }

    /** The index written by {@link #writeHeader}; the value must hold a header. */
    public static long index(byte[] value) {
        return ByteBuffer.wrap(value, 0, HEADER_BYTES).getLong(0);
    }

    /** The intended send time written by {@link #writeHeader}. */
    public static long intendedNanos(byte[] value) {
        return ByteBuffer.wrap(value, 0, HEADER_BYTES).getLong(8);
    }
}
