package io.runnel.purgatory;

/**
 * Told once about every operation that waited in a {@link DelayedOperationPurgatory}: how long it waited
 * and whether its delay ran out (Kafka's purgatory time and ExpiresPerSec metrics). Called on the thread
 * that completed the operation (a request thread, or the purgatory's timer thread for an expiration), so
 * it must be quick and must not block. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface PurgatoryListener {

    PurgatoryListener NONE = (waitedNs, expired) -> { };

    void onCompleted(long waitedNs, boolean expired);
}
