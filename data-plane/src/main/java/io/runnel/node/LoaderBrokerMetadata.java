package io.runnel.node;

import io.runnel.metadata.client.ControllerChannel;
import io.runnel.metadata.client.MetadataLoader;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.rpc.BrokerMetadata;
import java.util.concurrent.CompletableFuture;

/** The broker's view of metadata for its RPC services: the loader's image (published once the broker acted on it), plus the active controller. Thread-safe. */
final class LoaderBrokerMetadata implements BrokerMetadata {

    private final MetadataLoader loader;
    private final ControllerChannel channel;
    private final String clusterId;

    LoaderBrokerMetadata(MetadataLoader loader, ControllerChannel channel, String clusterId) {
        this.loader = loader;
        this.channel = channel;
        this.clusterId = clusterId;
    }

    @Override
    public MetadataImage image() {
        return loader.currentImage();
    }

    @Override
    public String clusterId() {
        return clusterId;
    }

    @Override
    public int activeControllerId() {
        return channel.activeController().orElse(-1);
    }

    @Override
    public CompletableFuture<MetadataImage> awaitOffset(long offset) {
        return loader.awaitOffset(offset);
    }
}
