package io.runnel.cli.client;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every leaf command that talks to a cluster: the shared {@link ClientOptions} and the
 * command's output writer. Results go to {@link #out()}; failures are thrown (Main prints them as one
 * {@code Error: …} line, exit code 1). Not thread-safe: picocli creates one per invocation, which runs
 * on the caller's thread.
 */
abstract class ClientCommand implements Callable<Integer> {

    @Mixin
    ClientOptions client = new ClientOptions();

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    AdminConnection admin() {
        return AdminConnection.open(client);
    }
}
