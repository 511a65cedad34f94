package io.runnel.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * Runs {@code runnel ARGS} through the real entry point ({@link Main#run}), so a test sees exactly what
 * a user sees: the same commands, option parsing and error handling ({@code Error: ...} lines, exit
 * codes, {@code --verbose}), with standard input given and output captured, and without exiting the JVM.
 */
public final class CliRunner {

    /** What a run printed and its exit code. */
    public record Result(int exitCode, String out, String err) {
    }

    private CliRunner() {
    }

    /** {@code runnel ARGS} with empty standard input. */
    public static Result run(String... args) {
        return runWithInput("", args);
    }

    /** {@code printf STDIN | runnel ARGS}. */
    public static Result runWithInput(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exitCode, out.toString(), err.toString());
    }
}
