/**
 * The group coordinator's pure core (DESIGN §8, docs/groups.md): consumer groups, their members and epochs,
 * target assignments, the reconciliation of each member towards its target, and committed offsets, for the
 * groups of one {@code __consumer_offsets} partition ({@link io.runnel.group.core.GroupShard}).
 *
 * <p>No threads, locks, clocks or I/O: operations take the time as an argument and return the records to
 * append plus the answer; state changes only by replaying records ({@link io.runnel.group.core.GroupShard#replay}),
 * the same code a new coordinator runs when it loads the partition, so the two cannot disagree. Timers
 * (member sessions, revocation deadlines, offset retention) are deadlines the caller's clock reaches through
 * {@link io.runnel.group.core.GroupShard#tick}. The shell ({@code io.runnel.group}) appends the records,
 * answers requests once they are replicated, and drives the clock.
 */
package io.runnel.group.core;
