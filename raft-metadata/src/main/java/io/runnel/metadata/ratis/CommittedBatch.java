package io.runnel.metadata.ratis;

import io.runnel.proto.metadata.MetadataBatch;
import java.util.Objects;

/** A batch of metadata records committed at {@code offset} (its Ratis log index). Immutable. */
public record CommittedBatch(long offset, MetadataBatch batch) {
    public CommittedBatch {
        Objects.requireNonNull(batch, "batch");
    }
}
