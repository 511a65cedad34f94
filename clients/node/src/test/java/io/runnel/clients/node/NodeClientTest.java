package io.runnel.clients.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.node.testing.LocalCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Node.js client's own tests (clients/node/test, {@code npm test}) against a real single node
 * started here, so {@code mvn -B verify} proves that a client written from proto/ in another language works.
 * {@code npm ci} installs the exact packages of package-lock.json first (from npm's cache when it has them).
 * Without Node.js 18+ and npm on the PATH the test is skipped with a message saying what to install; the
 * rest of the build does not need them.
 */
class NodeClientTest {

    static final int NODE_MAJOR_MIN = 18;
    static final long INSTALL_TIMEOUT_SECONDS = 600;
    static final long TEST_TIMEOUT_SECONDS = 300;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = INSTALL_TIMEOUT_SECONDS + TEST_TIMEOUT_SECONDS + 120, unit = TimeUnit.SECONDS)
    void theNodeClientsTestsPassAgainstARealNode() throws Exception {
        Optional<String> node = version("node");
        skipUnless(node.isPresent() && version("npm").isPresent(), "Node.js and npm are not on the PATH:"
                + " skipping the Node.js client's tests. Install Node.js " + NODE_MAJOR_MIN + " or later (with npm) to run"
                + " them; see clients/node/README.md");
        int major = Integer.parseInt(node.get().replaceFirst("^v", "").split("\\.")[0]);
        skipUnless(major >= NODE_MAJOR_MIN, "Node.js " + node.get() + " is older than " + NODE_MAJOR_MIN
                + " (node --test needs it): skipping the Node.js client's tests");

        Path project = Path.of("").toAbsolutePath(); // this module's directory: package.json is here
        Result install = run(project, Map.of(), INSTALL_TIMEOUT_SECONDS, "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund");
        assertThat(install.exitCode()).as("npm ci failed:%n%s", install.output()).isZero();

        try (LocalCluster cluster = LocalCluster.singleNode(dir).start()) {
            Result tests = run(project, Map.of("RUNNEL_BOOTSTRAP", cluster.bootstrapServers()), TEST_TIMEOUT_SECONDS, "npm", "test");
            System.out.println(tests.output());
            assertThat(tests.exitCode()).as("npm test failed:%n%s", tests.output()).isZero();
            assertThat(tests.output()).as("the tests against the node ran (were not skipped)")
                    .contains("# pass").doesNotContain("# skipped 1").contains("the client against a real node");
        }
    }

    /** Skips the test with {@code message}, also printed into the test's output file (target/surefire-reports). */
    private static void skipUnless(boolean condition, String message) {
        if (!condition) {
            System.out.println("NodeClientTest: " + message);
        }
        Assumptions.assumeTrue(condition, message);
    }

    record Result(int exitCode, String output) {
    }

    /** The output of {@code command --version}, or empty when the command is not on the PATH. */
    private static Optional<String> version(String command) {
        try {
            Result result = run(Path.of("").toAbsolutePath(), Map.of(), 60, command, "--version");
            return result.exitCode() == 0 ? Optional.of(result.output().trim()) : Optional.empty();
        } catch (IOException notFound) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Runs a command in {@code directory}, output and errors together, bounded by {@code timeoutSeconds}. */
    private static Result run(Path directory, Map<String, String> environment, long timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("node-client", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(directory.toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, String.join(" ", command) + " did not finish within " + timeoutSeconds + " s:\n"
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
