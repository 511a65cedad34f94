package io.runnel.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies of the shell packages point one way: {@code server} may use everything below it;
 * {@code ratis} (the state machine adapter) knows the image but not the controller's decisions, the
 * server or the clients, nor gRPC; {@code client} (what brokers embed) knows neither Ratis, RocksDB,
 * the state machine nor the controller's decisions. Checked on the sources.
 */
class ShellLayeringTest {

    private static final Map<String, List<String>> FORBIDDEN = Map.of(
            "ratis", List.of("import io.runnel.metadata.server", "import io.runnel.metadata.client",
                    "import io.runnel.metadata.controller", "import io.grpc"),
            "client", List.of("import io.runnel.metadata.ratis", "import io.runnel.metadata.controller",
                    "import org.apache.ratis", "import org.rocksdb"));

    @Test
    void shellPackagesDependOneWay() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, List<String>> rule : FORBIDDEN.entrySet()) {
            List<Path> files = sources(rule.getKey());
            assertThat(files).isNotEmpty();
            for (Path file : files) {
                String text = Files.readString(file);
                for (String forbidden : rule.getValue()) {
                    if (text.contains(forbidden)) {
                        violations.add(rule.getKey() + "/" + file.getFileName() + " uses " + forbidden);
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    private static List<Path> sources(String pkg) throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/java/io/runnel/metadata", pkg))) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }
}
