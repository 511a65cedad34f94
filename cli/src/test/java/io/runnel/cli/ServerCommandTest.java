package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up configuration errors stop {@code runnel server} with one line naming the problem. */
class ServerCommandTest {

    private static CliRunner.Result run(String... args) {
        return CliRunner.run(args);
    }

    @Test
    void unknownOverrideKeyIsNamed() {
        CliRunner.Result result = run("server", "--override", "log.retention.hourz=5");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err().strip()).isEqualTo("Error: unknown configuration 'log.retention.hourz'");
    }

    @Test
    void invalidValueInTheConfigFileIsNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "num.partitions=many\n");
        CliRunner.Result result = run("server", "--config", file.toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("Error: ").contains("num.partitions").contains("many");
        assertThat(result.err().lines()).hasSize(1);
    }

    @Test
    void malformedQuorumVotersAreNamed(@TempDir Path dir) {
        CliRunner.Result result = run("server", "--override", "controller.quorum.voters=1@localhost", "--override", "log.dirs=" + dir);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("Error: ").contains("1@localhost");
    }

    @Test
    void verboseAddsTheStackTrace() {
        CliRunner.Result result = run("server", "--verbose", "--override", "nope=1");
        assertThat(result.err()).startsWith("Error: unknown configuration 'nope'").contains("at io.runnel");
    }

    @Test
    void storageRandomUuidPrintsAClusterId() {
        CliRunner.Result result = run("storage", "random-uuid");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out().strip()).matches("[A-Za-z0-9_-]{22}");
    }
}
