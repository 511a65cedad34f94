package io.runnel.cli.client;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * The options every client command shares (a picocli mixin): where the cluster is and an optional
 * properties file of client settings with Kafka's names, as {@code --command-config} in Kafka's tools.
 * Not thread-safe; picocli fills it once per invocation.
 */
public final class ClientOptions {

    public static final String DEFAULT_BOOTSTRAP_SERVER = "localhost:9092";

    @Option(names = {"--bootstrap-server", "-b"}, paramLabel = "HOST:PORT[,HOST:PORT...]",
            defaultValue = DEFAULT_BOOTSTRAP_SERVER,
            description = "Brokers to connect to first (default: ${DEFAULT-VALUE}).")
    String bootstrapServer = DEFAULT_BOOTSTRAP_SERVER;

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Properties file of client settings (Kafka names), e.g. request.timeout.ms.")
    Path commandConfig;

    public String bootstrapServer() {
        return bootstrapServer;
    }

    /** The bootstrap addresses, in the order given; throws IllegalArgumentException naming a malformed one. */
    public List<HostPort> bootstrapAddresses() {
        return HostPort.parseList(bootstrapServer, "--bootstrap-server");
    }

    /**
     * The client properties: the {@code --command-config} file (if any), then {@code bootstrap.servers}
     * from {@code --bootstrap-server}, which wins over the file.
     */
    public Properties clientProperties() {
        Properties properties = new Properties();
        if (commandConfig != null) {
            try (Reader reader = Files.newBufferedReader(commandConfig, StandardCharsets.UTF_8)) {
                properties.load(reader);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("--command-config file '" + commandConfig + "' does not exist");
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --command-config file '" + commandConfig + "': " + e.getMessage(), e);
            }
        }
        bootstrapAddresses();
        properties.setProperty("bootstrap.servers", bootstrapServer);
        return properties;
    }

    /** A host and port as given on the command line. Immutable. */
    public record HostPort(String host, int port) {

        /** Parses {@code host:port,host:port}; {@code option} names the option in error messages. */
        public static List<HostPort> parseList(String text, String option) {
            List<HostPort> result = new ArrayList<>();
            for (String part : text.split(",")) {
                String trimmed = part.trim();
                if (!trimmed.isEmpty()) {
                    result.add(parse(trimmed, option));
                }
            }
            if (result.isEmpty()) {
                throw new IllegalArgumentException(option + " must name at least one host:port");
            }
            return result;
        }

        public static HostPort parse(String text, String option) {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                throw new IllegalArgumentException(option + ": '" + text + "' is not of the form host:port");
            }
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(text.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": port of '" + text + "' is not a number");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(option + ": port of '" + text + "' is outside 1..65535");
            }
            return new HostPort(host, port);
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }
}
