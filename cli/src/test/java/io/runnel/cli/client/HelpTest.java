package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every leaf command prints usage with --help and carries the shared client options. */
class HelpTest {

    static Stream<Arguments> commands() {
        return Stream.of(
                Arguments.of((Supplier<Object>) TopicsCommand::new, "create"),
                Arguments.of((Supplier<Object>) TopicsCommand::new, "list"),
                Arguments.of((Supplier<Object>) TopicsCommand::new, "describe"),
                Arguments.of((Supplier<Object>) TopicsCommand::new, "delete"),
                Arguments.of((Supplier<Object>) TopicsCommand::new, "alter"),
                Arguments.of((Supplier<Object>) ConfigsCommand::new, "describe"),
                Arguments.of((Supplier<Object>) ConfigsCommand::new, "alter"),
                Arguments.of((Supplier<Object>) PerfCommand::new, "produce"),
                Arguments.of((Supplier<Object>) PerfCommand::new, "consume"),
                Arguments.of((Supplier<Object>) PerfCommand::new, "e2e"),
                Arguments.of((Supplier<Object>) ClusterCommand::new, "describe"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("commands")
    void subcommandHelpShowsClientOptions(Supplier<Object> command, String subcommand) {
        CliRunner.Result result = CliRunner.run(command.get(), subcommand, "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: ").contains("--bootstrap-server", "--command-config");
    }

    @ParameterizedTest
    @MethodSource("leafCommands")
    void leafCommandHelp(Object command) {
        CliRunner.Result result = CliRunner.run(command, "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("Usage: ").contains("--bootstrap-server");
    }

    static Stream<Object> leafCommands() {
        return Stream.of(new ProduceCommand(), new ConsumeCommand());
    }

    @ParameterizedTest
    @MethodSource("groups")
    void groupWithoutSubcommandIsAParameterError(Object command) {
        assertThat(CliRunner.run(command).exitCode()).isEqualTo(2);
    }

    static Stream<Object> groups() {
        return Stream.of(new TopicsCommand(), new ConfigsCommand(), new PerfCommand(), new ClusterCommand(), new MetadataCommand());
    }
}
