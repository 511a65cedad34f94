package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.runnel.cli.Main;
import io.runnel.client.admin.AlterConfigOp;
import io.runnel.client.admin.ConfigResource;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.common.TopicPartition;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.ReplicationThrottles;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.ConfigSource;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.ResourceType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code partitions reassign}, {@code cluster elect-leaders} and the min-ISR filters of {@code topics
 * describe}, run through the real entry point ({@link Main#run}) against an in-process cluster of one
 * controller and five brokers. Broker 105 is stopped before the tests: registered but fenced, it can be
 * named in a target yet never catch up, so a reassignment to it stays in progress whether or not
 * follower replication moves data.
 */
class ReassignCommandsIntegrationTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static RunnelAdmin admin;

    record Result(int exitCode, String out, String err) {
    }

    @BeforeAll
    static void start() {
        cluster = LocalCluster.of(dir, 1, 5, Map.of("auto.leader.rebalance.enable", "false")).start();
        cluster.stop(105);
        admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Result runnel(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add("--bootstrap-server");
        all.add(cluster.bootstrapServers());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exitCode = Main.run(all.toArray(String[]::new), java.io.InputStream.nullInputStream(), new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new Result(exitCode, out.toString(), err.toString());
    }

    private static Result succeeded(Result result) {
        assertThat(result.exitCode()).as("stdout: %s%nstderr: %s", result.out(), result.err()).isZero();
        return result;
    }

    private static void createTopic(String name, List<List<Integer>> assignment, Map<String, String> configs) throws Exception {
        Map<Integer, List<Integer>> replicas = new HashMap<>();
        for (int p = 0; p < assignment.size(); p++) {
            replicas.put(p, assignment.get(p));
        }
        admin.createTopics(List.of(new NewTopic(name, -1, (short) -1, replicas, configs))).all().get(30, TimeUnit.SECONDS);
    }

    private static MetadataImage image() {
        return cluster.node(101).brokerImage().orElseThrow();
    }

    private static PartitionRegistration partition(String topic, int partition) {
        return image().topics().getTopic(topic).partition(partition);
    }

    @Test
    void executeListVerifyAndCancelAReassignmentWithAThrottle() throws Exception {
        createTopic("orders", List.of(List.of(101, 102, 103)), Map.of());
        createTopic("shrink", List.of(List.of(101, 102, 103)), Map.of());
        Path plan = dir.resolve("plan.json");
        Files.writeString(plan, """
                {"version": 1, "partitions": [
                  {"topic": "orders", "partition": 0, "replicas": [102, 103, 105]},
                  {"topic": "shrink", "partition": 0, "replicas": [102, 103]}
                ]}
                """);

        Result executed = succeeded(runnel("partitions", "reassign", "--execute", "--plan", plan.toString(),
                "--throttle", "1000000"));

        assertThat(executed.out()).contains("Current partition replica assignment",
                "{\"version\":1,\"partitions\":[{\"topic\":\"orders\",\"partition\":0,\"replicas\":[101,102,103]},"
                        + "{\"topic\":\"shrink\",\"partition\":0,\"replicas\":[101,102,103]}]}",
                "Save this to use as the --plan option during rollback",
                "The inter-broker throttle limit was set to 1000000 B/s on brokers 101,102,103,105",
                "Successfully started partition reassignments for orders-0,shrink-0");
        // A pure shrink whose target is in sync completes at once; leadership leaves removed broker 101.
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(partition("shrink", 0).replicas()).containsExactly(102, 103);
            assertThat(partition("shrink", 0).leader()).isEqualTo(102);
        });
        // The throttles are in every broker's image, where the replica fetchers read them.
        await().atMost(PATIENCE).untilAsserted(() -> {
            ReplicationThrottles throttles = image().configs().replicationThrottles();
            assertThat(throttles.isLeaderThrottled("orders", 0, 101)).isTrue();
            assertThat(throttles.isLeaderThrottled("orders", 0, 103)).isTrue();
            assertThat(throttles.isFollowerThrottled("orders", 0, 105)).isTrue();
            assertThat(throttles.isFollowerThrottled("orders", 0, 102)).isFalse();
            assertThat(throttles.leaderRateBytesPerSecond(105)).isEqualTo(1_000_000);
            assertThat(throttles.followerRateBytesPerSecond(101)).isEqualTo(1_000_000);
        });

        // A broker describes its own rates, set dynamically.
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1",
                cluster.node(101).port("PLAINTEXT").orElseThrow()).usePlaintext().build();
        try {
            var described = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .describeConfigs(DescribeConfigsRequest.newBuilder().addResources(
                            io.runnel.proto.ConfigResource.newBuilder().setType(ResourceType.BROKER)
                                    .setName("101").addKeys("leader.replication.throttled.rate")).build()).getResults(0);
            assertThat(described.getEntriesList()).singleElement().satisfies(entry -> {
                assertThat(entry.getValue()).isEqualTo("1000000");
                assertThat(entry.getSource()).isEqualTo(ConfigSource.DYNAMIC_BROKER_CONFIG);
            });
        } finally {
            channel.shutdownNow();
        }

        assertThat(succeeded(runnel("partitions", "reassign", "--list")).out()).isEqualTo(
                "Current partition reassignments:\norders-0: replicas: 102,103,105,101. adding: 105. removing: 101.\n");
        Result inProgress = succeeded(runnel("partitions", "reassign", "--verify", "--plan", plan.toString()));
        assertThat(inProgress.out()).isEqualTo("""
                Status of partition reassignment:
                Reassignment of partition orders-0 is still in progress (replicas: 102,103,105,101; adding: 105; removing: 101).
                Reassignment of partition shrink-0 is complete.
                """);
        assertThat(image().configs().replicationThrottles().isLeaderThrottled("orders", 0, 101))
                .as("throttles stay while a move is in progress").isTrue();

        Result refused = runnel("partitions", "reassign", "--execute", "--plan", plan.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).startsWith("Error: cannot execute: reassignments are in progress for orders-0;")
                .contains("--additional");

        Result cancelled = succeeded(runnel("partitions", "reassign", "--cancel", "--plan", plan.toString()));
        assertThat(cancelled.out()).contains("Successfully cancelled partition reassignments for orders-0",
                "Clearing broker-level throttles on brokers 101,102,103,104,105",
                "Clearing topic-level throttles on topics orders,shrink");
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(partition("orders", 0).isReassigning()).isFalse();
            assertThat(partition("orders", 0).replicas()).containsExactly(102, 103, 101);
            assertThat(image().configs().replicationThrottles()).isSameAs(ReplicationThrottles.NONE);
        });
        assertThat(succeeded(runnel("partitions", "reassign", "--verify", "--plan", plan.toString())).out()).contains(
                "There is no active reassignment of partition orders-0, but replica set is 102,103,101 rather than 102,103,105.");
        assertThat(succeeded(runnel("partitions", "reassign", "--list")).out()).isEqualTo("No partition reassignments found.\n");
    }

    @Test
    void badPlansAndOptionsFailNamingWhatIsWrong() throws Exception {
        createTopic("plans", List.of(List.of(101, 102)), Map.of());
        Path plan = dir.resolve("bad.json");

        Files.writeString(plan, "{\"version\": 1,\n \"partitions\": [{\"topic\": \"plans\", \"partition\": 0, \"replicas\": [101, 101]}]}");
        Result duplicate = runnel("partitions", "reassign", "--execute", "--plan", plan.toString());
        assertThat(duplicate.exitCode()).isEqualTo(1);
        assertThat(duplicate.err()).startsWith("Error: " + plan + ": line 2, column ").contains("lists broker 101 twice");

        Files.writeString(plan, "{\"version\": 1, \"partitions\": [{\"topic\": \"plans\", \"partition\": 0, \"replicas\": [101, 999]}]}");
        Result unregistered = runnel("partitions", "reassign", "--execute", "--plan", plan.toString());
        assertThat(unregistered.exitCode()).isEqualTo(1);
        assertThat(unregistered.err()).contains("Error reassigning partition plans-0: INVALID_REPLICA_ASSIGNMENT",
                "broker 999", "not registered", "Error: 1 of 1 partitions failed: plans-0");

        Files.writeString(plan, "{\"version\": 1, \"partitions\": [{\"topic\": \"plans\", \"partition\": 7, \"replicas\": [101]}]}");
        Result missing = runnel("partitions", "reassign", "--execute", "--plan", plan.toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("partition plans-7 of the plan does not exist");

        assertThat(runnel("partitions", "reassign", "--execute").err()).contains("--plan is required");
        assertThat(runnel("partitions", "reassign", "--list", "--throttle", "5").err())
                .contains("--throttle is used only with --execute");
        assertThat(runnel("partitions", "reassign", "--execute", "--verify", "--plan", plan.toString()).exitCode())
                .isEqualTo(2);
        assertThat(runnel("partitions", "reassign", "--execute", "--plan", dir.resolve("nope.json").toString()).err())
                .contains("plan file '" + dir.resolve("nope.json") + "' does not exist");
        assertThat(runnel("partitions", "reassign", "--generate", "--topics", "plans").err())
                .contains("--generate needs --brokers and --topics");
    }

    @Test
    void generateProposesAPlanOverTheGivenBrokers() throws Exception {
        createTopic("gen", List.of(List.of(101, 102), List.of(102, 103), List.of(103, 104), List.of(104, 101)), Map.of());

        Result generated = succeeded(runnel("partitions", "reassign", "--generate", "--brokers", "101,102,103",
                "--topics", "gen"));

        List<String> lines = generated.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("Current partition replica assignment");
        assertThat(ReassignmentPlan.parse(lines.get(1), "current").toJson()).isEqualTo("{\"version\":1,\"partitions\":["
                + "{\"topic\":\"gen\",\"partition\":0,\"replicas\":[101,102]},{\"topic\":\"gen\",\"partition\":1,\"replicas\":[102,103]},"
                + "{\"topic\":\"gen\",\"partition\":2,\"replicas\":[103,104]},{\"topic\":\"gen\",\"partition\":3,\"replicas\":[104,101]}]}");
        assertThat(lines.get(3)).isEqualTo("Proposed partition reassignment configuration");
        ReassignmentPlan proposed = ReassignmentPlan.parse(lines.get(4), "proposed");
        assertThat(proposed.moves()).hasSize(4).allSatisfy(move -> {
            assertThat(move.topic()).isEqualTo("gen");
            assertThat(move.replicas()).hasSize(2).doesNotHaveDuplicates().isSubsetOf(101, 102, 103);
        });
        assertThat(proposed.moves()).extracting(move -> move.replicas().get(0)).as("leaders round-robin")
                .containsAll(List.of(101, 102, 103));

        Result unknown = runnel("partitions", "reassign", "--generate", "--brokers", "101,999", "--topics", "gen");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("--brokers names 999, which the cluster does not list among its unfenced brokers");
        Result tooFew = runnel("partitions", "reassign", "--generate", "--brokers", "101", "--topics", "gen");
        assertThat(tooFew.err()).contains("topic 'gen' has replication factor 2, more than the 1 brokers of --brokers");
    }

    @Test
    void electLeadersPrintsEachPartitionsOutcome() throws Exception {
        createTopic("el", List.of(List.of(101, 102), List.of(101, 102)), Map.of());
        // A reorder makes 102 the preferred replica of el-0 while 101 keeps leading.
        admin.alterPartitionReassignments(Map.of(new TopicPartition("el", 0),
                Optional.of(List.of(102, 101)))).all().get(30, TimeUnit.SECONDS);
        await().atMost(PATIENCE).until(() -> partition("el", 0).preferredLeader() == 102);

        Result elected = succeeded(runnel("cluster", "elect-leaders", "--topic", "el"));

        assertThat(elected.out().lines().toList()).containsExactly("el-0\telected",
                "el-1\tELECTION_NOT_NEEDED\tpreferred leader 101 already leads el-1");
        await().atMost(PATIENCE).until(() -> partition("el", 0).leader() == 102);
        assertThat(succeeded(runnel("cluster", "elect-leaders", "--topic", "el", "--partition", "0", "--type", "unclean"))
                .out()).isEqualTo("el-0\tELECTION_NOT_NEEDED\tel-0 has leader 102\n");

        assertThat(runnel("cluster", "elect-leaders", "--partition", "0").err()).contains("--partition needs --topic");
        Result badType = runnel("cluster", "elect-leaders", "--type", "sideways");
        assertThat(badType.exitCode()).isEqualTo(2);
        assertThat(badType.err()).contains("'sideways' is not an election type");
        Result unknown = runnel("cluster", "elect-leaders", "--topic", "ghost");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("topic 'ghost' does not exist");
    }

    @Test
    void describeFiltersPartitionsByTheTopicsMinIsr() throws Exception {
        // 105 is fenced, so partitions placed on it start with an ISR of two.
        createTopic("minisr", List.of(List.of(101, 102, 105), List.of(101, 102, 103)), Map.of("min.insync.replicas", "3"));

        // Every broker answers from its own image: wait until the one asked has applied each change.
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(succeeded(runnel("topics", "describe", "minisr", "--under-min-isr-partitions")).out())
                    .isEqualTo("\tTopic: minisr\tPartition: 0\tLeader: 101\tReplicas: 101,102,105\tIsr: 101,102\tOffline: 105\n");
            assertThat(succeeded(runnel("topics", "describe", "minisr", "--at-min-isr-partitions")).out())
                    .isEqualTo("\tTopic: minisr\tPartition: 1\tLeader: 101\tReplicas: 101,102,103\tIsr: 101,102,103\n");
        });

        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, "minisr"),
                List.of(AlterConfigOp.set("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(succeeded(runnel("topics", "describe", "minisr", "--under-min-isr-partitions")).out()).isEmpty();
            assertThat(succeeded(runnel("topics", "describe", "minisr", "--at-min-isr-partitions")).out())
                    .isEqualTo("\tTopic: minisr\tPartition: 0\tLeader: 101\tReplicas: 101,102,105\tIsr: 101,102\tOffline: 105\n");
        });
    }
}
