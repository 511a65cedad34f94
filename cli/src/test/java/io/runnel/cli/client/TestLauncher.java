package io.runnel.cli.client;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Writes a stand-in for scripts/runnel that runs {@code io.runnel.cli.Main} on the classes this build
 * compiled (this JVM's class path, less test classes and test-jars), so multi-process tests start real
 * nodes without packaging the distribution or starting a nested Maven build. Servers get a 384 MiB heap
 * and client commands 256 MiB with quick start-up flags, as scripts/runnel gives them 1 GiB and 512 MiB.
 */
public final class TestLauncher {

    private TestLauncher() {
    }

    /** This build's class path less test classes and test-jars: what the distribution's lib/ holds, and more. */
    public static String classPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("-tests.jar"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    public static Path write(Path file) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = classPath();
        String script = """
                #!/usr/bin/env bash
                # Written by TestLauncher: scripts/runnel for a test, on the build's class path.
                set -euo pipefail
                if [[ "${1:-}" == server ]]; then
                  OPTS=(-Xms128m -Xmx384m -XX:+UseSerialGC)
                else
                  export RUNNEL_LOG_LEVEL="${RUNNEL_LOG_LEVEL:-WARN}"
                  OPTS=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
                fi
                exec %s "${OPTS[@]}" -cp %s io.runnel.cli.Main "$@"
                """.formatted(quote(java), quote(classPath));
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** Single-quoted for bash. */
    private static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
