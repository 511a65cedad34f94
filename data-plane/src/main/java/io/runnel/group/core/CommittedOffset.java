package io.runnel.group.core;

/**
 * A committed offset: the next offset the group reads in a partition, the leader epoch of the record before
 * it (-1: unknown), the committer's metadata string, and when it was committed (ms). Immutable.
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestampMs) {
}
