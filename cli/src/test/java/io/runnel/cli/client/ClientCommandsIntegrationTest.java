package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cli.CliRunner;
import io.runnel.node.testing.LocalCluster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client commands against a real single-node cluster (in-process, real gRPC and Ratis). */
class ClientCommandsIntegrationTest {

    @TempDir
    static Path dir;

    private static LocalCluster cluster;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.singleNode(dir).start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** {@code runnel COMMAND ARGS --bootstrap-server <the test cluster>}. */
    private String[] withServer(String command, String... args) {
        List<String> all = new ArrayList<>();
        all.add(command);
        all.addAll(Arrays.asList(args));
        all.add("--bootstrap-server");
        all.add(cluster.bootstrapServers());
        return all.toArray(String[]::new);
    }

    private CliRunner.Result topics(String... args) {
        return CliRunner.run(withServer("topics", args));
    }

    private CliRunner.Result produce(String input, String... args) {
        return CliRunner.runWithInput(input, withServer("produce", args));
    }

    private CliRunner.Result consume(String... args) {
        return CliRunner.run(withServer("consume", args));
    }

    private static void assertSucceeded(CliRunner.Result result) {
        assertThat(result.exitCode()).as("stderr: %s", result.err()).isZero();
    }

    private static void assertOneErrorLine(CliRunner.Result result, String... fragments) {
        assertThat(result.exitCode()).as("stdout: %s", result.out()).isEqualTo(1);
        assertThat(result.err().lines()).hasSize(1);
        assertThat(result.err()).startsWith("Error: ").contains(fragments);
    }

    @Test
    void topicLifecycle() {
        assertSucceeded(topics("create", "lifecycle", "--partitions", "2", "--replication-factor", "1",
                "--config", "retention.ms=3600000"));
        assertThat(topics("list").out().lines()).contains("lifecycle");

        CliRunner.Result described = topics("describe", "lifecycle");
        assertSucceeded(described);
        List<String> lines = described.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("Topic: lifecycle\tTopicId: ")
                .contains("\tPartitionCount: 2\tReplicationFactor: 1\tCleanupPolicy: delete\tConfigs: ").contains("retention.ms=3600000");
        assertThat(lines.get(1)).matches("\tTopic: lifecycle\tPartition: 0\tLeader: \\d+\tReplicas: \\d+\tIsr: \\d+");

        assertSucceeded(topics("alter", "lifecycle", "--partitions", "3"));
        assertThat(topics("describe", "lifecycle").out()).contains("PartitionCount: 3");

        assertSucceeded(CliRunner.run(withServer("configs", "alter", "--topic", "lifecycle",
                "--set", "cleanup.policy=compact", "--delete", "retention.ms")));
        CliRunner.Result configs = CliRunner.run(withServer("configs", "describe", "--topic", "lifecycle"));
        assertSucceeded(configs);
        assertThat(configs.out().lines()).contains("cleanup.policy=compact\tsource=DYNAMIC_TOPIC_CONFIG");
        assertThat(topics("describe", "lifecycle").out()).contains("\tCleanupPolicy: compact\t");
        assertThat(configs.out().lines()).noneMatch(line -> line.startsWith("retention.ms=3600000"));

        assertSucceeded(topics("delete", "lifecycle"));
        assertThat(topics("list").out().lines()).doesNotContain("lifecycle");
    }

    @Test
    void badTopicInputIsOneErrorLine() {
        assertSucceeded(topics("create", "existing", "--partitions", "2"));

        assertOneErrorLine(topics("create", "bad/name"), "topic name 'bad/name' contains '/'");
        assertOneErrorLine(topics("create", "existing"), "existing", "already exists");
        assertOneErrorLine(topics("describe", "unknown-topic"), "unknown-topic");
        assertOneErrorLine(topics("delete", "unknown-topic"), "unknown-topic");
        assertOneErrorLine(topics("alter", "existing", "--partitions", "1"), "existing");
        assertOneErrorLine(topics("create", "bad-config", "--config", "retention.ms=soon"), "retention.ms");
        assertThat(topics("list").out().lines()).doesNotContain("bad-config");
    }

    @Test
    void produceThenConsumeWithKeysHeadersAndOffsets() {
        assertSucceeded(topics("create", "tour", "--partitions", "1"));

        CliRunner.Result produced = produce("k1:first\nk2:second:with colon\nk3:\n",
                "tour", "--key-separator", ":", "--header", "source=test", "--acks", "1");
        assertSucceeded(produced);
        assertThat(produced.out()).isEmpty();

        CliRunner.Result consumed = consume("tour", "--from-beginning", "--max-messages", "3",
                "--print-key", "--print-offset", "--print-headers", "--print-partition");
        assertSucceeded(consumed);
        assertThat(consumed.out().lines()).containsExactly(
                "Partition:0\tOffset:0\tsource:test\tk1\tfirst",
                "Partition:0\tOffset:1\tsource:test\tk2\tsecond:with colon",
                "Partition:0\tOffset:2\tsource:test\tk3\t");
        assertThat(consumed.err()).contains("Processed a total of 3 messages");

        CliRunner.Result fromOffset = consume("tour", "--partition", "0", "--offset", "1", "--timeout-ms", "1000");
        assertSucceeded(fromOffset);
        assertThat(fromOffset.out().lines()).containsExactly("second:with colon", "");

        assertOneErrorLine(consume("tour", "--partition", "0", "--offset", "100", "--timeout-ms", "5000"),
                "fetch offset 100 is out of range for partition tour-0");
    }

    @Test
    void produceNamesEveryFailedLine() {
        assertSucceeded(topics("create", "strict", "--partitions", "1"));

        CliRunner.Result result = produce("a:1\nno separator\nb:2\nalso none\n", "strict", "--key-separator", ":");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err().lines()).containsExactly(
                "line 2: no key separator ':' in the line",
                "line 4: no key separator ':' in the line",
                "Error: 2 of 4 records failed (lines 2, 4); first error: no key separator ':' in the line");
        CliRunner.Result consumed = consume("strict", "--from-beginning", "--max-messages", "2", "--print-key");
        assertThat(consumed.out().lines()).containsExactly("a\t1", "b\t2");
    }

    @Test
    void recordLargerThanTheTopicLimitFailsNamingItsLine() {
        assertSucceeded(topics("create", "small", "--partitions", "1", "--config", "max.message.bytes=1000"));
        String big = "x".repeat(2000);

        // One record per run: the SDK may batch neighbouring lines with the big one, and a rejected batch
        // fails all its records (Kafka's producer would split it and retry the small ones).
        assertSucceeded(produce("fits\n", "small"));
        CliRunner.Result result = produce(big + "\n", "small");
        assertSucceeded(produce("fits too\n", "small"));

        assertThat(result.exitCode()).isEqualTo(1);
        List<String> lines = result.err().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("line 1: RECORD_TOO_LARGE: ");
        assertThat(lines.get(1)).startsWith("Error: 1 of 1 records failed (line 1); first error: RECORD_TOO_LARGE");
        assertThat(consume("small", "--from-beginning", "--max-messages", "2").out().lines())
                .containsExactly("fits", "fits too");
    }

    @Test
    void produceAndConsumeRejectUnknownTopicsAndPartitions() {
        assertOneErrorLine(consume("no-such-topic", "--timeout-ms", "100"), "no-such-topic");
        assertOneErrorLine(produce("x\n", "bad topic"), "topic name 'bad topic'");
        assertSucceeded(topics("create", "two", "--partitions", "2"));
        assertOneErrorLine(consume("two", "--partition", "5", "--timeout-ms", "100"),
                "partition 5 of topic 'two' does not exist (the topic has 2 partitions)");
        assertOneErrorLine(produce("x\n", "two", "--partition", "2"),
                "partition 2 of topic 'two' does not exist (the topic has 2 partitions)");
        CliRunner.Result badProperty = produce("x\n", "two", "--producer-property", "linger.mss=5");
        assertThat(badProperty.exitCode()).isEqualTo(1);
        assertThat(badProperty.err()).contains("linger.mss");
    }

    @Test
    void produceCreatesAMissingTopicWhenTheBrokerAllowsIt() {
        // auto.create.topics.enable is true by default, as in Kafka; the producer asks for creation.
        assertSucceeded(produce("hello\n", "auto-created"));

        assertThat(topics("list").out().lines()).contains("auto-created");
        assertThat(consume("auto-created", "--from-beginning", "--max-messages", "1").out()).isEqualTo("hello\n");
    }

    @Test
    void consumeWithTimeoutStopsWhenNothingArrives() {
        assertSucceeded(topics("create", "quiet", "--partitions", "3"));

        CliRunner.Result result = consume("quiet", "--from-beginning", "--timeout-ms", "500");

        assertSucceeded(result);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).contains("Processed a total of 0 messages");
    }

    @Test
    void perfProduceThenConsumeCountRecords() {
        assertSucceeded(topics("create", "perf", "--partitions", "2"));

        CliRunner.Result produced = CliRunner.run(withServer("perf", "produce", "--topic", "perf",
                "--num-records", "2000", "--record-size", "100", "--throughput", "-1",
                "--producer-props", "acks=1", "linger.ms=5"));
        assertSucceeded(produced);
        assertThat(produced.out().lines().reduce((a, b) -> b).orElseThrow())
                .startsWith("2000 records sent, ").contains(" ms 99.9th.");

        CliRunner.Result consumed = CliRunner.run(withServer("perf", "consume", "--topic", "perf",
                "--messages", "2000"));
        assertSucceeded(consumed);
        List<String> lines = consumed.out().lines().toList();
        assertThat(lines.get(lines.size() - 2)).isEqualTo(PerfCommand.Consume.HEADER);
        assertThat(lines.get(lines.size() - 1).split(", ")[4]).isEqualTo("2000");

        CliRunner.Result e2e = CliRunner.run(withServer("perf", "e2e", "--topic", "perf",
                "--num-records", "20", "--record-size", "64", "--acks", "1"));
        assertSucceeded(e2e);
        assertThat(e2e.out()).startsWith("20 records sent, ");

        CliRunner.Result fixedRate = CliRunner.run(withServer("perf", "e2e", "--topic", "perf", "--rate", "200",
                "--duration-s", "1", "--record-size", "64", "--acks", "1"));
        assertSucceeded(fixedRate);
        assertThat(fixedRate.out()).startsWith("200 records at 200 rec/s: sent at ")
                .contains(", 200 received, 200 measured; latency from intended send time ").contains(" ms 99.9th, ");
    }

    @Test
    void clusterDescribeAndMetadataDump() {
        assertSucceeded(topics("create", "dumped", "--partitions", "1"));

        CliRunner.Result described = CliRunner.run(withServer("cluster", "describe"));
        assertSucceeded(described);
        assertThat(described.out()).startsWith("ClusterId: " + cluster.clusterId()).contains("Broker: ");

        String controller = "127.0.0.1:" + cluster.node(cluster.controllerIds().get(0)).port("CONTROLLER").orElseThrow();
        CliRunner.Result dump = CliRunner.run("metadata", "dump", "--bootstrap-controller", controller,
                "--timeout-ms", "5000");
        assertSucceeded(dump);
        assertThat(dump.out()).contains("TopicRecord\tname: \"dumped\"", "PartitionRecord");
    }
}
