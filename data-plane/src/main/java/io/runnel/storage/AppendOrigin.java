package io.runnel.storage;

/**
 * Who is appending to a leader's log. Clients may not write control batches (transaction markers); the
 * group and transaction coordinators may. Followers use {@link PartitionLog#appendAsFollower} instead.
 */
public enum AppendOrigin {
    CLIENT,
    COORDINATOR
}
