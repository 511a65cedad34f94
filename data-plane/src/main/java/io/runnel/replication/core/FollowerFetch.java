package io.runnel.replication.core;

/**
 * What a follower asks for one partition in its next replica fetch.
 *
 * @param leaderEpoch      the leader epoch the follower follows (the leader refuses any other)
 * @param fetchOffset      the follower's log end offset: the first offset it lacks
 * @param lastFetchedEpoch the epoch of the follower's last batch, -1 for an empty log; the leader checks
 *                         that this epoch ends at or after {@code fetchOffset} on its own log
 * @param logStartOffset   the follower's log start offset
 * @param establishedEpoch the last epoch at which the follower itself established leadership (-1: never);
 *                         a deposed leader following the next epoch thereby proves it stepped down
 */
public record FollowerFetch(int leaderEpoch, long fetchOffset, int lastFetchedEpoch, long logStartOffset,
                            int establishedEpoch) {
}
