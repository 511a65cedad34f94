package io.runnel.client.consumer;

import java.util.Optional;

/** The first offset whose record's timestamp is at or after a time, with that timestamp. Immutable. */
public record OffsetAndTimestamp(long offset, long timestamp, Optional<Integer> leaderEpoch) {
}
