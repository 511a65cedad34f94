package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.cli.CliRunner;
import io.runnel.cli.client.ClientOptions.HostPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionsTest {

    @Test
    void keyValueSplitsAtTheFirstEquals() {
        assertThat(KeyValue.parse("a=b=c")).isEqualTo(new KeyValue("a", "b=c"));
        assertThat(KeyValue.parse("empty=")).isEqualTo(new KeyValue("empty", ""));
        assertThatThrownBy(() -> KeyValue.parse("novalue")).hasMessage("'novalue' is not of the form key=value");
        assertThatThrownBy(() -> KeyValue.parse("=v")).hasMessage("'=v' has an empty key");
    }

    @Test
    void hostPortListsParseAndNameBadEntries() {
        assertThat(HostPort.parseList("localhost:9092, 127.0.0.1:9094", "--bootstrap-server"))
                .containsExactly(new HostPort("localhost", 9092), new HostPort("127.0.0.1", 9094));
        assertThat(HostPort.parse("[::1]:9092", "x")).isEqualTo(new HostPort("::1", 9092));
        assertThatThrownBy(() -> HostPort.parseList("localhost", "--bootstrap-server"))
                .hasMessage("--bootstrap-server: 'localhost' is not of the form host:port");
        assertThatThrownBy(() -> HostPort.parseList("h:99999", "--bootstrap-server"))
                .hasMessageContaining("outside 1..65535");
        assertThatThrownBy(() -> HostPort.parseList(" , ", "--bootstrap-server"))
                .hasMessage("--bootstrap-server must name at least one host:port");
    }

    @Test
    void commandConfigIsReadAndBootstrapOptionWins(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "bootstrap.servers=elsewhere:1\nrequest.timeout.ms=1234\n");
        ClientOptions options = new ClientOptions();
        options.commandConfig = file;
        options.bootstrapServer = "h:9092";

        var properties = options.clientProperties();

        assertThat(properties.getProperty("bootstrap.servers")).isEqualTo("h:9092");
        assertThat(properties.getProperty("request.timeout.ms")).isEqualTo("1234");
        options.commandConfig = dir.resolve("missing.properties");
        assertThatThrownBy(options::clientProperties).hasMessageContaining("does not exist");
    }

    @Test
    void badInputIsOneErrorLineBeforeAnyNetworkCall() {
        CliRunner.Result invalidName = CliRunner.run("topics", "create", "bad name!", "--partitions", "1");
        assertThat(invalidName.exitCode()).isEqualTo(1);
        assertThat(invalidName.err()).startsWith("Error: topic name 'bad name!' contains ' '");
        assertThat(invalidName.err().lines()).hasSize(1);

        CliRunner.Result zeroPartitions = CliRunner.run("topics", "create", "t", "--partitions", "0");
        assertThat(zeroPartitions.exitCode()).isEqualTo(1);
        assertThat(zeroPartitions.err().strip())
                .isEqualTo("Error: --partitions must be a positive number, or -1 for the cluster default; got 0");

        CliRunner.Result badConfig = CliRunner.run("topics", "create", "t", "--config", "retention.ms");
        assertThat(badConfig.exitCode()).isEqualTo(2);
        assertThat(badConfig.err()).contains("'retention.ms' is not of the form key=value");

        CliRunner.Result noSubcommand = CliRunner.run("configs");
        assertThat(noSubcommand.exitCode()).isEqualTo(2);
    }

    @Test
    void unreachableBrokerIsOneClearLine() {
        CliRunner.Result result = CliRunner.run("topics", "list", "--bootstrap-server", "127.0.0.1:1");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("Error: cannot reach any broker at 127.0.0.1:1");
        assertThat(result.err().lines()).hasSize(1);
        assertThat(List.of(result.out())).containsExactly("");
    }

    /**
     * A broker that accepts connections but never answers: the error names the broker and the setting
     * that ran out; gRPC's own words (CallOptions, deadline arithmetic, socket lists) appear only with --verbose.
     */
    @Test
    void aSilentBrokerTimesOutNamingTheSettingAndVerboseShowsTheTransport(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("client.properties");
        Files.writeString(config, "default.api.timeout.ms=1000\n");
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + silent.getLocalPort();

            CliRunner.Result result = CliRunner.run("topics", "list", "--bootstrap-server", address,
                    "--command-config", config.toString());
            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.err().lines()).containsExactly(
                    "Error: request to broker " + address + ": no answer within default.api.timeout.ms (1000 ms)");

            CliRunner.Result verbose = CliRunner.run("topics", "list", "--verbose", "--bootstrap-server", address,
                    "--command-config", config.toString());
            assertThat(verbose.exitCode()).isEqualTo(1);
            assertThat(verbose.err()).startsWith("Error: request to broker " + address + ": no answer within")
                    .contains("io.grpc.StatusRuntimeException: DEADLINE_EXCEEDED");
        }
    }
}
