/**
 * The storage engine: each partition replica is a {@link io.runnel.storage.PartitionLog} of
 * {@link io.runnel.storage.LogSegment}s in Kafka's on-disk formats ({@code .log} record batches,
 * {@code .index}, {@code .timeindex}, checkpoint files), owned per broker by a
 * {@link io.runnel.storage.LogManager}. Pure decisions live in classes without I/O
 * ({@link io.runnel.storage.BatchValidator}, {@link io.runnel.storage.RetentionPolicy},
 * {@link io.runnel.storage.IndexSearch}). Formats, durability contract, recovery and limits:
 * {@code docs/storage.md}.
 */
package io.runnel.storage;
