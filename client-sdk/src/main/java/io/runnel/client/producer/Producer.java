package io.runnel.client.producer;

import io.runnel.client.PartitionInfo;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;

/** A thread-safe client that appends records to topic partitions. See {@link RunnelProducer}. */
public interface Producer<K, V> extends Closeable {

    /** Sends asynchronously; the future completes when the broker acknowledges (per {@code acks}) or the send fails. */
    Future<RecordMetadata> send(ProducerRecord<K, V> record);

    /** As {@link #send(ProducerRecord)}, and calls {@code callback} (may be null) on completion. */
    Future<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback);

    /** Makes every buffered record sendable now and blocks until all sends before this call completed. */
    void flush();

    /**
     * The producer's metrics under Kafka's names (record-send-rate, request-latency-avg, ...), readable here
     * and bindable to any Micrometer MeterRegistry.
     */
    ProducerMetrics metrics();

    /** The partitions of {@code topic}, fetching metadata (up to {@code max.block.ms}) if needed. */
    List<PartitionInfo> partitionsFor(String topic);

    /** Sends what is buffered and waits up to {@code timeout} for it; then fails what is left and releases resources. */
    void close(Duration timeout);

    /** {@link #close(Duration)} with no practical bound (Long.MAX_VALUE ms), as in Kafka. */
    @Override
    void close();
}
