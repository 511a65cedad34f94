package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.testing.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Runnel server ({@code runnel server}, both roles) in a JVM of its own, on loopback ports
 * chosen once, so it can be killed with SIGKILL and started again on the same directory and ports. Its
 * standard error goes to a file in the directory. Not thread-safe: one test drives it.
 */
final class SingleServerProcess implements AutoCloseable {

    private final Path dir;
    private final int brokerPort;
    private final int controllerPort;
    private Process process;

    SingleServerProcess(Path dir) throws IOException {
        this.dir = dir;
        this.brokerPort = freePort();
        this.controllerPort = FreePorts.adjacentPair();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    String bootstrap() {
        return "127.0.0.1:" + brokerPort;
    }

    /** Starts the server and waits (up to 90 s) until it says it is up. */
    void start() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "io.runnel.cli.Main", "server",
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "--override", "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "--override", "log.dirs=" + dir.resolve("data"))
                .redirectErrorStream(false)
                .redirectError(dir.resolve("server-" + System.nanoTime() + ".log").toFile());
        process = builder.start();
        Process started = process;
        CountDownLatch ready = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("Runnel node")) {
                        ready.countDown();
                    }
                }
            } catch (IOException e) {
                // the process died; the latch timeout reports it
            }
        });
        reader.setDaemon(true);
        reader.start();
        assertThat(ready.await(90, TimeUnit.SECONDS)).as("server process started (log in " + dir + ")").isTrue();
    }

    /** SIGKILL: no shutdown hook, no flush, no snapshot; waits until the process is gone. */
    void killNine() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
