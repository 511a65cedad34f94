package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cli.CliRunner;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every leaf command prints usage with --help and carries the shared client options (through {@code runnel}). */
class HelpTest {

    static Stream<Arguments> commands() {
        return Stream.of(
                Arguments.of("topics", "create"),
                Arguments.of("topics", "list"),
                Arguments.of("topics", "describe"),
                Arguments.of("topics", "delete"),
                Arguments.of("topics", "alter"),
                Arguments.of("configs", "describe"),
                Arguments.of("configs", "alter"),
                Arguments.of("perf", "produce"),
                Arguments.of("perf", "consume"),
                Arguments.of("perf", "e2e"),
                Arguments.of("cluster", "describe"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("commands")
    void subcommandHelpShowsClientOptions(String group, String subcommand) {
        CliRunner.Result result = CliRunner.run(group, subcommand, "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: runnel " + group + " " + subcommand)
                .contains("--bootstrap-server", "--command-config");
    }

    @ParameterizedTest
    @MethodSource("leafCommands")
    void leafCommandHelp(String command) {
        CliRunner.Result result = CliRunner.run(command, "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: runnel " + command).contains("--bootstrap-server");
    }

    static Stream<String> leafCommands() {
        return Stream.of("produce", "consume");
    }

    @ParameterizedTest
    @MethodSource("groups")
    void groupWithoutSubcommandIsAParameterError(String group) {
        CliRunner.Result result = CliRunner.run(group);
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).startsWith("Error: missing subcommand").contains("Try 'runnel " + group + " --help'.");
    }

    static Stream<String> groups() {
        return Stream.of("topics", "configs", "perf", "cluster", "metadata");
    }
}
