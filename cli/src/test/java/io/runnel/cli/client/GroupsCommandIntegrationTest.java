package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.cli.CliRunner;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.node.testing.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code runnel consume --group} and {@code runnel groups ...} against a real single-node cluster: a group
 * consumes and commits as it goes, a second run resumes after it, describe shows members and lag, offsets are
 * reset (refused while the group is active), deleted, and the group itself deleted.
 */
class GroupsCommandIntegrationTest {

    @TempDir
    static Path dir;

    private static LocalCluster cluster;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.singleNode(dir, Map.of("offsets.topic.num.partitions", "3")).start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private String[] withServer(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("--bootstrap-server");
        all.add(cluster.bootstrapServers());
        return all.toArray(String[]::new);
    }

    private CliRunner.Result run(String... args) {
        return CliRunner.run(withServer(args));
    }

    private static void assertSucceeded(CliRunner.Result result) {
        assertThat(result.exitCode()).as("stderr: %s", result.err()).isZero();
    }

    private static void assertOneErrorLine(CliRunner.Result result, String... fragments) {
        assertThat(result.exitCode()).as("stdout: %s", result.out()).isNotZero();
        assertThat(result.err().lines().filter(l -> l.startsWith("Error: ")).toList()).hasSize(1);
        assertThat(result.err()).contains(fragments);
    }

    /** Keyed records, so they spread over the partitions. */
    private void produce(String topic, int count, String prefix) {
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < count; i++) {
            input.append("key-").append(i).append(':').append(prefix).append(i).append('\n');
        }
        assertSucceeded(CliRunner.runWithInput(input.toString(), withServer("produce", topic, "--key-separator", ":")));
    }

    @Test
    void aGroupConsumesCommitsResumesAndIsDescribedResetAndDeleted() {
        assertSucceeded(run("topics", "create", "orders", "--partitions", "2", "--replication-factor", "1"));
        produce("orders", 10, "a");

        CliRunner.Result first = run("consume", "orders", "--group", "billing", "--from-beginning", "--max-messages", "6");
        assertSucceeded(first);
        assertThat(first.out().lines()).hasSize(6);
        CliRunner.Result second = run("consume", "orders", "--group", "billing", "--from-beginning", "--timeout-ms", "3000");
        assertSucceeded(second);
        assertThat(second.out().lines()).as("the group resumes after what it committed").hasSize(4)
                .doesNotContainAnyElementsOf(first.out().lines().toList());

        assertThat(run("groups", "list").out().lines()).contains("billing");
        CliRunner.Result described = run("groups", "describe", "billing");
        assertSucceeded(described);
        assertThat(described.out()).contains("Empty").contains("has no active members");
        assertThat(described.out().lines().filter(l -> l.startsWith("billing") && l.contains("orders")).toList())
                .hasSize(2).allSatisfy(line -> assertThat(line.split("\\s+")[5]).as("lag of " + line).isEqualTo("0"));

        CliRunner.Result dryRun = run("groups", "reset-offsets", "--group", "billing", "--topic", "orders:0", "--to-earliest");
        assertSucceeded(dryRun);
        assertThat(dryRun.out()).contains("NEW-OFFSET");
        assertThat(dryRun.err()).contains("Dry run");
        CliRunner.Result reset = run("groups", "reset-offsets", "--group", "billing", "--all-topics", "--to-earliest", "--execute");
        assertSucceeded(reset);
        CliRunner.Result again = run("consume", "orders", "--group", "billing", "--timeout-ms", "3000");
        assertThat(again.out().lines()).as("after the reset the group reads everything again").hasSize(10);

        CliRunner.Result shifted = run("groups", "reset-offsets", "--group", "billing", "--topic", "orders", "--shift-by", "-2",
                "--execute");
        assertSucceeded(shifted);
        assertThat(shifted.out().lines().filter(l -> l.startsWith("billing")).map(l -> l.split("\\s+")[3]).toList())
                .allSatisfy(offset -> assertThat(Long.parseLong(offset)).isGreaterThanOrEqualTo(0));

        assertSucceeded(run("groups", "delete-offsets", "--group", "billing", "--topic", "orders:1"));
        CliRunner.Result afterDelete = run("groups", "describe", "billing", "--offsets");
        assertThat(afterDelete.out().lines().filter(l -> l.contains("orders")).toList()).hasSize(1);

        CliRunner.Result deleted = run("groups", "delete", "billing");
        assertSucceeded(deleted);
        assertThat(deleted.out()).contains("Deletion of requested consumer groups ('billing') was successful.");
        assertOneErrorLine(run("groups", "describe", "billing"), "does not exist");
    }

    /** The committed offset of partition 0 of {@code topic} as {@code groups describe --offsets} prints it. */
    private long committedOffset(String group, String topic) {
        CliRunner.Result described = run("groups", "describe", group, "--offsets");
        assertSucceeded(described);
        List<String> rows = described.out().lines().filter(l -> l.startsWith(group + " ") && l.contains(" " + topic + " ")).toList();
        assertThat(rows).hasSize(1);
        return Long.parseLong(rows.get(0).trim().split("\\s+")[3]);
    }

    /** Runs reset-offsets --execute on partition 0 and returns the NEW-OFFSET it printed. */
    private long reset(String group, String topic, String... target) {
        List<String> args = new ArrayList<>(List.of("groups", "reset-offsets", "--group", group, "--topic", topic + ":0"));
        args.addAll(Arrays.asList(target));
        args.add("--execute");
        CliRunner.Result result = run(args.toArray(String[]::new));
        assertSucceeded(result);
        List<String> rows = result.out().lines().filter(l -> l.startsWith(group + " ")).toList();
        assertThat(rows).hasSize(1);
        return Long.parseLong(rows.get(0).trim().split("\\s+")[3]);
    }

    @Test
    void everyResetTargetCommitsTheOffsetItNames() {
        assertSucceeded(run("topics", "create", "stamped", "--partitions", "1", "--replication-factor", "1"));
        produce("stamped", 5, "old");
        // Every record produced from now on has a later timestamp (create time) than the first five.
        long between = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > between);
        produce("stamped", 5, "new");
        assertSucceeded(run("consume", "stamped", "--group", "resets", "--from-beginning", "--max-messages", "2"));
        assertThat(committedOffset("resets", "stamped")).isEqualTo(2);

        assertThat(reset("resets", "stamped", "--to-latest")).isEqualTo(10);
        assertThat(committedOffset("resets", "stamped")).isEqualTo(10);
        assertThat(reset("resets", "stamped", "--to-offset", "3")).isEqualTo(3);
        assertThat(committedOffset("resets", "stamped")).isEqualTo(3);
        assertThat(reset("resets", "stamped", "--to-offset", "999")).as("kept within the log").isEqualTo(10);
        assertThat(reset("resets", "stamped", "--to-datetime", java.time.Instant.ofEpochMilli(between + 1).toString()))
                .as("the first record at or after the time").isEqualTo(5);
        assertThat(committedOffset("resets", "stamped")).isEqualTo(5);
        assertThat(reset("resets", "stamped", "--by-duration", "P1D")).as("everything is younger than a day").isEqualTo(0);
        assertThat(reset("resets", "stamped", "--shift-by", "4")).isEqualTo(4);
        assertThat(reset("resets", "stamped", "--shift-by", "-10")).as("kept within the log").isEqualTo(0);
        assertThat(committedOffset("resets", "stamped")).isEqualTo(0);

        CliRunner.Result again = run("consume", "stamped", "--group", "resets", "--timeout-ms", "3000");
        assertThat(again.out().lines()).as("the group reads from where the last reset put it").hasSize(10);
        assertThat(committedOffset("resets", "stamped")).isEqualTo(10);
    }

    @Test
    void anActiveGroupShowsItsMembersAndRefusesResetsAndDeletion() throws Exception {
        assertSucceeded(run("topics", "create", "live", "--partitions", "3", "--replication-factor", "1"));
        produce("live", 6, "l");
        try (RunnelConsumer<String, String> member = new RunnelConsumer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "group.id", "active", "client.id", "member-one", "auto.offset.reset", "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            member.subscribe(List.of("live"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (member.assignment().size() < 3 && System.nanoTime() < deadline) {
                member.poll(Duration.ofMillis(100));
            }
            member.commitSync();

            CliRunner.Result described = run("groups", "describe", "active");
            assertSucceeded(described);
            assertThat(described.out()).contains("Stable").contains("member-one").contains("/127.0.0.1").contains("live(0,1,2)");
            assertThat(described.out()).contains(member.memberId());

            assertOneErrorLine(run("groups", "reset-offsets", "--group", "active", "--all-topics", "--to-earliest", "--execute"),
                    "only be reset while it is inactive", "1 member(s)");
            assertOneErrorLine(run("groups", "delete", "active"), "NON_EMPTY_GROUP");
            assertOneErrorLine(run("groups", "delete-offsets", "--group", "active", "--topic", "live"), "could not be deleted");
            assertThat(member.committed(java.util.Set.of(new io.runnel.common.TopicPartition("live", 0))).get(
                    new io.runnel.common.TopicPartition("live", 0))).as("nothing changed").isNotNull();
        }
    }

    @Test
    void badInputIsNamed() {
        assertOneErrorLine(run("groups", "describe", "nope"), "does not exist");
        assertOneErrorLine(run("consume", "orders-missing", "--group", "g", "--partition", "0"), "--group");
        assertOneErrorLine(run("groups", "reset-offsets", "--group", "g", "--to-earliest"), "--topic", "--all-topics");
        CliRunner.Result twoTargets = run("groups", "reset-offsets", "--group", "g", "--all-topics", "--to-earliest", "--to-latest");
        assertThat(twoTargets.exitCode()).isEqualTo(2);
        assertOneErrorLine(run("groups", "reset-offsets", "--group", "g", "--all-topics", "--by-duration", "yesterday"), "ISO-8601");
    }
}
