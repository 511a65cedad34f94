package io.runnel.cli;

import io.runnel.metadata.server.MetaProperties;
import io.runnel.node.NodeConfig;
import io.runnel.node.StorageFormatter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code runnel storage format|random-uuid}: stamps data directories with a cluster id, like kafka-storage. */
@Command(name = "storage", description = "Format data directories", subcommands = {StorageCommand.Format.class, StorageCommand.RandomUuid.class})
final class StorageCommand {

    @Command(name = "random-uuid", description = "Print a new cluster id")
    static final class RandomUuid implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(MetaProperties.randomClusterId());
            return 0;
        }
    }

    @Command(name = "format", description = "Write meta.properties (cluster id, node id) into every data directory of a node")
    static final class Format implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-t", "--cluster-id"}, required = true, description = "cluster id (see 'runnel storage random-uuid')")
        String clusterId;

        @Option(names = {"-c", "--config"}, description = "node properties file")
        Path config;

        @Option(names = "--override", description = "key=value setting that wins over the file", paramLabel = "KEY=VALUE")
        Map<String, String> overrides = new LinkedHashMap<>();

        @Option(names = {"-g", "--ignore-formatted"}, description = "leave directories already formatted for this cluster and node alone")
        boolean ignoreFormatted;

        @Override
        public Integer call() {
            NodeConfig nodeConfig = NodeConfig.load(Optional.ofNullable(config), overrides);
            StorageFormatter.format(nodeConfig, clusterId, ignoreFormatted);
            spec.commandLine().getOut().println("Formatted " + nodeConfig.allDirs() + " for cluster " + clusterId
                    + ", node " + nodeConfig.nodeId());
            return 0;
        }
    }
}
