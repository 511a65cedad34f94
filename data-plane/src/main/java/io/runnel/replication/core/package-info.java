/**
 * The replication core: the pure state machine of one partition replica (DESIGN §5, docs/replication.md).
 *
 * <p>Nothing here has threads, locks, clocks, files or network: events come in as method calls carrying
 * the current time and a read-only view of the local log ({@link io.runnel.replication.core.LogView}),
 * and decisions go out as values (a new high watermark, an ISR proposal for the controller, an error, a
 * truncation point). The shell in {@code io.runnel.replication} (Partition, ReplicaManager, the fetchers)
 * owns the files and threads and applies the decisions; the seeded simulation in the tests drives this
 * package directly. Classes here are not thread-safe: each instance is owned by one caller at a time.
 */
package io.runnel.replication.core;
