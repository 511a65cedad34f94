package io.runnel.client.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.Header;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SDK's Producer, Consumer and Admin against a real single-node cluster. */
class ClientEndToEndTest {

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static RunnelAdmin admin;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.singleNode(dir).start();
        admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        admin.close();
        cluster.close();
    }

    private static RunnelProducer<String, String> producer(Map<String, Object> extra) {
        Map<String, Object> configs = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer"));
        configs.putAll(extra);
        return new RunnelProducer<>(configs);
    }

    private static RunnelConsumer<String, String> consumer() {
        return new RunnelConsumer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "auto.offset.reset", "earliest"));
    }

    private static List<ConsumerRecord<String, String>> consume(String topic, int partitions, int expected) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (RunnelConsumer<String, String> consumer = consumer()) {
            List<TopicPartition> assignment = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                assignment.add(new TopicPartition(topic, p));
            }
            consumer.assign(assignment);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void everyCompressionTypeRoundTripsWithKeysAndHeaders(String compression) throws Exception {
        String topic = "codec-" + compression;
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (RunnelProducer<String, String> producer = producer(Map.of("compression.type", compression, "acks", "all"))) {
            for (int i = 0; i < 200; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, null, null, "key-" + (i % 7), "value-" + i,
                        List.of(new Header("n", String.valueOf(i).getBytes(StandardCharsets.UTF_8))))));
            }
            producer.flush();
        }
        for (Future<RecordMetadata> future : sent) {
            assertThat(future.get(10, TimeUnit.SECONDS).hasOffset()).isTrue();
        }
        List<ConsumerRecord<String, String>> records = consume(topic, 2, 200);
        assertThat(records).hasSize(200);
        for (ConsumerRecord<String, String> record : records) {
            int n = Integer.parseInt(new String(record.headers().toArray()[0].value(), StandardCharsets.UTF_8));
            assertThat(record.value()).isEqualTo("value-" + n);
            assertThat(record.key()).isEqualTo("key-" + (n % 7));
        }
        // Same key, same partition: the murmur2 partitioner keeps per-key order.
        Map<String, Integer> partitionOfKey = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            assertThat(partitionOfKey.merge(record.key(), record.partition(), (a, b) -> a.equals(b) ? a : -1)).isNotNegative();
        }
    }

    @Test
    void producerAutoCreatesATopicWithClusterDefaults() throws Exception {
        try (RunnelProducer<String, String> producer = producer(Map.of("acks", "1"))) {
            RecordMetadata metadata = producer.send(new ProducerRecord<>("auto-created", "k", "v")).get(30, TimeUnit.SECONDS);
            assertThat(metadata.partition()).isZero();
        }
        assertThat(consume("auto-created", 1, 1)).extracting(ConsumerRecord::value).containsExactly("v");
    }

    @Test
    void adminReportsNamedErrors() throws Exception {
        admin.createTopics(List.of(new NewTopic("admin-errors", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("admin-errors", 1, (short) 1))).all().get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .satisfies(e -> {
                    assertThat(e.getCause()).isInstanceOf(ApiException.class);
                    assertThat(((ApiException) e.getCause()).code()).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);
                    assertThat(e.getCause().getMessage()).contains("admin-errors");
                });
        assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("too-replicated", 1, (short) 3))).all().get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .satisfies(e -> assertThat(((ApiException) e.getCause()).code()).isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR));
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("admin-errors").doesNotContain("too-replicated");
    }

    @Test
    void consumerSeeksAndRecordsTooLargeAreRejected() throws Exception {
        admin.createTopics(List.of(new NewTopic("seeking", 1, (short) 1, Map.of("max.message.bytes", "2000")))).all().get(30, TimeUnit.SECONDS);
        try (RunnelProducer<String, String> producer = producer(Map.of("acks", "1", "linger.ms", "0"))) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>("seeking", "k", "v" + i)).get(10, TimeUnit.SECONDS);
            }
            Future<RecordMetadata> tooLarge = producer.send(new ProducerRecord<>("seeking", "k", "x".repeat(5_000)));
            assertThatThrownBy(() -> tooLarge.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .satisfies(e -> assertThat(((ApiException) e.getCause()).code()).isEqualTo(ErrorCode.RECORD_TOO_LARGE));
        }
        TopicPartition tp = new TopicPartition("seeking", 0);
        try (RunnelConsumer<String, String> consumer = consumer()) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 7);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < 3 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.offset() + ":" + r.value()));
            }
            assertThat(values).containsExactly("7:v7", "8:v8", "9:v9");
            assertThat(consumer.position(tp)).isEqualTo(10);
            consumer.seekToBeginning(List.of(tp));
            assertThat(consumer.position(tp)).isZero();
        }
    }
}
