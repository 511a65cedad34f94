package io.runnel.cli;

import io.runnel.common.config.ConfigDocs;
import io.runnel.node.NodeConfig;
import io.runnel.node.RunnelNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runnel server}: runs a node until Ctrl-C (or SIGTERM), then shuts it down cleanly. With no
 * arguments it is a single-node cluster: broker and controller in one process, a broker on
 * localhost:9092, data under ./data, formatted on first start.
 */
@Command(name = "server", description = "Run a Runnel node (default: a single-node cluster on localhost:9092, data in ./data)")
final class ServerCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, description = "node properties file (Kafka server keys)")
    Path config;

    @Option(names = "--override", description = "key=value setting that wins over the file", paramLabel = "KEY=VALUE")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** What --help-config prints: the reference of every setting, for a terminal or as docs/configuration.md. */
    enum ConfigHelpFormat { text, markdown }

    @Option(names = "--help-config", arity = "0..1", fallbackValue = "text", paramLabel = "FORMAT",
            description = "print every setting with its type, default and accepted values, and exit; "
                    + "FORMAT is text (the default) or markdown (docs/configuration.md)")
    ConfigHelpFormat helpConfig;

    @Override
    public Integer call() throws Exception {
        if (helpConfig != null) {
            spec.commandLine().getOut().print(helpConfig == ConfigHelpFormat.markdown ? ConfigDocs.markdown() : ConfigDocs.text());
            spec.commandLine().getOut().flush();
            return 0;
        }
        NodeConfig nodeConfig = NodeConfig.load(Optional.ofNullable(config), overrides);
        // The hook is in place before start-up begins: Ctrl-C during a long start (recovery, a quorum that is
        // not up yet) stops the node cleanly instead of leaving files unclosed.
        AtomicReference<RunnelNode> created = new AtomicReference<>();
        Thread hook = new Thread(() -> {
            RunnelNode starting = created.get();
            if (starting != null) {
                starting.close();
            }
        }, "runnel-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        RunnelNode node;
        try {
            node = RunnelNode.start(nodeConfig, created::set);
        } catch (Throwable e) {
            // start() closed what it opened; the hook has nothing left to do.
            Runtime.getRuntime().removeShutdownHook(hook);
            throw e;
        }
        spec.commandLine().getOut().println(node.describe());
        spec.commandLine().getOut().flush();
        node.awaitShutdown();
        return 0;
    }
}
