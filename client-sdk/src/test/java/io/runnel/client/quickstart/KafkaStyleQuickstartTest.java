package io.runnel.client.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.client.admin.Admin;
import io.runnel.client.admin.CreateTopicsOptions;
import io.runnel.client.admin.ListTopicsOptions;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.TopicListing;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.InvalidTopicException;
import io.runnel.common.errors.UnknownTopicOrPartitionException;
import io.runnel.node.testing.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Kafka-shaped program ({@link KafkaStyleQuickstart}) runs unchanged in shape against a real node. */
class KafkaStyleQuickstartTest {

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

    @Test
    void theQuickstartProgramProducesAndConsumesWithAdminProducerAndConsumer() throws Exception {
        int count = 30;
        KafkaStyleQuickstart.Report report = KafkaStyleQuickstart.run(cluster.bootstrapServers(), "quickstart-events",
                count);

        assertThat(report.listedTopics()).contains("quickstart-events");
        assertThat(report.described().get("quickstart-events").partitions()).hasSize(3);
        assertThat(report.described().get("quickstart-events").isInternal()).isFalse();
        assertThat(report.duplicateCreate()).contains("quickstart-events").contains("already exists");

        // Records went to the partition asked for, in order within each partition.
        for (int i = 0; i < count; i++) {
            RecordMetadata metadata = report.sent().get(i);
            assertThat(metadata.partition()).isEqualTo(i % 3);
            assertThat(metadata.offset()).isEqualTo(i / 3);
        }

        // Before the fix this waited max.block.ms and failed with REQUEST_TIMED_OUT "not present in metadata".
        assertThat(report.sendToMissingPartition()).isEqualTo("partition 42 of topic 'quickstart-events' does not"
                + " exist: the topic has 3 partitions (0 to 2)");

        assertThat(report.consumed()).hasSize(count);
        for (ConsumerRecord<String, String> record : report.consumed()) {
            int i = Integer.parseInt(record.value().substring("value-".length()));
            assertThat(record.key()).isEqualTo("key-" + i);
            assertThat(record.partition()).isEqualTo(i % 3);
            assertThat(record.offset()).isEqualTo(i / 3);
            assertThat(new String(record.headers().lastHeader("trace-id").value(), StandardCharsets.UTF_8))
                    .isEqualTo("trace-" + i);
            assertThat(record.headers().lastHeader("attempt").value()).containsExactly(1);
            assertThatThrownBy(() -> record.headers().add("late", null)).isInstanceOf(IllegalStateException.class);
        }

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("quickstart-group")
                    .get(30, TimeUnit.SECONDS);
            for (int p = 0; p < 3; p++) {
                assertThat(committed.get(new TopicPartition("quickstart-events", p)).offset()).as("partition %d", p)
                        .isEqualTo(count / 3);
            }
        }
    }

    @Test
    void adminOptionObjectsAreHonoured() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("validated-only", 2, (short) 1)),
                    new CreateTopicsOptions().validateOnly(true).timeoutMs(30_000)).all().get(30, TimeUnit.SECONDS);
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain("validated-only");

            admin.createTopics(List.of(new NewTopic("listed", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Map<String, TopicListing> withInternal = admin.listTopics(new ListTopicsOptions().listInternal(true))
                    .namesToListings().get(30, TimeUnit.SECONDS);
            assertThat(withInternal.get("listed").isInternal()).isFalse();
            assertThat(withInternal.get("listed").topicId()).isNotEmpty();

            ExecutionException invalid = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> admin.createTopics(List.of(new NewTopic("bad/name", 1, (short) 1))).all()
                            .get(30, TimeUnit.SECONDS));
            assertThat(invalid.getCause()).isInstanceOf(InvalidTopicException.class);

            ExecutionException unknown = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> admin.describeTopics(List.of("no-such-topic")).allTopicNames().get(30, TimeUnit.SECONDS));
            assertThat(unknown.getCause()).isInstanceOf(UnknownTopicOrPartitionException.class)
                    .hasMessageContaining("no-such-topic");
        }
    }

    @Test
    void endOffsetsOfAnUnknownTopicSayTheTopicDoesNotExist() {
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "default.api.timeout.ms", "1500"));
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(props)) {
            assertThatThrownBy(() -> consumer.endOffsets(List.of(new TopicPartition("never-created", 0))))
                    .isInstanceOf(UnknownTopicOrPartitionException.class)
                    .hasMessage("topic 'never-created' does not exist: the cluster answered UNKNOWN_TOPIC_OR_PARTITION"
                            + " for it until the timeout (1500 ms) passed");
        }
    }
}
