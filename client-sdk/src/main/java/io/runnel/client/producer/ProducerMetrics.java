package io.runnel.client.producer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.DoubleSupplier;

/**
 * A producer's metrics under Kafka's producer metric names (group {@value #GROUP}): read them with
 * {@link #value} or {@link #values}, or bind them to any Micrometer {@link MeterRegistry}, where each is a
 * gauge (rates, averages, maxima, buffer sizes) or a function counter (the {@code *-total} counts) named as
 * in Kafka and tagged {@code client-id}. Rates, averages and maxima are over the last
 * {@code metrics.num.samples} windows of {@code metrics.sample.window.ms} (Kafka's defaults: 2 × 30 s); an
 * average or maximum with nothing recorded in that time is NaN. See docs/client.md for the list.
 *
 * <p>Thread-safe: values are read from the producer's live statistics.
 */
public final class ProducerMetrics implements MeterBinder {

    public static final String GROUP = "producer-metrics";

    /** One metric: its Kafka name, what it measures, whether it is a cumulative count, and its value. */
    public record Metric(String name, String description, boolean counter, DoubleSupplier value) {
    }

    private final String clientId;
    private final Map<String, Metric> metrics = new LinkedHashMap<>();

    /** Built by the producer. */
    public ProducerMetrics(String clientId, List<Metric> metrics) {
        this.clientId = clientId;
        for (Metric metric : metrics) {
            this.metrics.put(metric.name(), metric);
        }
    }

    public String clientId() {
        return clientId;
    }

    /** The current value of the metric named {@code name} (Kafka's name, e.g. record-send-rate). */
    public double value(String name) {
        Metric metric = metrics.get(name);
        if (metric == null) {
            throw new NoSuchElementException("no producer metric named '" + name + "'; known: " + metrics.keySet());
        }
        return metric.value().getAsDouble();
    }

    /** Every metric's current value, by name, in a stable order. */
    public Map<String, Double> values() {
        Map<String, Double> values = new LinkedHashMap<>();
        metrics.forEach((name, metric) -> values.put(name, metric.value().getAsDouble()));
        return values;
    }

    /** The metrics' definitions. */
    public List<Metric> metrics() {
        return List.copyOf(metrics.values());
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (Metric metric : metrics.values()) {
            if (metric.counter()) {
                FunctionCounter.builder(metric.name(), metric, m -> m.value().getAsDouble())
                        .description(metric.description()).tag("client-id", clientId).tag("group", GROUP)
                        .register(registry);
            } else {
                Gauge.builder(metric.name(), metric, m -> m.value().getAsDouble())
                        .description(metric.description()).tag("client-id", clientId).tag("group", GROUP)
                        .register(registry);
            }
        }
    }
}
