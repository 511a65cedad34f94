package io.runnel.cli;

import io.runnel.cli.client.ClusterCommand;
import io.runnel.cli.client.ConfigsCommand;
import io.runnel.cli.client.ConsumeCommand;
import io.runnel.cli.client.GroupsCommand;
import io.runnel.cli.client.MetadataCommand;
import io.runnel.cli.client.PartitionsCommand;
import io.runnel.cli.client.PerfCommand;
import io.runnel.cli.client.ProduceCommand;
import io.runnel.cli.client.TopicsCommand;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import java.io.InputStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code runnel} command. Errors print as one line ({@code Error: ...}) with a non-zero exit
 * code; the stack trace only with {@code --verbose}.
 */
@Command(name = "runnel", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runnel: a Kafka-style distributed commit log.",
        subcommands = {ServerCommand.class, StorageCommand.class, TopicsCommand.class, ConfigsCommand.class, ProduceCommand.class,
            ConsumeCommand.class, GroupsCommand.class, PerfCommand.class, ClusterCommand.class, PartitionsCommand.class, MetadataCommand.class,
            CommandLine.HelpCommand.class, CompletionCommand.class})
public final class Main {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "print stack traces of errors")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args, System.in, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the command line as {@link #main} does, with the given standard streams, and returns the exit
     * code instead of exiting: the one entry point of every {@code runnel} command, tests included.
     */
    public static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = commandLine(in);
        commandLine.setOut(out);
        commandLine.setErr(err);
        return commandLine.execute(args);
    }

    static CommandLine commandLine(InputStream in) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                // The one command that reads standard input reads the stream given to run().
                return type == ProduceCommand.class ? type.cast(new ProduceCommand(in)) : CommandLine.defaultFactory().create(type);
            }
        };
        CommandLine commandLine = new CommandLine(new Main(), factory);
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            boolean verbose = verbose(parseResult);
            PrintWriter err = cmd.getErr();
            err.println("Error: " + describe(exception));
            if (verbose) {
                exception.printStackTrace(err);
            }
            err.flush();
            return exception instanceof CommandLine.ParameterException ? 2 : 1;
        });
        commandLine.setParameterExceptionHandler((exception, args) -> {
            PrintWriter err = exception.getCommandLine().getErr();
            err.println("Error: " + exception.getMessage());
            err.println("Try '" + exception.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return 2;
        });
        return commandLine;
    }

    /** Whether --verbose was given at any level of the command line ({@code runnel topics list --verbose} too). */
    private static boolean verbose(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult level = parseResult; level != null; level = level.subcommand()) {
            if (level.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** One line saying what went wrong, without exception class names where a message says it. */
    static String describe(Throwable exception) {
        Throwable cause = exception;
        while ((cause instanceof java.util.concurrent.ExecutionException || cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.io.UncheckedIOException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof io.grpc.StatusRuntimeException) {
            ApiException api = GrpcErrors.toApiException(cause);
            return api.getMessage();
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.toString() : message;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"runnel " + (version == null ? "0.1.0-SNAPSHOT" : version)};
        }
    }
}
