package io.runnel.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's metrics: one Prometheus registry holding the JVM and process meters (Micrometer's binders,
 * under Micrometer's standard names: {@code jvm_memory_used_bytes}, {@code jvm_gc_pause_seconds},
 * {@code process_cpu_usage}, ...), the request metrics of every listener, and whatever the controller
 * and broker register; the refresh hooks that bring dynamic series up to date before each scrape; and,
 * when {@code metrics.port} asks for it, the HTTP endpoint serving them.
 *
 * <p>Thread-safe: refresh hooks are registered at start-up and run on the scrape thread.
 */
final class NodeMetrics implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeMetrics.class);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RequestMetrics requests = new RequestMetrics(registry);
    private final List<Runnable> refreshers = new CopyOnWriteArrayList<>();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private volatile MetricsServer server;

    NodeMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    MeterRegistry registry() {
        return registry;
    }

    RequestMetrics requests() {
        return requests;
    }

    /** Runs {@code refresh} before each scrape (series whose label sets follow the cluster's state). */
    void addRefresh(Runnable refresh) {
        refreshers.add(refresh);
    }

    /** The Prometheus text of every meter, after running the refresh hooks. */
    String scrape() {
        for (Runnable refresh : refreshers) {
            try {
                refresh.run();
            } catch (RuntimeException e) {
                // A failed refresh leaves its series as they were; the rest of the scrape is still good.
                log.warn("Refreshing metrics before a scrape failed: {}", e.toString(), e);
            }
        }
        return registry.scrape();
    }

    /** Starts the HTTP endpoint on {@code host:port} (0: ephemeral); returns the bound port. */
    int serve(String host, int port) throws IOException {
        MetricsServer started = new MetricsServer(this::scrape, host, port);
        server = started;
        return started.port();
    }

    Optional<Integer> port() {
        return Optional.ofNullable(server).map(MetricsServer::port);
    }

    @Override
    public void close() {
        MetricsServer running = server;
        if (running != null) {
            running.close();
        }
        gcMetrics.close();
        registry.close();
    }
}
