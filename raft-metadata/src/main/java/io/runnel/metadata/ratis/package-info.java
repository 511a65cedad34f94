/**
 * The Ratis shell of the metadata log: {@link io.runnel.metadata.ratis.MetadataStateMachine} applies
 * committed {@code MetadataBatch} entries to the image with the pure image/delta code, persists them in
 * RocksDB ({@link io.runnel.metadata.ratis.MetadataStore}) and snapshots the store as RocksDB
 * checkpoints ({@link io.runnel.metadata.ratis.MetadataSnapshotStorage}). Knows the image, not the
 * controller's decisions, the server or the clients.
 */
package io.runnel.metadata.ratis;
