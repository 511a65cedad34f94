package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.metadata.testing.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue as a user met it: start {@code runnel server} (a real process running {@link Main}) and, the
 * moment {@code runnel topics list} succeeds, create a topic with one replica; it must succeed on every
 * start, and a normal start logs no warning. A few starts in a row (each a JVM start, a Ratis election
 * and a registration); the in-process {@code BrokerReadinessTest} repeats the race more often.
 */
class ServerReadinessProcessTest {

    private static final int STARTS = 3;

    @TempDir
    Path dir;

    private Process server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroy();
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aTopicCreatedAsSoonAsTopicsListSucceedsIsCreated() throws Exception {
        for (int start = 0; start < STARTS; start++) {
            int brokerPort = freePort();
            int controllerPort = FreePorts.adjacentPair();
            Path log = dir.resolve("server-" + start + ".log");
            server = startServer(brokerPort, controllerPort, dir.resolve("data-" + start), log);
            String bootstrap = "127.0.0.1:" + brokerPort;

            // Until the port is bound the CLI cannot connect and fails; the first success is the moment to act.
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                    .until(() -> CliRunner.run("topics", "list", "--bootstrap-server", bootstrap).exitCode() == 0);
            CliRunner.Result created = CliRunner.run("topics", "create", "t", "--partitions", "1", "--replication-factor", "1",
                    "--bootstrap-server", bootstrap);

            assertThat(created.exitCode()).as("start %d: %s", start, created.err()).isZero();
            server.destroy();
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("server stops on SIGTERM").isTrue();
            assertThat(Files.readAllLines(log)).as("warnings of start %d (%s)", start, log)
                    .noneMatch(line -> line.contains(" WARN ") || line.contains(" ERROR "));
        }
    }

    private static Process startServer(int brokerPort, int controllerPort, Path data, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "io.runnel.cli.Main", "server",
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "--override", "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "--override", "log.dirs=" + data)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
