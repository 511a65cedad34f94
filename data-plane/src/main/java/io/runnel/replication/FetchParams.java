package io.runnel.replication;

/**
 * Request-wide fetch bounds: answer once {@code minBytes} are available or {@code maxWaitMs} passed;
 * never return more than {@code maxBytes} in all (but at least one batch, so progress is possible).
 */
public record FetchParams(int maxWaitMs, int minBytes, int maxBytes) {

    /** Longest a fetch may wait, whatever the client asks: bounds the purgatory's memory. */
    public static final int MAX_WAIT_MS_MAX = 30_000;

    public FetchParams {
        maxWaitMs = Math.max(0, Math.min(maxWaitMs, MAX_WAIT_MS_MAX));
        minBytes = Math.max(0, minBytes);
        maxBytes = maxBytes <= 0 ? Integer.MAX_VALUE : maxBytes;
    }
}
