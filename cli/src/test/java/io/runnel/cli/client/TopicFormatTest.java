package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ConfigEntry;
import io.runnel.proto.ConfigSource;
import io.runnel.proto.PartitionMetadata;
import io.runnel.proto.TopicMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopicFormatTest {

    private static PartitionMetadata partition(int id, int leader, List<Integer> replicas, List<Integer> isr) {
        return PartitionMetadata.newBuilder().setPartition(id).setLeaderId(leader)
                .addAllReplicas(replicas).addAllIsr(isr).build();
    }

    private static final TopicMetadata ORDERS = TopicMetadata.newBuilder()
            .setName("orders").setTopicId("b6c2a9c4-0000-4000-8000-000000000001")
            .addPartitions(partition(1, 2, List.of(2, 1), List.of(2)))
            .addPartitions(partition(0, 1, List.of(1, 2), List.of(1, 2)))
            .build();

    @Test
    void describesLikeKafkaTopicsWithPartitionsInOrder() {
        List<ConfigEntry> entries = List.of(
                ConfigEntry.newBuilder().setName("retention.ms").setValue("1000").setSource(ConfigSource.DYNAMIC_TOPIC_CONFIG).build(),
                ConfigEntry.newBuilder().setName("segment.bytes").setValue("1073741824").setSource(ConfigSource.DEFAULT_CONFIG).build(),
                ConfigEntry.newBuilder().setName("cleanup.policy").setValue("compact").setSource(ConfigSource.DYNAMIC_TOPIC_CONFIG).build());

        List<String> lines = TopicFormat.describe(ORDERS, entries);

        assertThat(lines).containsExactly(
                "Topic: orders\tTopicId: b6c2a9c4-0000-4000-8000-000000000001\tPartitionCount: 2\tReplicationFactor: 2"
                        + "\tCleanupPolicy: compact\tConfigs: retention.ms=1000,cleanup.policy=compact",
                "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1,2",
                "\tTopic: orders\tPartition: 1\tLeader: 2\tReplicas: 2,1\tIsr: 2");
    }

    @Test
    void unhealthyFiltersSelectUnderReplicatedAndLeaderlessPartitions() {
        TopicMetadata topic = TopicMetadata.newBuilder().setName("t")
                .addPartitions(partition(0, 1, List.of(1, 2), List.of(1, 2)))
                .addPartitions(partition(1, 2, List.of(2, 1), List.of(2)))
                .addPartitions(partition(2, -1, List.of(1, 2), List.of(1, 2)))
                .build();

        assertThat(TopicFormat.filteredPartitionLines(topic, new TopicFormat.PartitionFilter(true, false, false, false), 1))
                .containsExactly("\tTopic: t\tPartition: 1\tLeader: 2\tReplicas: 2,1\tIsr: 2");
        assertThat(TopicFormat.filteredPartitionLines(topic, new TopicFormat.PartitionFilter(false, true, false, false), 1))
                .containsExactly("\tTopic: t\tPartition: 2\tLeader: none\tReplicas: 1,2\tIsr: 1,2");
        assertThat(TopicFormat.filteredPartitionLines(topic, new TopicFormat.PartitionFilter(true, true, false, false), 1)).hasSize(2);
        assertThat(TopicFormat.filteredPartitionLines(ORDERS, new TopicFormat.PartitionFilter(true, true, false, false), 1)).containsExactly(
                "\tTopic: orders\tPartition: 1\tLeader: 2\tReplicas: 2,1\tIsr: 2");
    }

    @Test
    void minIsrFiltersCompareTheIsrWithTheTopicsMinimum() {
        TopicMetadata topic = TopicMetadata.newBuilder().setName("t")
                .addPartitions(partition(0, 1, List.of(1, 2, 3), List.of(1, 2, 3)))
                .addPartitions(partition(1, 2, List.of(2, 3, 1), List.of(2, 3)))
                .addPartitions(partition(2, 3, List.of(3, 1, 2), List.of(3)))
                .addPartitions(partition(3, -1, List.of(1, 2, 3), List.of(1, 2)))
                .build();
        TopicFormat.PartitionFilter underMinIsr = new TopicFormat.PartitionFilter(false, false, true, false);
        TopicFormat.PartitionFilter atMinIsr = new TopicFormat.PartitionFilter(false, false, false, true);

        assertThat(TopicFormat.filteredPartitionLines(topic, underMinIsr, 2)).as("ISR 1 < 2, and no leader")
                .containsExactly("\tTopic: t\tPartition: 2\tLeader: 3\tReplicas: 3,1,2\tIsr: 3",
                        "\tTopic: t\tPartition: 3\tLeader: none\tReplicas: 1,2,3\tIsr: 1,2");
        assertThat(TopicFormat.filteredPartitionLines(topic, atMinIsr, 2)).as("ISR of exactly 2")
                .containsExactly("\tTopic: t\tPartition: 1\tLeader: 2\tReplicas: 2,3,1\tIsr: 2,3",
                        "\tTopic: t\tPartition: 3\tLeader: none\tReplicas: 1,2,3\tIsr: 1,2");
        assertThat(TopicFormat.filteredPartitionLines(topic, underMinIsr, 1)).as("only the leaderless one")
                .containsExactly("\tTopic: t\tPartition: 3\tLeader: none\tReplicas: 1,2,3\tIsr: 1,2");
        assertThat(TopicFormat.minInsyncReplicas(List.of(ConfigEntry.newBuilder().setName("min.insync.replicas")
                .setValue("2").build()))).isEqualTo(2);
    }

    @Test
    void partitionWithoutLeaderPrintsNoneAndOfflineReplicas() {
        PartitionMetadata leaderless = partition(3, -1, List.of(1, 2), List.of()).toBuilder().addOfflineReplicas(1).build();

        assertThat(TopicFormat.partitionLine("t", leaderless))
                .isEqualTo("\tTopic: t\tPartition: 3\tLeader: none\tReplicas: 1,2\tIsr: \tOffline: 1");
    }

    @Test
    void configLineShowsSourceAndHidesSensitiveValues() {
        ConfigEntry plain = ConfigEntry.newBuilder().setName("retention.ms").setValue("1000")
                .setSource(ConfigSource.DEFAULT_CONFIG).build();
        ConfigEntry secret = ConfigEntry.newBuilder().setName("password").setValue("hunter2").setSensitive(true)
                .setSource(ConfigSource.DYNAMIC_TOPIC_CONFIG).build();

        assertThat(TopicFormat.configLine(plain)).isEqualTo("retention.ms=1000\tsource=DEFAULT_CONFIG");
        assertThat(TopicFormat.configLine(secret)).isEqualTo("password=<sensitive>\tsource=DYNAMIC_TOPIC_CONFIG");
    }

    @Test
    void alterChangesSetThenDeleteAndRejectNothingOrConflicts() {
        List<AlterableConfig> changes = ConfigsCommand.changes(
                List.of(KeyValue.parse("retention.ms=5"), KeyValue.parse("retention.ms=6")), List.of("cleanup.policy"));

        assertThat(changes).containsExactly(
                AlterableConfig.newBuilder().setName("retention.ms").setOp(AlterConfigOp.SET).setValue("6").build(),
                AlterableConfig.newBuilder().setName("cleanup.policy").setOp(AlterConfigOp.DELETE).build());
        assertThatThrownBy(() -> ConfigsCommand.changes(List.of(), List.of()))
                .hasMessageContaining("nothing to alter");
        assertThatThrownBy(() -> ConfigsCommand.changes(List.of(KeyValue.parse("a=1")), List.of("a")))
                .hasMessage("config 'a' is both set and deleted");
    }

    @Test
    void defaultMessagesNameTheTopic() {
        assertThat(AdminConnection.defaultMessage(io.runnel.proto.ErrorCode.TOPIC_ALREADY_EXISTS, "topic", "orders"))
                .isEqualTo("topic 'orders' already exists");
        assertThat(AdminConnection.defaultMessage(io.runnel.proto.ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic", "x"))
                .isEqualTo("topic 'x' does not exist");
        assertThat(AdminConnection.defaultMessage(io.runnel.proto.ErrorCode.INVALID_PARTITIONS, "topic", "x"))
                .isEqualTo("INVALID_PARTITIONS (topic 'x')");
    }
}
