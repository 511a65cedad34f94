package io.runnel.node;

import io.runnel.metadata.client.ControllerChannel;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.rpc.BrokerMetadata;
import java.util.concurrent.CompletableFuture;

/** The broker's view of metadata for its RPC services: the image its publisher acted on, plus the active controller. Thread-safe. */
final class LoaderBrokerMetadata implements BrokerMetadata {

    private final BrokerMetadataPublisher publisher;
    private final ControllerChannel channel;
    private final String clusterId;

    LoaderBrokerMetadata(BrokerMetadataPublisher publisher, ControllerChannel channel, String clusterId) {
        this.publisher = publisher;
        this.channel = channel;
        this.clusterId = clusterId;
    }

    @Override
    public MetadataImage image() {
        return publisher.publishedImage();
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
        return publisher.awaitPublished(offset);
    }
}
