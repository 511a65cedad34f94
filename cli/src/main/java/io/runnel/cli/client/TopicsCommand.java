package io.runnel.cli.client;

import io.runnel.common.TopicNames;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatableTopicResult;
import io.runnel.proto.DescribeConfigsResult;
import io.runnel.proto.MetadataResponse;
import io.runnel.proto.TopicMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runnel topics create|list|describe|delete|alter}: topic administration through any broker,
 * printing in the layout of Kafka's {@code kafka-topics}. See docs/cli.md. Each invocation runs on the
 * caller's thread; not thread-safe.
 */
@Command(name = "topics", description = "Create, list, describe, delete and alter topics.",
        mixinStandardHelpOptions = true,
        subcommands = {TopicsCommand.Create.class, TopicsCommand.ListTopics.class, TopicsCommand.Describe.class,
                TopicsCommand.Delete.class, TopicsCommand.Alter.class})
public final class TopicsCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: one of create, list, describe, delete, alter");
    }

    @Command(name = "create", description = "Create a topic.", mixinStandardHelpOptions = true)
    static final class Create extends ClientCommand {

        @Parameters(index = "0", paramLabel = "NAME", description = "Topic name: [a-zA-Z0-9._-], 1-249 characters.")
        String name;

        @Option(names = "--partitions", paramLabel = "N", defaultValue = "-1",
                description = "Number of partitions (default: the cluster's num.partitions).")
        int partitions;

        @Option(names = "--replication-factor", paramLabel = "R", defaultValue = "-1",
                description = "Replicas per partition (default: the cluster's default.replication.factor).")
        int replicationFactor;

        @Option(names = "--config", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class,
                description = "A topic config override, e.g. retention.ms=86400000. Repeatable.")
        List<KeyValue> configs = new ArrayList<>();

        @Override
        public Integer call() {
            TopicNames.validate(name);
            requirePositiveOrDefault("--partitions", partitions);
            requirePositiveOrDefault("--replication-factor", replicationFactor);
            CreatableTopic topic = CreatableTopic.newBuilder()
                    .setName(name)
                    .setNumPartitions(partitions)
                    .setReplicationFactor(replicationFactor)
                    .putAllConfigs(KeyValue.toMap(configs))
                    .build();
            try (AdminConnection admin = admin()) {
                CreatableTopicResult result = admin.createTopic(topic);
                out().println("Created topic " + name + " (TopicId: " + result.getTopicId()
                        + ", PartitionCount: " + result.getNumPartitions()
                        + ", ReplicationFactor: " + result.getReplicationFactor() + ").");
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List topic names, one per line, sorted.", mixinStandardHelpOptions = true)
    static final class ListTopics extends ClientCommand {

        @Override
        public Integer call() {
            try (AdminConnection admin = admin()) {
                MetadataResponse response = admin.metadata(List.of());
                response.getTopicsList().stream().map(TopicMetadata::getName).sorted().forEach(out()::println);
            }
            return 0;
        }
    }

    @Command(name = "describe", description = "Describe one topic, or every topic: partitions, leaders, replicas, ISR, configs.",
            mixinStandardHelpOptions = true)
    static final class Describe extends ClientCommand {

        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Topic to describe (default: all).")
        String name;

        @Option(names = "--under-replicated-partitions",
                description = "Only partition lines whose ISR is smaller than their replica set (no header lines).")
        boolean underReplicated;

        @Option(names = "--unavailable-partitions", description = "Only partition lines without a leader (no header lines).")
        boolean unavailable;

        @Option(names = "--under-min-isr-partitions",
                description = "Only partition lines without a leader or whose ISR is smaller than the topic's "
                        + "min.insync.replicas (no header lines).")
        boolean underMinIsr;

        @Option(names = "--at-min-isr-partitions",
                description = "Only partition lines whose ISR size equals the topic's min.insync.replicas (no header lines).")
        boolean atMinIsr;

        @Override
        public Integer call() {
            try (AdminConnection admin = admin()) {
                List<TopicMetadata> topics;
                if (name != null) {
                    TopicNames.validate(name);
                    topics = List.of(admin.topic(name));
                } else {
                    topics = admin.metadata(List.of()).getTopicsList().stream()
                            .sorted(Comparator.comparing(TopicMetadata::getName)).toList();
                }
                TopicFormat.PartitionFilter filter = new TopicFormat.PartitionFilter(underReplicated, unavailable,
                        underMinIsr, atMinIsr);
                boolean needsConfigs = !filter.any() || underMinIsr || atMinIsr;
                Map<String, DescribeConfigsResult> configs = topics.isEmpty() || !needsConfigs ? Map.of()
                        : admin.describeTopicConfigs(topics.stream().map(TopicMetadata::getName).toList());
                for (TopicMetadata topic : topics) {
                    if (filter.any()) {
                        int minIsr = configs.isEmpty() ? 1
                                : TopicFormat.minInsyncReplicas(configs.get(topic.getName()).getEntriesList());
                        TopicFormat.filteredPartitionLines(topic, filter, minIsr).forEach(out()::println);
                    } else {
                        TopicFormat.describe(topic, configs.get(topic.getName()).getEntriesList()).forEach(out()::println);
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a topic and its data.", mixinStandardHelpOptions = true)
    static final class Delete extends ClientCommand {

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            TopicNames.validate(name);
            try (AdminConnection admin = admin()) {
                admin.deleteTopic(name);
                out().println("Deleted topic " + name + ".");
            }
            return 0;
        }
    }

    @Command(name = "alter", description = "Increase the partition count of a topic.", mixinStandardHelpOptions = true)
    static final class Alter extends ClientCommand {

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--partitions", paramLabel = "N", required = true,
                description = "The new total number of partitions; must be larger than the current count.")
        int partitions;

        @Override
        public Integer call() {
            TopicNames.validate(name);
            if (partitions < 1) {
                throw new IllegalArgumentException("--partitions must be a positive number, got " + partitions);
            }
            try (AdminConnection admin = admin()) {
                admin.createPartitions(name, partitions);
                out().println("Topic " + name + " now has " + partitions + " partitions.");
            }
            return 0;
        }
    }

    static void requirePositiveOrDefault(String option, int value) {
        if (value < 1 && value != -1) {
            throw new IllegalArgumentException(option + " must be a positive number, or -1 for the cluster default; got " + value);
        }
    }
}
