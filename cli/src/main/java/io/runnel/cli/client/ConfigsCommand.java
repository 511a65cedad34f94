package io.runnel.cli.client;

import io.runnel.common.TopicNames;
import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ConfigEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runnel configs describe|alter --topic NAME}: a topic's configuration. See docs/cli.md. Each
 * invocation runs on the caller's thread; not thread-safe.
 */
@Command(name = "configs", description = "Describe and alter topic configs.", mixinStandardHelpOptions = true,
        subcommands = {ConfigsCommand.Describe.class, ConfigsCommand.Alter.class})
public final class ConfigsCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: one of describe, alter");
    }

    @Command(name = "describe", description = "Print every config of a topic as name=value with its source.",
            mixinStandardHelpOptions = true)
    static final class Describe extends ClientCommand {

        @Option(names = "--topic", paramLabel = "NAME", required = true)
        String topic;

        @Option(names = "--overrides-only", description = "Only the configs set on the topic (source DYNAMIC_TOPIC_CONFIG).")
        boolean overridesOnly;

        @Override
        public Integer call() {
            TopicNames.validate(topic);
            try (AdminConnection admin = admin()) {
                List<ConfigEntry> entries = admin.describeTopicConfigs(topic).getEntriesList();
                if (overridesOnly) {
                    entries = TopicFormat.topicOverrides(entries);
                }
                entries.stream().sorted(Comparator.comparing(ConfigEntry::getName))
                        .map(TopicFormat::configLine).forEach(out()::println);
            }
            return 0;
        }
    }

    @Command(name = "alter", description = "Set or delete (revert to default) configs of a topic.",
            mixinStandardHelpOptions = true)
    static final class Alter extends ClientCommand {

        @Option(names = "--topic", paramLabel = "NAME", required = true)
        String topic;

        @Option(names = "--set", paramLabel = "KEY=VALUE", converter = KeyValue.Converter.class,
                description = "A config to set. Repeatable.")
        List<KeyValue> set = new ArrayList<>();

        @Option(names = "--delete", paramLabel = "KEY", description = "A config to revert to its default. Repeatable.")
        List<String> delete = new ArrayList<>();

        @Override
        public Integer call() {
            TopicNames.validate(topic);
            List<AlterableConfig> changes = changes(set, delete);
            try (AdminConnection admin = admin()) {
                admin.alterTopicConfigs(topic, changes);
                out().println("Completed updating config for topic " + topic + ".");
            }
            return 0;
        }
    }

    /** The incremental changes; throws when there are none or a key is both set and deleted. */
    static List<AlterableConfig> changes(List<KeyValue> set, List<String> delete) {
        if (set.isEmpty() && delete.isEmpty()) {
            throw new IllegalArgumentException("nothing to alter: give --set KEY=VALUE or --delete KEY");
        }
        List<AlterableConfig> changes = new ArrayList<>();
        for (var entry : KeyValue.toMap(set).entrySet()) {
            if (delete.contains(entry.getKey())) {
                throw new IllegalArgumentException("config '" + entry.getKey() + "' is both set and deleted");
            }
            changes.add(AlterableConfig.newBuilder().setName(entry.getKey())
                    .setOp(AlterConfigOp.SET).setValue(entry.getValue()).build());
        }
        for (String key : delete) {
            if (key.isBlank()) {
                throw new IllegalArgumentException("--delete needs a config name");
            }
            changes.add(AlterableConfig.newBuilder().setName(key).setOp(AlterConfigOp.DELETE).build());
        }
        return changes;
    }
}
