package io.runnel.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** Prints a bash/zsh completion script: {@code source <(scripts/runnel completion)}. */
@Command(name = "completion", description = "Print a bash/zsh completion script: source <(runnel completion)")
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        spec.commandLine().getOut().print(AutoComplete.bash("runnel", root));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
