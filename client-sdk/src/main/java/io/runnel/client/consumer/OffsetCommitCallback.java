package io.runnel.client.consumer;

import io.runnel.common.TopicPartition;
import java.util.Map;

/**
 * Told the outcome of {@code commitAsync}, on the consumer's thread during a later {@code poll},
 * {@code commitSync} or {@code close}. {@code exception} is null on success.
 */
@FunctionalInterface
public interface OffsetCommitCallback {
    void onComplete(Map<TopicPartition, OffsetAndMetadata> offsets, Exception exception);
}
