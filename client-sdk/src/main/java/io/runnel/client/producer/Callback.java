package io.runnel.client.producer;

/**
 * Told once when a send completes: {@code metadata} on success, else {@code exception} (usually an
 * {@link io.runnel.common.errors.ApiException} with the broker's or the client's error code) with
 * {@code metadata} null. Runs on the producer's I/O thread, so it must be quick and must not block;
 * callbacks for records of one partition run in send order, each before its record's future completes.
 */
@FunctionalInterface
public interface Callback {
    void onCompletion(RecordMetadata metadata, Exception exception);
}
