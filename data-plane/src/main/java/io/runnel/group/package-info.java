/**
 * The group coordinator's shell (DESIGN §8, docs/groups.md): it owns the {@link io.runnel.group.core.GroupShard}s
 * of the {@code __consumer_offsets} partitions this broker leads, loads each by replaying its partition when the
 * broker becomes leader and drops it when the broker resigns, runs every operation on one event thread, appends
 * the records operations produce through the replica manager (acks=all, as leader) and answers only once they
 * are replicated. Member streams and RPCs reach it through {@link io.runnel.group.GroupCoordinator}'s methods;
 * it knows nothing of gRPC ({@link io.runnel.group.MemberChannel} is the stream as it sees it).
 */
package io.runnel.group;
