package io.runnel.client.admin;

/**
 * What every admin option object has, as in Kafka: a bound on the call ({@code timeoutMs}; null, the
 * default: the client's {@code default.api.timeout.ms}), retries included. Not thread-safe: build it on
 * one thread, then pass it to the call.
 */
public abstract class AbstractOptions<T extends AbstractOptions<T>> {

    private Integer timeoutMs;

    /**
     * Bounds the call to {@code timeoutMs} (null: default.api.timeout.ms).
     *
     * @throws IllegalArgumentException when {@code timeoutMs} is negative
     */
    @SuppressWarnings("unchecked")
    public T timeoutMs(Integer timeoutMs) {
        if (timeoutMs != null && timeoutMs < 0) {
            throw new IllegalArgumentException("timeoutMs must not be negative: " + timeoutMs);
        }
        this.timeoutMs = timeoutMs;
        return (T) this;
    }

    /** The bound set, or null for default.api.timeout.ms. */
    public Integer timeoutMs() {
        return timeoutMs;
    }
}
