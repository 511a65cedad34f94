package io.runnel.storage;

import java.util.OptionalInt;

/**
 * The answer to a ListOffsets-style lookup: the timestamp of the record found, its offset and the leader
 * epoch of the batch that holds it (empty when the batch carries none). Immutable value.
 */
public record TimestampAndOffset(long timestamp, long offset, OptionalInt leaderEpoch) {
}
