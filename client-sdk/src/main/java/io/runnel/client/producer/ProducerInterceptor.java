package io.runnel.client.producer;

import java.util.Map;

/**
 * Sees every record a producer sends and every acknowledgement, as Kafka's interceptors do: named by
 * {@code interceptor.classes} (a public no-argument constructor each), created once per producer,
 * {@linkplain #configure configured} with the producer's settings, and called in the listed order.
 *
 * <ul>
 *   <li>{@link #onSend} runs on the sending thread before the key and value are serialized and before the
 *       partition is chosen; the record it returns is what the next interceptor (and then the producer)
 *       sees, so it may change the record;</li>
 *   <li>{@link #onAcknowledgement} runs on the producer's I/O thread when a record is acknowledged or fails
 *       (then {@code metadata} holds the topic and partition, -1 for the rest, and {@code exception} the
 *       cause), before the send's callback; keep it short, it holds up every other acknowledgement. A send
 *       that fails before a partition was chosen (serialization, metadata) is acknowledged on the sending
 *       thread with {@code metadata} null.</li>
 * </ul>
 * An interceptor that throws is logged and skipped: the chain goes on with the record the previous
 * interceptor returned, and the send goes on. Several threads may call one interceptor at once, so an
 * implementation must be thread-safe.
 */
public interface ProducerInterceptor<K, V> extends AutoCloseable {

    /** The record to send instead of {@code record} (the same one to change nothing). */
    ProducerRecord<K, V> onSend(ProducerRecord<K, V> record);

    /** A record was acknowledged ({@code exception} null) or failed. */
    void onAcknowledgement(RecordMetadata metadata, Exception exception);

    /** Receives the producer's settings (as given, plus {@code client.id}) before any other call. */
    default void configure(Map<String, ?> configs) {
    }

    /** The producer is closing. */
    @Override
    default void close() {
    }
}
