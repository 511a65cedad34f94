/**
 * What a broker or tool embeds to use the metadata quorum: {@link io.runnel.metadata.client.ControllerChannel}
 * (calls to the active controller, wherever it is), {@link io.runnel.metadata.client.MetadataLoader}
 * (a local copy of the image, fed by FetchMetadata) and
 * {@link io.runnel.metadata.client.BrokerLifecycleManager} (registration, heartbeats, controlled
 * shutdown). Knows neither Ratis nor RocksDB.
 */
package io.runnel.metadata.client;
