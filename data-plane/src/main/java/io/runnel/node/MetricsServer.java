package io.runnel.node;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Serves a node's metrics in Prometheus text format at {@code GET /metrics} on {@code metrics.port}
 * (JDK HTTP server, one thread: scrapes come every few seconds at most, and one at a time keeps the
 * refresh before each scrape single-threaded). Thread-safe.
 */
final class MetricsServer implements AutoCloseable {

    /** Connections waiting to be accepted at most. */
    private static final int BACKLOG = 16;

    private final HttpServer server;

    MetricsServer(Supplier<String> scrape, String host, int port) throws IOException {
        this.server = HttpServer.create(new InetSocketAddress(host, port), BACKLOG);
        server.createContext("/metrics", exchange -> {
            try (exchange) {
                if (!"GET".equals(exchange.getRequestMethod())) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                byte[] body = scrape.get().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
