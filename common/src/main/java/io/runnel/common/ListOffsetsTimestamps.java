package io.runnel.common;

/**
 * The special timestamps of a ListOffsets request (fetch.proto, {@code ListOffsetsPartition.timestamp}),
 * Kafka's values: the one definition that the broker (storage and replica manager) and the clients use.
 * Any timestamp at or above 0 asks for the first offset whose record timestamp is at or above it.
 */
public final class ListOffsetsTimestamps {

    /** The latest offset: the high watermark for a consumer (the log end offset inside the log). */
    public static final long LATEST_TIMESTAMP = -1L;
    /** The earliest offset: the log start offset. */
    public static final long EARLIEST_TIMESTAMP = -2L;
    /** The offset of the record with the largest timestamp. */
    public static final long MAX_TIMESTAMP = -3L;

    private ListOffsetsTimestamps() {
    }
}
