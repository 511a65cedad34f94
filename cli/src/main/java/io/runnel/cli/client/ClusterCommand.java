package io.runnel.cli.client;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runnel cluster describe}: the cluster id, the controllers (active one, Ratis term and commit
 * index) and the brokers (fenced, rack, heartbeat age, applied metadata offset and lag), from
 * AdminService.DescribeCluster with include_quorum. See {@link ClusterFormat} for the layout. Runs on
 * the caller's thread; not thread-safe.
 */
@Command(name = "cluster", description = "Inspect the cluster.", mixinStandardHelpOptions = true,
        subcommands = ClusterCommand.Describe.class)
public final class ClusterCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: describe");
    }

    @Command(name = "describe", description = "Print the cluster id, the controllers and the brokers.",
            mixinStandardHelpOptions = true)
    static final class Describe extends ClientCommand {

        @Option(names = "--no-quorum", description = "Only what the broker knows; do not ask the active controller.")
        boolean noQuorum;

        @Override
        public Integer call() {
            try (AdminConnection admin = admin()) {
                ClusterFormat.describe(admin.describeCluster(!noQuorum)).forEach(out()::println);
            }
            return 0;
        }
    }
}
