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

/**
 * {@code runnel storage format|random-uuid|cluster-id}: stamps data directories with a cluster id, like
 * kafka-storage, and keeps a Kubernetes deployment's cluster id in a ConfigMap.
 */
@Command(name = "storage", description = "Format data directories",
        subcommands = {StorageCommand.Format.class, StorageCommand.RandomUuid.class, StorageCommand.ClusterId.class})
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

    @Command(name = "cluster-id", description = {"Print the cluster id kept in a Kubernetes ConfigMap, creating the ConfigMap "
            + "with a new id the first time (run inside the cluster by deploy/kubernetes/runnel.yaml's Job)"})
    static final class ClusterId implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--kubernetes-config-map", required = true, paramLabel = "NAME",
                description = "ConfigMap of the pod's namespace holding the cluster id")
        String configMap;

        @Option(names = "--key", defaultValue = "cluster.id", description = "key of the id in the ConfigMap (default: ${DEFAULT-VALUE})")
        String key;

        @Override
        public Integer call() {
            String clusterId = io.runnel.cli.client.KubernetesClusterId.inCluster(System.getenv()).getOrCreate(configMap, key);
            spec.commandLine().getOut().println(clusterId);
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
