package io.runnel.client.internal;

import io.runnel.client.producer.ProducerInterceptor;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.common.TopicPartition;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chain of a producer's {@link ProducerInterceptor}s: calls each in order and keeps going when one
 * throws (logged, as in Kafka). Thread-safe as far as the interceptors are; holds no state of its own.
 */
public final class ProducerInterceptors<K, V> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProducerInterceptors.class);

    private final List<ProducerInterceptor<K, V>> interceptors;

    public ProducerInterceptors(List<ProducerInterceptor<K, V>> interceptors) {
        this.interceptors = List.copyOf(interceptors);
    }

    public boolean isEmpty() {
        return interceptors.isEmpty();
    }

    /** The record after every interceptor's onSend; one that throws passes the record on unchanged. */
    public ProducerRecord<K, V> onSend(ProducerRecord<K, V> record) {
        ProducerRecord<K, V> current = record;
        for (ProducerInterceptor<K, V> interceptor : interceptors) {
            try {
                ProducerRecord<K, V> next = interceptor.onSend(current);
                if (next == null) {
                    LOG.warn("interceptor {} returned no record from onSend; the record is sent as it was",
                            interceptor.getClass().getName());
                } else {
                    current = next;
                }
            } catch (RuntimeException e) {
                LOG.warn("interceptor {} threw in onSend; the chain goes on with the record as it was",
                        interceptor.getClass().getName(), e);
            }
        }
        return current;
    }

    /** Calls every interceptor's onAcknowledgement. */
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        for (ProducerInterceptor<K, V> interceptor : interceptors) {
            try {
                interceptor.onAcknowledgement(metadata, exception);
            } catch (RuntimeException e) {
                LOG.warn("interceptor {} threw in onAcknowledgement", interceptor.getClass().getName(), e);
            }
        }
    }

    /**
     * A send that failed before it reached a batch (serialization, metadata, size): acknowledged as failed,
     * with the topic and partition when the partition was known, else with no metadata.
     */
    public void onSendError(String topic, Integer partition, Exception exception) {
        if (interceptors.isEmpty()) {
            return;
        }
        RecordMetadata metadata = partition == null || partition < 0 ? null
                : new RecordMetadata(new TopicPartition(topic, partition), -1, -1, -1, -1);
        onAcknowledgement(metadata, exception);
    }

    @Override
    public void close() {
        for (ProducerInterceptor<K, V> interceptor : interceptors) {
            try {
                interceptor.close();
            } catch (Exception e) {
                LOG.warn("interceptor {} threw on close", interceptor.getClass().getName(), e);
            }
        }
    }
}
