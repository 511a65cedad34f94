package io.runnel.storage;

/** An offset paired with a leader epoch (for example the end offset of an epoch). Immutable value. */
public record OffsetAndEpoch(long offset, int epoch) {
}
