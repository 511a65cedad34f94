package io.runnel.storage;

import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * How long log flushes take (the fsync of a log's segments, indexes and directory), for Kafka's
 * LogFlushRateAndTimeMs. The {@link LogManager} owns one and gives it to every log it opens; the node
 * attaches a sink (a timer) once its metrics are up. Thread-safe: flushes report from any thread.
 */
public final class LogFlushStats {

    private volatile LongConsumer sink = durationNs -> { };

    /** Sets where flush durations (ns) go from now on. */
    public void setSink(LongConsumer sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    void record(long durationNs) {
        sink.accept(durationNs);
    }
}
