package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.node.testing.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every command of the README's five-minute tour, read from README.md itself, against a real
 * single-node cluster, so the README cannot drift from what Runnel does.
 */
class ReadmeTourTest {

    @TempDir
    static Path dir;

    private static LocalCluster cluster;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.singleNode(dir).start();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /** One tour line: the runnel arguments and what it pipes into stdin (empty when nothing). */
    record TourCommand(String line, List<String> args, String stdin) {
    }

    static List<TourCommand> tourCommands() throws Exception {
        Path readme = Path.of("..", "README.md");
        List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
        int heading = lines.indexOf("## A five-minute tour");
        assertThat(heading).as("README.md has a tour section").isNotNegative();
        List<TourCommand> commands = new ArrayList<>();
        boolean inBlock = false;
        for (String line : lines.subList(heading, lines.size())) {
            if (line.startsWith("```")) {
                if (inBlock) {
                    break;
                }
                inBlock = true;
                continue;
            }
            if (inBlock && !line.isBlank()) {
                commands.add(parse(line));
            }
        }
        return commands;
    }

    static TourCommand parse(String line) {
        String stdin = "";
        String command = line;
        int pipe = line.indexOf("| scripts/runnel ");
        if (pipe >= 0) {
            List<String> producer = shellWords(line.substring(0, pipe).trim());
            assertThat(producer.get(0)).as("tour pipes only printf into runnel: " + line).isEqualTo("printf");
            stdin = producer.get(1).replace("\\n", "\n");
            command = line.substring(pipe + 2);
        }
        List<String> words = shellWords(command);
        assertThat(words.get(0)).as("tour line runs scripts/runnel: " + line).isEqualTo("scripts/runnel");
        return new TourCommand(line, words.subList(1, words.size()), stdin);
    }

    /** Splits like a POSIX shell for the quoting the README uses: single and double quotes. */
    static List<String> shellWords(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (char c : text.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    private static Map.Entry<Integer, String> run(TourCommand command) {
        List<String> args = new ArrayList<>(command.args());
        // Each tour command talks to localhost:9092 by default; here the test cluster's port stands in.
        args.add("--bootstrap-server");
        args.add(cluster.bootstrapServers());
        CliRunner.Result result = CliRunner.runWithInput(command.stdin(), args.toArray(String[]::new));
        assertThat(result.exitCode()).as(command.line() + "\nstderr: " + result.err()).isZero();
        return Map.entry(result.exitCode(), result.out());
    }

    @Test
    void everyTourCommandSucceedsAndShowsTheData() throws Exception {
        List<TourCommand> commands = tourCommands();
        assertThat(commands).hasSizeGreaterThanOrEqualTo(6);
        Map<String, String> outputs = new LinkedHashMap<>();
        for (TourCommand command : commands) {
            outputs.put(command.line(), run(command).getValue());
        }
        String list = output(outputs, "topics list");
        assertThat(list.lines()).contains("orders");
        String consumed = output(outputs, "consume orders");
        assertThat(consumed.lines()).containsExactlyInAnyOrder("alice\tfirst order", "bob\tsecond order");
        String described = output(outputs, "topics describe orders");
        assertThat(described).contains("PartitionCount: 3").contains("Partition: 2").contains("Leader: 1");
        String configs = output(outputs, "configs describe --topic orders");
        assertThat(configs).contains("retention.ms=86400000");
        assertThat(cluster.node(1).brokerImage().orElseThrow().topics().getTopic("orders"))
                .as("the tour ends by deleting the topic").isNull();
    }

    private static String output(Map<String, String> outputs, String fragment) {
        return outputs.entrySet().stream().filter(e -> e.getKey().contains(fragment)).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("the README tour has no command with '" + fragment + "'"));
    }

    @Test
    void tourParserUnderstandsThePipeAndQuotes() {
        TourCommand command = parse("printf 'a:1\\nb:2\\n' | scripts/runnel produce orders --key-separator :");
        assertThat(command.stdin()).isEqualTo("a:1\nb:2\n");
        assertThat(command.args()).containsExactly("produce", "orders", "--key-separator", ":");
        assertThat(shellWords("x \"a b\" 'c d'")).containsExactly("x", "a b", "c d");
    }
}
