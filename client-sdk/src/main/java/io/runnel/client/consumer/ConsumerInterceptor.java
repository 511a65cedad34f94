package io.runnel.client.consumer;

import io.runnel.common.TopicPartition;
import java.util.Map;

/**
 * Sees what the consumer hands out and commits (Kafka's interface of the same name), configured with
 * {@code interceptor.classes}; several form a chain in that order. Runs on the consumer's thread. An
 * exception thrown by an interceptor is logged and the chain continues with the previous result, as in Kafka.
 */
public interface ConsumerInterceptor<K, V> extends AutoCloseable {

    /** Called before poll returns; may filter or change the records. */
    ConsumerRecords<K, V> onConsume(ConsumerRecords<K, V> records);

    /** Called after offsets were committed successfully. */
    void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets);

    /** Called with the consumer's configuration (every key given) after construction. */
    default void configure(Map<String, ?> configs) {
    }

    @Override
    default void close() {
    }
}
