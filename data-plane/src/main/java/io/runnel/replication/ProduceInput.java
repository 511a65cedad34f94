package io.runnel.replication;

import java.nio.ByteBuffer;
import java.util.OptionalInt;

/** One partition of a produce request: its record batches and the leader epoch the client knows. */
public record ProduceInput(ByteBuffer records, OptionalInt currentLeaderEpoch) {
}
