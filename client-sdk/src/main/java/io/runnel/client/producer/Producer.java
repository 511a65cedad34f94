package io.runnel.client.producer;

import io.runnel.client.PartitionInfo;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;

/**
 * A thread-safe client that appends records to topic partitions. See {@link RunnelProducer}.
 *
 * <p>Failures of a send are never thrown by {@code send}: its future fails (and its callback is called)
 * with an {@link io.runnel.common.errors.ApiException} of the code's type, e.g.
 * {@link io.runnel.common.errors.UnknownTopicOrPartitionException} for a partition the topic lacks,
 * {@link io.runnel.common.errors.RecordTooLargeException},
 * {@link io.runnel.common.errors.TimeoutException} when {@code max.block.ms} or {@code delivery.timeout.ms}
 * ran out, {@link io.runnel.client.serialization.SerializationException} when a serializer failed.
 */
public interface Producer<K, V> extends Closeable {

    /**
     * Sends asynchronously; the future completes when the broker acknowledges (per {@code acks}) or the send
     * fails (see the class comment for the failures). Blocks only for metadata of a new topic and for buffer
     * memory, both bounded by {@code max.block.ms}.
     *
     * @throws NullPointerException when {@code record} is null
     * @throws IllegalStateException when the producer is closed
     */
    Future<RecordMetadata> send(ProducerRecord<K, V> record);

    /**
     * As {@link #send(ProducerRecord)}, and calls {@code callback} (may be null) on completion.
     *
     * @throws NullPointerException when {@code record} is null
     * @throws IllegalStateException when the producer is closed
     */
    Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback);

    /**
     * Makes every buffered record sendable now and blocks until all sends before this call completed
     * (successfully or not: failures are in their futures).
     *
     * @throws io.runnel.common.errors.TimeoutException when the calling thread is interrupted
     */
    void flush();

    /**
     * The producer's metrics under Kafka's names (record-send-rate, request-latency-avg, ...), readable here
     * and bindable to any Micrometer MeterRegistry.
     */
    ProducerMetrics metrics();

    /**
     * The partitions of {@code topic}, fetching metadata (up to {@code max.block.ms}) if needed.
     *
     * @throws io.runnel.common.errors.TimeoutException when the topic is not in the metadata within max.block.ms
     * @throws io.runnel.common.errors.ApiException with the cluster's non-retriable error for the topic,
     *         e.g. {@link io.runnel.common.errors.InvalidTopicException}
     * @throws IllegalStateException when the producer is closed
     */
    List<PartitionInfo> partitionsFor(String topic);

    /**
     * Sends what is buffered and waits up to {@code timeout} for it; then fails what is left and releases
     * resources. Throws nothing; a second close does nothing.
     */
    void close(Duration timeout);

    /** {@link #close(Duration)} with no practical bound (Long.MAX_VALUE ms), as in Kafka. */
    @Override
    void close();
}
