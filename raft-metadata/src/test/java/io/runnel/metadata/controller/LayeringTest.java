package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The image and controller packages are the pure core (DESIGN §3): they depend on nothing above them
 * (Ratis, RocksDB, gRPC, the server or client packages), the image does not depend on the controller,
 * and neither reads a clock, draws randomness of its own or does I/O. Checked on the sources, so that
 * a violation fails the build rather than a review.
 */
class LayeringTest {

    private static final List<String> FORBIDDEN_EVERYWHERE = List.of(
            "import org.apache.ratis", "import org.rocksdb", "import io.grpc", "import java.io.File",
            "import java.nio.file", "import java.net", "import io.runnel.metadata.server", "import io.runnel.metadata.client",
            "import io.runnel.metadata.ratis", "System.currentTimeMillis", "System.nanoTime", "Instant.now",
            "UUID.randomUUID", "new Random(", "ThreadLocalRandom", "Math.random", "new Thread(", "synchronized");

    @ParameterizedTest
    @ValueSource(strings = {"image", "controller"})
    void pureCoreHasNoForbiddenDependencies(String pkg) throws IOException {
        List<String> violations = new ArrayList<>();
        for (Path file : sources(pkg)) {
            String text = Files.readString(file);
            for (String forbidden : FORBIDDEN_EVERYWHERE) {
                if (text.contains(forbidden)) {
                    violations.add(file.getFileName() + " uses " + forbidden);
                }
            }
            if (pkg.equals("image") && text.contains("io.runnel.metadata.controller")) {
                violations.add(file.getFileName() + " depends on the controller package");
            }
        }
        assertThat(sources(pkg)).isNotEmpty();
        assertThat(violations).isEmpty();
    }

    private static List<Path> sources(String pkg) throws IOException {
        Path dir = Path.of("src/main/java/io/runnel/metadata", pkg);
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }
}
