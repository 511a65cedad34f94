package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cli.CliRunner;
import io.runnel.node.testing.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compacted topic end to end through the CLI on a real single-node cluster: created with
 * cleanup.policy=compact, 100,000 updates over 1,000 keys produced, and once the broker's cleaner
 * thread has run, a consumer from the beginning reads about one record per key, each key's latest value.
 */
class CompactedTopicEndToEndTest {

    private static final int KEYS = 1_000;
    private static final int UPDATES = 100_000;

    @TempDir
    Path dir;

    @Test
    void aConsumerFromTheBeginningReadsAboutOneRecordPerKeyOnceTheCleanerHasRun() {
        Map<String, String> broker = Map.of("log.cleaner.backoff.ms", "100", "log.cleaner.dedupe.buffer.size", "16777216");
        try (LocalCluster cluster = LocalCluster.singleNode(dir, broker).start()) {
            String bootstrap = cluster.bootstrapServers();
            // Small segments; max.compaction.lag.ms also rolls the active segment (Kafka's rule), so the
            // updates become cleanable once a later record arrives.
            CliRunner.Result created = CliRunner.run("topics", "create", "table", "--partitions", "1",
                    "--config", "cleanup.policy=compact", "--config", "segment.bytes=1048576",
                    "--config", "max.compaction.lag.ms=1000", "--bootstrap-server", bootstrap);
            assertThat(created.exitCode()).as(created.err()).isZero();
            CliRunner.Result described = CliRunner.run("topics", "describe", "table", "--bootstrap-server", bootstrap);
            assertThat(described.out()).contains("\tCleanupPolicy: compact\t");

            StringBuilder input = new StringBuilder();
            Map<String, String> latest = new HashMap<>();
            for (int i = 0; i < UPDATES; i++) {
                String key = "key-" + (i % KEYS);
                String value = "value-" + i;
                input.append(key).append(':').append(value).append('\n');
                latest.put(key, value);
            }
            assertThat(produce(bootstrap, input.toString()).exitCode()).isZero();

            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                // A "tick" record rolls the active segment once max.compaction.lag.ms has passed.
                produce(bootstrap, "tick:now\n");
                return consumeAll(bootstrap).size() <= KEYS + 100;
            });

            List<String[]> records = consumeAll(bootstrap);
            Map<String, String> seen = new HashMap<>();
            for (String[] record : records) {
                seen.put(record[0], record[1]);
            }
            seen.remove("tick");
            assertThat(records.size()).isBetween(KEYS, KEYS + 100);
            assertThat(seen).isEqualTo(latest);
        }
    }

    private static CliRunner.Result produce(String bootstrap, String lines) {
        return CliRunner.runWithInput(lines, "produce", "table", "--key-separator", ":", "--bootstrap-server", bootstrap);
    }

    /** Every record of the topic from the beginning, as (key, value). */
    private static List<String[]> consumeAll(String bootstrap) {
        CliRunner.Result consumed = CliRunner.run("consume", "table", "--from-beginning", "--timeout-ms", "3000",
                "--print-key", "--bootstrap-server", bootstrap);
        assertThat(consumed.exitCode()).as(consumed.err()).isZero();
        List<String[]> records = new ArrayList<>();
        consumed.out().lines().forEach(line -> records.add(Arrays.copyOf(line.split("\t", 2), 2)));
        return records;
    }
}
