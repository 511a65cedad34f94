package io.runnel.client.internal;

import io.runnel.client.producer.ProducerMetrics;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Where the producer records what its metrics report (Kafka's producer metric names, see
 * {@link ProducerMetrics}). Sending threads record record sizes; the sender thread records requests,
 * batches, retries and errors. Thread-safe.
 */
public final class ProducerMetricsRecorder {

    private final LongSupplier clock;
    private final SampledStat recordSend;
    private final SampledStat recordRetry;
    private final SampledStat recordError;
    private final SampledStat batchSize;
    private final SampledStat compressionRate;
    private final SampledStat requestLatency;
    private final SampledStat recordsPerRequest;
    private final SampledStat recordQueueTime;
    private final SampledStat recordSize;
    private final SampledStat batchSplit;
    private final SampledStat requests;
    private final SampledStat outgoingBytes;
    private final LongAdder recordSendTotal = new LongAdder();
    private final LongAdder recordRetryTotal = new LongAdder();
    private final LongAdder recordErrorTotal = new LongAdder();
    private final LongAdder batchSplitTotal = new LongAdder();
    private final LongAdder requestTotal = new LongAdder();
    private final LongAdder outgoingByteTotal = new LongAdder();
    private final AtomicInteger requestsInFlight = new AtomicInteger();

    public ProducerMetricsRecorder(long windowMs, int samples, LongSupplier clock) {
        this.clock = clock;
        recordSend = new SampledStat(windowMs, samples);
        recordRetry = new SampledStat(windowMs, samples);
        recordError = new SampledStat(windowMs, samples);
        batchSize = new SampledStat(windowMs, samples);
        compressionRate = new SampledStat(windowMs, samples);
        requestLatency = new SampledStat(windowMs, samples);
        recordsPerRequest = new SampledStat(windowMs, samples);
        recordQueueTime = new SampledStat(windowMs, samples);
        recordSize = new SampledStat(windowMs, samples);
        batchSplit = new SampledStat(windowMs, samples);
        requests = new SampledStat(windowMs, samples);
        outgoingBytes = new SampledStat(windowMs, samples);
    }

    // ---- recording ----------------------------------------------------------------------------------

    /** A record of {@code sizeBytes} (its upper bound in a batch) was handed to the producer. */
    public void recordSize(int sizeBytes) {
        recordSize.record(sizeBytes, clock.getAsLong());
    }

    /** A batch went out in a request: its records, bytes, compression ratio and, first time, its queue time. */
    void batchSent(ProducerBatch batch, int sizeBytes, long queueTimeMs, boolean firstSend) {
        long now = clock.getAsLong();
        recordSend.record(batch.recordCount(), now);
        recordSendTotal.add(batch.recordCount());
        batchSize.record(sizeBytes, now);
        compressionRate.record(batch.compressionRatio(), now);
        if (firstSend) {
            recordQueueTime.record(queueTimeMs, now);
        }
    }

    /** A produce request went out with {@code records} records in {@code bytes} bytes. */
    void requestSent(int records, long bytes) {
        long now = clock.getAsLong();
        requests.record(1, now);
        requestTotal.increment();
        recordsPerRequest.record(records, now);
        outgoingBytes.record(bytes, now);
        outgoingByteTotal.add(bytes);
        requestsInFlight.incrementAndGet();
    }

    /** A produce request was answered (or failed) after {@code latencyMs}. */
    void requestCompleted(long latencyMs) {
        requestLatency.record(latencyMs, clock.getAsLong());
        requestsInFlight.decrementAndGet();
    }

    void retried(int records) {
        recordRetry.record(records, clock.getAsLong());
        recordRetryTotal.add(records);
    }

    void failed(int records) {
        recordError.record(records, clock.getAsLong());
        recordErrorTotal.add(records);
    }

    void split() {
        batchSplit.record(1, clock.getAsLong());
        batchSplitTotal.increment();
    }

    // ---- the view -----------------------------------------------------------------------------------

    /** The public view of these statistics, with the buffer pool's sizes. */
    public ProducerMetrics view(String clientId, MemoryPool memory) {
        return new ProducerMetrics(clientId, List.of(
                rate("record-send-rate", "records sent per second", recordSend),
                total("record-send-total", "records sent", recordSendTotal),
                rate("record-retry-rate", "records retried per second", recordRetry),
                total("record-retry-total", "records retried", recordRetryTotal),
                rate("record-error-rate", "records that failed per second", recordError),
                total("record-error-total", "records that failed", recordErrorTotal),
                avg("batch-size-avg", "bytes per batch sent", batchSize),
                max("batch-size-max", "largest batch sent, in bytes", batchSize),
                avg("compression-rate-avg", "compressed / uncompressed size of the batches sent", compressionRate),
                avg("request-latency-avg", "ms from a produce request to its answer", requestLatency),
                max("request-latency-max", "longest ms from a produce request to its answer", requestLatency),
                rate("request-rate", "produce requests sent per second", requests),
                total("request-total", "produce requests sent", requestTotal),
                avg("records-per-request-avg", "records per produce request", recordsPerRequest),
                avg("record-queue-time-avg", "ms a batch waited in the buffer before its first send", recordQueueTime),
                max("record-queue-time-max", "longest ms a batch waited in the buffer before its first send", recordQueueTime),
                avg("record-size-avg", "bytes per record (upper bound in a batch)", recordSize),
                max("record-size-max", "largest record, in bytes (upper bound in a batch)", recordSize),
                rate("batch-split-rate", "batches split per second after the broker found them too large", batchSplit),
                total("batch-split-total", "batches split after the broker found them too large", batchSplitTotal),
                rate("outgoing-byte-rate", "bytes of batches sent per second", outgoingBytes),
                total("outgoing-byte-total", "bytes of batches sent", outgoingByteTotal),
                new ProducerMetrics.Metric("requests-in-flight", "produce requests awaiting an answer", false,
                        requestsInFlight::get),
                new ProducerMetrics.Metric("buffer-available-bytes", "buffer.memory not held by batches", false,
                        memory::availableBytes),
                new ProducerMetrics.Metric("buffer-total-bytes", "buffer.memory", false, memory::totalBytes)));
    }

    private ProducerMetrics.Metric rate(String name, String description, SampledStat stat) {
        return new ProducerMetrics.Metric(name, description, false, () -> stat.rate(clock.getAsLong()));
    }

    private ProducerMetrics.Metric avg(String name, String description, SampledStat stat) {
        return new ProducerMetrics.Metric(name, description, false, () -> stat.avg(clock.getAsLong()));
    }

    private ProducerMetrics.Metric max(String name, String description, SampledStat stat) {
        return new ProducerMetrics.Metric(name, description, false, () -> stat.max(clock.getAsLong()));
    }

    private static ProducerMetrics.Metric total(String name, String description, LongAdder total) {
        return new ProducerMetrics.Metric(name, description, true, total::sum);
    }
}
