package io.runnel.replication;

import java.util.OptionalInt;

/** One partition of a fetch request: where to read, how much, and the epoch the client knows. */
public record FetchInput(long fetchOffset, int partitionMaxBytes, OptionalInt currentLeaderEpoch) {
}
