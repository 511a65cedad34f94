package io.runnel.cli.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs {@code scripts/cluster} of this checkout as a child process and captures its output. */
final class ScriptProcess {

    record Result(int exitCode, String out, String err) {
    }

    /** scripts/ of the checkout; tests run with the cli module as working directory. */
    static Path scriptsDir() {
        Path fromModule = Path.of("..", "scripts").toAbsolutePath().normalize();
        return Files.isDirectory(fromModule) ? fromModule : Path.of("scripts").toAbsolutePath();
    }

    static Result run(Map<String, String> environment, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("bash");
        command.add(scriptsDir().resolve("cluster").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("scripts/cluster " + String.join(" ", args) + " did not finish in "
                    + timeoutSeconds + " s; stderr so far: " + err.getNow(""));
        }
        return new Result(process.exitValue(), out.join(), err.join());
    }

    /** A base port with {@code count} consecutive free ports above it, probed from an ephemeral port. */
    static int freePortRange(int count) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int base;
            try (ServerSocket probe = new ServerSocket(0)) {
                base = probe.getLocalPort();
            }
            if (base + count < 65535 && allFree(base, count)) {
                return base;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports found");
    }

    private static boolean allFree(int base, int count) {
        for (int port = base; port < base + count; port++) {
            try (ServerSocket socket = new ServerSocket(port)) {
                socket.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private static String read(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<unreadable: " + e.getMessage() + ">";
        }
    }
}
