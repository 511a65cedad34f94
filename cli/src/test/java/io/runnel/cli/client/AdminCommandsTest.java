package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.cli.CliRunner;
import io.runnel.proto.BrokerState;
import io.runnel.proto.ControllerInfo;
import io.runnel.proto.DescribeClusterResponse;
import io.runnel.proto.Endpoint;
import io.runnel.proto.MetadataDelivery;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.NoOpRecord;
import io.runnel.proto.metadata.RegisterBrokerRecord;
import io.runnel.proto.metadata.TopicRecord;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin commands end to end over real gRPC against {@link FakeAdminServer}. */
class AdminCommandsTest {

    private FakeAdminServer server;

    @BeforeEach
    void start() throws Exception {
        server = new FakeAdminServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private CliRunner.Result topics(String... args) {
        String[] withServer = new String[args.length + 3];
        withServer[0] = "topics";
        System.arraycopy(args, 0, withServer, 1, args.length);
        withServer[args.length + 1] = "--bootstrap-server";
        withServer[args.length + 2] = server.address();
        return CliRunner.run(withServer);
    }

    private static void assertOneErrorLine(CliRunner.Result result, String message) {
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err().lines()).containsExactly("Error: " + message);
    }

    @Test
    void createListDescribeAlterDelete() {
        CliRunner.Result created = topics("create", "orders", "--partitions", "2", "--replication-factor", "1",
                "--config", "retention.ms=1000");
        assertThat(created.exitCode()).isZero();
        assertThat(created.out()).startsWith("Created topic orders (TopicId: ").contains("PartitionCount: 2");
        topics("create", "audit");

        assertThat(topics("list").out().lines()).containsExactly("audit", "orders");

        CliRunner.Result described = topics("describe", "orders");
        assertThat(described.out().lines()).hasSize(3);
        assertThat(described.out().lines().findFirst().orElseThrow())
                .startsWith("Topic: orders\tTopicId: ").endsWith("\tPartitionCount: 2\tReplicationFactor: 1\tCleanupPolicy: delete\tConfigs: retention.ms=1000");
        assertThat(described.out()).contains("\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1");
        assertThat(topics("describe").out().lines()).hasSize(5);
        CliRunner.Result healthy = topics("describe", "--under-replicated-partitions", "--unavailable-partitions");
        assertThat(healthy.exitCode()).isZero();
        assertThat(healthy.out()).isEmpty();

        assertThat(topics("alter", "orders", "--partitions", "4").out()).isEqualTo("Topic orders now has 4 partitions.\n");
        assertThat(topics("describe", "orders").out()).contains("PartitionCount: 4");

        assertThat(topics("delete", "audit").exitCode()).isZero();
        assertThat(server.hasTopic("audit")).isFalse();
    }

    @Test
    void badInputIsOneErrorLine() {
        server.addTopic("orders", 3);

        assertOneErrorLine(topics("create", "orders"), "topic 'orders' already exists");
        assertOneErrorLine(topics("describe", "missing"), "topic 'missing' does not exist");
        assertOneErrorLine(topics("delete", "missing"), "topic 'missing' does not exist");
        assertOneErrorLine(topics("alter", "orders", "--partitions", "2"),
                "topic 'orders' has 3 partitions; the count can only increase");
        assertOneErrorLine(topics("create", "t", "--config", "retention.ms=soon"),
                "invalid value 'soon' for retention.ms: not a number");
        assertOneErrorLine(topics("create", "..", "--partitions", "1"), "topic name cannot be '..'");
    }

    @Test
    void configsDescribeAndAlter() {
        server.addTopic("orders", 1);

        CliRunner.Result altered = CliRunner.run("configs", "alter", "--topic", "orders",
                "--set", "retention.ms=5000", "--set", "cleanup.policy=compact", "--bootstrap-server", server.address());
        assertThat(altered.exitCode()).isZero();
        assertThat(server.configs("orders")).isEqualTo(Map.of("retention.ms", "5000", "cleanup.policy", "compact"));

        CliRunner.Result deleted = CliRunner.run("configs", "alter", "--topic", "orders",
                "--delete", "cleanup.policy", "--bootstrap-server", server.address());
        assertThat(deleted.exitCode()).isZero();

        CliRunner.Result described = CliRunner.run("configs", "describe", "--topic", "orders",
                "--bootstrap-server", server.address());
        assertThat(described.out().lines()).containsExactly(
                "cleanup.policy=delete\tsource=DEFAULT_CONFIG",
                "retention.ms=5000\tsource=DYNAMIC_TOPIC_CONFIG");
        CliRunner.Result overrides = CliRunner.run("configs", "describe", "--topic", "orders",
                "--overrides-only", "--bootstrap-server", server.address());
        assertThat(overrides.out().lines()).containsExactly("retention.ms=5000\tsource=DYNAMIC_TOPIC_CONFIG");

        assertOneErrorLine(CliRunner.run("configs", "describe", "--topic", "nope",
                "--bootstrap-server", server.address()), "topic 'nope' does not exist");
    }

    @Test
    void clusterDescribePrintsControllersAndBrokers() {
        server.cluster = DescribeClusterResponse.newBuilder().setClusterId("c-1").setControllerId(2).setMetadataOffset(40)
                .addControllers(ControllerInfo.newBuilder().setId(2).setHost("127.0.0.1").setPort(9095).setActive(true)
                        .setTerm(3).setCommitIndex(41).setAppliedOffset(41).setReachable(true))
                .addControllers(ControllerInfo.newBuilder().setId(1).setHost("127.0.0.1").setPort(9093)
                        .setTerm(3).setCommitIndex(41).setAppliedOffset(40).setReachable(true))
                .addBrokerStates(BrokerState.newBuilder().setId(101).setHost("127.0.0.1").setPort(9092).setRack("r1")
                        .setLastHeartbeatAgeMs(800).setAppliedMetadataOffset(40).setMetadataLag(1).setBrokerEpoch(7))
                .addBrokerStates(BrokerState.newBuilder().setId(102).setHost("127.0.0.1").setPort(9094).setFenced(true)
                        .setLastHeartbeatAgeMs(-1).setAppliedMetadataOffset(12).setMetadataLag(29).setBrokerEpoch(9))
                .build();

        CliRunner.Result result = CliRunner.run("cluster", "describe", "--bootstrap-server", server.address());

        assertThat(result.exitCode()).isZero();
        assertThat(result.out().lines()).containsExactly(
                "ClusterId: c-1\tActiveController: 2\tMetadataOffset: 40",
                "Controller: 1\tAddress: 127.0.0.1:9093\tActive: false\tTerm: 3\tCommitIndex: 41\tAppliedOffset: 40\tReachable: true",
                "Controller: 2\tAddress: 127.0.0.1:9095\tActive: true\tTerm: 3\tCommitIndex: 41\tAppliedOffset: 41\tReachable: true",
                "Broker: 101\tAddress: 127.0.0.1:9092\tRack: r1\tFenced: false\tLastHeartbeatMs: 800\tMetadataOffset: 40\tLag: 1\tEpoch: 7",
                "Broker: 102\tAddress: 127.0.0.1:9094\tRack: none\tFenced: true\tLastHeartbeatMs: unknown\tMetadataOffset: 12\tLag: 29\tEpoch: 9");
    }

    @Test
    void metadataDumpStopsWhenCaughtUp() {
        server.deliveries.add(MetadataDelivery.newBuilder().setIsSnapshot(true).setLastOffset(5).setCommittedOffset(7)
                .addRecords(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                        .setBrokerId(101).setBrokerEpoch(3).addEndpoints(Endpoint.newBuilder()
                                .setListener("PLAINTEXT").setHost("127.0.0.1").setPort(9092))))
                .build());
        server.deliveries.add(MetadataDelivery.newBuilder().setLastOffset(7).setCommittedOffset(7).setAppendTimeMs(99)
                .addRecords(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName("orders").setTopicId("id-1")))
                .addRecords(MetadataRecord.newBuilder().setNoOp(NoOpRecord.getDefaultInstance()))
                .build());

        CliRunner.Result result = CliRunner.run("metadata", "dump", "--bootstrap-controller", server.address());

        assertThat(result.exitCode()).isZero();
        assertThat(result.out().lines()).containsExactly(
                "# snapshot at offset 5 (1 records, appended at 0, committed offset 7)",
                "offset=5\tRegisterBrokerRecord\tbroker_id: 101 broker_epoch: 3 endpoints { listener: \"PLAINTEXT\" host: \"127.0.0.1\" port: 9092 }",
                "# batch at offset 7 (2 records, appended at 99, committed offset 7)",
                "offset=7\tTopicRecord\tname: \"orders\" topic_id: \"id-1\"",
                "offset=7\tNoOpRecord\t");
    }

    @Test
    void metadataDumpFromAnOffsetStopsAtTheTimeoutWhenNothingIsNew() {
        CliRunner.Result result = CliRunner.run("metadata", "dump", "--from", "7", "--timeout-ms", "300",
                "--bootstrap-controller", server.address());

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).isEqualTo("Stopped after 300 ms (--timeout-ms).\n");
    }
}
