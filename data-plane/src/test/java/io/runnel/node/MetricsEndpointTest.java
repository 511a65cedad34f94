package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.node.testing.LocalCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsEndpointTest {

    @Test
    void prometheusEndpointServesBrokerAndControllerMetrics(@TempDir Path dir) throws Exception {
        try (LocalCluster cluster = LocalCluster.singleNode(dir, Map.of("metrics.port", "0")).start()) {
            int port = cluster.node(1).metricsPort().orElseThrow();
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("runnel_broker_partitions").contains("runnel_broker_under_replicated_partitions")
                    .contains("runnel_log_cleaner_max_dirty_percent", "runnel_log_cleaner_cleaner_recopy_percent",
                            "runnel_log_cleaner_max_clean_time_secs", "runnel_log_cleaner_max_compaction_delay_secs");
        }
    }
}
