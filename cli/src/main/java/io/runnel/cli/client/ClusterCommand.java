package io.runnel.cli.client;

import io.runnel.common.TopicNames;
import io.runnel.common.TopicPartition;
import io.runnel.proto.ElectLeadersResponse;
import io.runnel.proto.ElectionResult;
import io.runnel.proto.ElectionType;
import io.runnel.proto.ErrorCode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runnel cluster describe}: the cluster id, the controllers (active one, Ratis term and commit
 * index) and the brokers (fenced, rack, heartbeat age, applied metadata offset and lag), from
 * AdminService.DescribeCluster with include_quorum. See {@link ClusterFormat} for the layout.
 * {@code runnel cluster elect-leaders}: Kafka's {@code kafka-leader-election} over ElectLeaders. Runs on
 * the caller's thread; not thread-safe.
 */
@Command(name = "cluster", description = "Inspect the cluster and move partition leadership.", mixinStandardHelpOptions = true,
        subcommands = {ClusterCommand.Describe.class, ClusterCommand.ElectLeaders.class})
public final class ClusterCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: one of describe, elect-leaders");
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

    @Command(name = "elect-leaders", mixinStandardHelpOptions = true,
            description = "Elect the preferred (or, with --type unclean, any live) replica as leader of every "
                    + "partition, of one topic, or of one partition; one line per partition with its outcome.")
    static final class ElectLeaders extends ClientCommand {

        @Option(names = "--topic", paramLabel = "NAME", description = "Only this topic's partitions.")
        String topic;

        @Option(names = "--partition", paramLabel = "P", description = "Only this partition of --topic.")
        Integer partition;

        @Option(names = "--type", paramLabel = "preferred|unclean", defaultValue = "preferred",
                converter = TypeConverter.class,
                description = "preferred (default): the first replica, if in sync; unclean: any live replica when "
                        + "no in-sync one is, which may lose data.")
        ElectionType type;

        static final class TypeConverter implements CommandLine.ITypeConverter<ElectionType> {
            @Override
            public ElectionType convert(String value) {
                return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                    case "preferred" -> ElectionType.PREFERRED;
                    case "unclean" -> ElectionType.UNCLEAN;
                    default -> throw new CommandLine.TypeConversionException(
                            "'" + value + "' is not an election type; use preferred or unclean");
                };
            }
        }

        @Override
        public Integer call() {
            if (partition != null && topic == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--partition needs --topic");
            }
            if (partition != null && partition < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--partition must not be negative: " + partition);
            }
            try (AdminConnection admin = admin()) {
                List<TopicPartition> partitions = new ArrayList<>();
                if (topic != null) {
                    TopicNames.validate(topic);
                    if (partition != null) {
                        partitions.add(new TopicPartition(topic, partition));
                    } else {
                        admin.topic(topic).getPartitionsList().forEach(p -> partitions.add(new TopicPartition(topic, p.getPartition())));
                    }
                }
                ElectLeadersResponse response = admin.electLeaders(type, partitions);
                int failed = 0;
                List<ElectionResult> results = new ArrayList<>(response.getResultsList());
                results.sort(Comparator.comparing(ElectionResult::getTopic).thenComparingInt(ElectionResult::getPartition));
                for (ElectionResult result : results) {
                    String name = result.getTopic() + "-" + result.getPartition();
                    if (result.getError() == ErrorCode.NONE) {
                        out().println(name + "\telected");
                    } else {
                        out().println(name + "\t" + result.getError() + "\t" + result.getErrorMessage());
                        if (result.getError() != ErrorCode.ELECTION_NOT_NEEDED) {
                            failed++;
                        }
                    }
                }
                if (failed > 0) {
                    throw new CommandFailedException(failed + " of " + results.size() + " leader elections failed");
                }
            }
            return 0;
        }
    }
}
