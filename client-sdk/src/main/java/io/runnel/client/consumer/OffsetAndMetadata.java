package io.runnel.client.consumer;

import java.util.Objects;
import java.util.Optional;

/**
 * A committed offset: the next offset to read (the last processed + 1), the leader epoch of the last
 * processed record when known, and a string the application may store with it ({@code offset.metadata.max.bytes}
 * bounds it on the broker). Immutable.
 */
public record OffsetAndMetadata(long offset, Optional<Integer> leaderEpoch, String metadata) {

    public OffsetAndMetadata {
        if (offset < 0) {
            throw new IllegalArgumentException("a committed offset must not be negative: " + offset);
        }
        Objects.requireNonNull(leaderEpoch, "leaderEpoch");
        metadata = metadata == null ? "" : metadata;
    }

    public OffsetAndMetadata(long offset) {
        this(offset, Optional.empty(), "");
    }

    public OffsetAndMetadata(long offset, String metadata) {
        this(offset, Optional.empty(), metadata);
    }
}
