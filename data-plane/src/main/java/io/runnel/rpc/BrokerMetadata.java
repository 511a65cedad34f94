package io.runnel.rpc;

import io.runnel.metadata.image.MetadataImage;
import java.util.concurrent.CompletableFuture;

/** What the broker's RPC services read from the metadata layer. Implementations are thread-safe. */
public interface BrokerMetadata {

    /** The newest metadata image this broker applied. */
    MetadataImage image();

    String clusterId();

    /** The active controller as last seen, -1 when unknown. */
    int activeControllerId();

    /** Completes once this broker has applied the metadata log up to {@code offset}. */
    CompletableFuture<MetadataImage> awaitOffset(long offset);
}
