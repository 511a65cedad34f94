package io.runnel.metadata.client;

import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;

/**
 * Receives every metadata change a {@link MetadataLoader} applies, in offset order, on the loader's
 * single thread; must not block for long, since the next change waits for it.
 *
 * <p>After a snapshot ({@code delta.base()} is {@link MetadataImage#EMPTY} while the previous image was
 * not), the delta describes the whole new image: a publisher then reconciles its state with
 * {@code newImage} rather than with the delta alone.
 */
@FunctionalInterface
public interface MetadataPublisher {
    void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage);
}
