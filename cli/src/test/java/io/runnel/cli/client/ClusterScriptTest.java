package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/cluster's process management (start, status, kill, restart, stop, start again on the same
 * directory, errors) with a stand-in launcher whose "server" only listens on its port, so the test
 * needs no JVM per node. The real cluster is exercised by {@link ClusterMultiProcessTest}.
 */
class ClusterScriptTest {

    @TempDir
    Path temp;

    private Map<String, String> environment;
    private Path clusterDir;

    @BeforeEach
    void fakeLauncher() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")) || Files.isExecutable(Path.of("/bin/python3")),
                "the stand-in launcher needs python3");
        Path launcher = temp.resolve("runnel");
        try (InputStream script = getClass().getResourceAsStream("fake-runnel.sh")) {
            Files.copy(script, launcher, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        environment = Map.of("RUNNEL", launcher.toString(), "CLUSTER_START_TIMEOUT_S", "30");
        clusterDir = temp.resolve("cluster");
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (Files.exists(clusterDir.resolve("nodes"))) {
            ScriptProcess.run(environment, 60, "stop", "--dir", clusterDir.toString());
        }
    }

    private ScriptProcess.Result cluster(String... args) throws Exception {
        return ScriptProcess.run(environment, 60, args);
    }

    @Test
    void startStatusKillRestartStop() throws Exception {
        int base = ScriptProcess.freePortRange(8);

        ScriptProcess.Result started = cluster("start", "--controllers", "3", "--brokers", "2",
                "--dir", clusterDir.toString(), "--base-port", Integer.toString(base));

        assertThat(started.exitCode()).as(started.err()).isZero();
        assertThat(started.out().lines()).containsExactly(
                "bootstrap: 127.0.0.1:" + (base + 6) + ",127.0.0.1:" + (base + 7));
        assertThat(Files.readString(clusterDir.resolve("node-2/server.properties"))).contains(
                "process.roles=controller", "node.id=2", "listeners=CONTROLLER://127.0.0.1:" + (base + 2),
                "controller.quorum.voters=1@127.0.0.1:" + base + ",2@127.0.0.1:" + (base + 2) + ",3@127.0.0.1:" + (base + 4));
        assertThat(Files.readString(clusterDir.resolve("node-101/server.properties"))).contains(
                "process.roles=broker", "node.id=101", "listeners=PLAINTEXT://127.0.0.1:" + (base + 6));
        assertThat(Files.readString(clusterDir.resolve("node-102/data/meta.properties"))).isEqualTo("cluster.id=fake-cluster-id\n");
        assertThat(statusStates()).containsExactly("1 controller alive", "2 controller alive", "3 controller alive",
                "101 broker alive", "102 broker alive");

        assertThat(cluster("kill", "101", "--dir", clusterDir.toString()).out()).isEqualTo("killed: node 101\n");
        assertThat(statusStates()).contains("101 broker dead", "102 broker alive");

        ScriptProcess.Result restarted = cluster("restart", "101", "--dir", clusterDir.toString());
        assertThat(restarted.exitCode()).as(restarted.err()).isZero();
        assertThat(statusStates()).contains("101 broker alive");

        assertThat(cluster("stop", "--dir", clusterDir.toString()).exitCode()).isZero();
        assertThat(statusStates()).allMatch(line -> line.endsWith(" dead"));

        ScriptProcess.Result again = cluster("start", "--controllers", "3", "--brokers", "2", "--dir", clusterDir.toString());
        assertThat(again.out()).isEqualTo(started.out());
        assertThat(statusStates()).allMatch(line -> line.endsWith(" alive"));
    }

    @Test
    void errorsAreOneClearLine() throws Exception {
        int base = ScriptProcess.freePortRange(4);
        assertThat(cluster("start", "--controllers", "1", "--brokers", "1", "--dir", clusterDir.toString(),
                "--base-port", Integer.toString(base)).exitCode()).isZero();

        ScriptProcess.Result running = cluster("start", "--controllers", "1", "--brokers", "1", "--dir", clusterDir.toString());
        assertThat(running.exitCode()).isEqualTo(1);
        assertThat(running.err()).startsWith("cluster: node 1 of '").contains("is already running");

        ScriptProcess.Result reshaped = cluster("start", "--controllers", "3", "--brokers", "1", "--dir", clusterDir.toString());
        assertThat(reshaped.err()).contains("holds a cluster of 1 controllers and 1 brokers");

        ScriptProcess.Result unknownNode = cluster("kill", "7", "--dir", clusterDir.toString());
        assertThat(unknownNode.exitCode()).isEqualTo(1);
        assertThat(unknownNode.err()).isEqualTo("cluster: no node 7 in '" + clusterDir.toRealPath() + "'; nodes are: 1 101 \n");

        ScriptProcess.Result badCount = cluster("start", "--controllers", "zero", "--dir", temp.resolve("other").toString());
        assertThat(badCount.err()).isEqualTo("cluster: --controllers must be 1..9, got 'zero'\n");

        ScriptProcess.Result noCluster = cluster("status", "--dir", temp.resolve("none").toString());
        assertThat(noCluster.exitCode()).isEqualTo(1);
        assertThat(noCluster.err()).contains("no cluster in");
    }

    @Test
    void aNodeThatDiesDuringStartFailsTheStartWhichStopsTheOthers() throws Exception {
        int base = ScriptProcess.freePortRange(4);
        Map<String, String> failingBrokers = new java.util.HashMap<>(environment);
        failingBrokers.put("FAKE_FAIL_ROLE", "broker");

        ScriptProcess.Result result = ScriptProcess.run(failingBrokers, 60, "start", "--controllers", "1", "--brokers", "1",
                "--dir", clusterDir.toString(), "--base-port", Integer.toString(base));

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).contains("cluster: node 101 exited during start-up; last lines of ",
                "unknown configuration key 'x'", "cluster: start failed; stopping the nodes it started");
        assertThat(statusStates()).containsExactly("1 controller dead", "101 broker dead");
    }

    /**
     * A node's pid file that names a pid now used by an unrelated process (the node died, the pid was
     * reused): the script reports the node dead and never signals that process, whatever the command.
     */
    @Test
    void aReusedPidIsNeverSignalled() throws Exception {
        int base = ScriptProcess.freePortRange(4);
        assertThat(cluster("start", "--controllers", "1", "--brokers", "1", "--dir", clusterDir.toString(),
                "--base-port", Integer.toString(base)).exitCode()).isZero();
        assertThat(cluster("kill", "101", "--dir", clusterDir.toString()).exitCode()).isZero();
        Path pidFile = clusterDir.resolve("node-101/node.pid");
        List<String> recorded = Files.readAllLines(pidFile);
        assertThat(recorded).hasSize(2);

        Process unrelated = new ProcessBuilder("sleep", "600").start();
        try {
            // The unrelated process has the node's pid now, but not the start time recorded at launch.
            Files.write(pidFile, List.of(Long.toString(unrelated.pid()), recorded.get(1)));

            assertThat(statusStates()).contains("101 broker dead");
            ScriptProcess.Result kill = cluster("kill", "101", "--dir", clusterDir.toString());
            assertThat(kill.exitCode()).isEqualTo(1);
            assertThat(kill.err()).isEqualTo("cluster: node 101 is not running\n");
            assertThat(cluster("stop", "--dir", clusterDir.toString()).exitCode()).isZero();
            assertThat(unrelated.isAlive()).as("the process that reused the pid").isTrue();
        } finally {
            unrelated.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** status lines without the pid column: "id roles state". */
    private List<String> statusStates() throws Exception {
        ScriptProcess.Result status = cluster("status", "--dir", clusterDir.toString());
        assertThat(status.exitCode()).as(status.err()).isZero();
        return status.out().lines().map(line -> {
            String[] fields = line.split(" ");
            assertThat(fields).hasSize(5);
            return fields[0] + " " + fields[1] + " " + fields[4];
        }).toList();
    }
}
