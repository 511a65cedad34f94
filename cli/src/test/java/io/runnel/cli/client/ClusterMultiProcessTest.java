package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.cli.CliRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real multi-process cluster through scripts/cluster: 3 controllers and 2 brokers as separate JVMs,
 * a topic with a partition on each broker, a broker killed with -9 (seen dead and then fenced),
 * restarted, and every acknowledged record read back. Replication factor 1: follower replication is not
 * built yet, so acks=all on more replicas cannot complete.
 *
 * <p>It runs in every build, without a nested Maven build: the nodes are started by a launcher written
 * for the test that runs {@code io.runnel.cli.Main} on the class path this build already compiled (what
 * scripts/runnel does with the packaged jar), with small heaps so five JVMs fit a 2-core CI machine.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ClusterMultiProcessTest {

    @TempDir
    Path temp;

    private Map<String, String> environment;

    @BeforeEach
    void launcher() throws Exception {
        environment = Map.of("RUNNEL", TestLauncher.write(temp.resolve("runnel")).toString(),
                "CLUSTER_START_TIMEOUT_S", "150", "CLUSTER_STOP_TIMEOUT_S", "30");
    }

    @AfterEach
    void stop() throws Exception {
        if (Files.exists(temp.resolve("cluster/nodes"))) {
            ScriptProcess.run(environment, 120, "stop", "--dir", temp.resolve("cluster").toString());
        }
    }

    @Test
    void killAndRestartABroker() throws Exception {
        String dir = temp.resolve("cluster").toString();
        int base = ScriptProcess.freePortRange(8);
        ScriptProcess.Result started = ScriptProcess.run(environment, 240, "start", "--controllers", "3",
                "--brokers", "2", "--dir", dir, "--base-port", Integer.toString(base));
        assertThat(started.exitCode()).as(started.err()).isZero();
        String bootstrap = started.out().strip().replaceFirst("^bootstrap: ", "");
        assertThat(bootstrap).isEqualTo("127.0.0.1:" + (base + 6) + ",127.0.0.1:" + (base + 7));

        // `start` printed the bootstrap line only once every broker was ready: a topic spread over both is placed at once.
        CliRunner.Result created = CliRunner.run("topics", "create", "spread", "--partitions", "2", "--replication-factor", "1",
                "--bootstrap-server", bootstrap);
        assertThat(created.exitCode()).as(created.err()).isZero();
        CliRunner.Result produced = CliRunner.runWithInput("one\ntwo\nthree\n", "produce", "spread", "--acks", "1",
                "--bootstrap-server", bootstrap);
        assertThat(produced.exitCode()).as(produced.err()).isZero();

        assertThat(ScriptProcess.run(environment, 60, "kill", "101", "--dir", dir).exitCode()).isZero();
        assertThat(ScriptProcess.run(environment, 60, "status", "--dir", dir).out())
                .containsPattern("(?m)^101 broker 127\\.0\\.0\\.1:" + (base + 6) + " \\d+ dead$");
        String survivor = "127.0.0.1:" + (base + 7);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                CliRunner.run("cluster", "describe", "--bootstrap-server", survivor).out())
                .containsPattern("Broker: 101\\t.*\\tFenced: true"));

        ScriptProcess.Result restarted = ScriptProcess.run(environment, 240, "restart", "101", "--dir", dir);
        assertThat(restarted.exitCode()).as(restarted.err()).isZero();
        // `restart` returns once the broker is ready, so it is unfenced already.
        assertThat(CliRunner.run("cluster", "describe", "--bootstrap-server", bootstrap).out())
                .containsPattern("Broker: 101\\t.*\\tFenced: false");

        CliRunner.Result consumed = CliRunner.run("consume", "spread", "--from-beginning",
                "--max-messages", "3", "--timeout-ms", "30000", "--bootstrap-server", bootstrap);
        assertThat(consumed.out().lines()).containsExactlyInAnyOrder("one", "two", "three");
    }
}
