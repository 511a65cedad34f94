package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.cli.CliRunner;
import io.runnel.node.testing.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cluster describe and metadata dump against an in-process quorum of 3 controllers and 2 brokers. */
class ClusterCommandsIntegrationTest {

    @TempDir
    Path dir;

    @Test
    void describeShowsTheQuorumAndEveryBrokerAndDumpWorksFromAnyController() {
        try (LocalCluster cluster = LocalCluster.of(dir, 3, 2, Map.of()).start()) {
            String bootstrap = cluster.bootstrapServers();

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                CliRunner.Result result = CliRunner.run("cluster", "describe", "--bootstrap-server", bootstrap);
                assertThat(result.exitCode()).as(result.err()).isZero();
                List<String> lines = result.out().lines().toList();
                assertThat(lines.get(0)).startsWith("ClusterId: " + cluster.clusterId() + "\tActiveController: ");
                assertThat(lines).filteredOn(line -> line.startsWith("Controller: ")).hasSize(3)
                        .filteredOn(line -> line.contains("\tActive: true\t")).hasSize(1);
                assertThat(lines).filteredOn(line -> line.startsWith("Broker: ")).hasSize(2)
                        .allMatch(line -> line.contains("\tFenced: false\t"));
            });

            assertThat(CliRunner.run("topics", "create", "quorum-topic", "--partitions", "4",
                    "--replication-factor", "2", "--bootstrap-server", bootstrap).exitCode()).isZero();
            for (int controller : cluster.controllerIds()) {
                String address = "127.0.0.1:" + cluster.node(controller).port("CONTROLLER").orElseThrow();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    CliRunner.Result dump = CliRunner.run("metadata", "dump", "--bootstrap-controller", address,
                            "--timeout-ms", "5000");
                    assertThat(dump.exitCode()).as(dump.err()).isZero();
                    assertThat(dump.out()).contains("TopicRecord\tname: \"quorum-topic\"", "RegisterBrokerRecord\tbroker_id: 102");
                });
            }
        }
    }
}
