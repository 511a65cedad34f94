package io.runnel.cli.client;

import io.grpc.StatusRuntimeException;
import io.runnel.common.errors.GrpcErrors;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs a command the way Main does (its contract, until Main registers the client commands): output
 * captured, any exception escaping call() printed as one {@code Error: <message>} line with exit code
 * 1, gRPC failures turned into their message, parameter errors exit code 2.
 */
final class CliRunner {

    record Result(int exitCode, String out, String err) {
    }

    private CliRunner() {
    }

    static Result run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            Throwable shown = exception instanceof StatusRuntimeException ? GrpcErrors.toApiException(exception) : exception;
            line.getErr().println("Error: " + shown.getMessage());
            return 1;
        });
        commandLine.setParameterExceptionHandler((exception, args1) -> {
            exception.getCommandLine().getErr().println("Error: " + exception.getMessage());
            return 2;
        });
        int exitCode = commandLine.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }
}
