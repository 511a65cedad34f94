package io.runnel.client.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.common.TopicPartition;
import io.runnel.node.testing.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node restarted (cleanly, then stopped without controlled shutdown) while an idempotent producer
 * streams to it: batches whose answers the restart cut off are resent, and the node, having loaded its
 * producer state from the snapshot written on close, keeps each record once and in order. (A crash with
 * SIGKILL is the cli module's IdempotentKillNineTest.)
 */
class ProducerRestartEndToEndTest {

    @TempDir
    Path dir;

    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyRecordIsInTheLogOnceAndInOrderAcrossRestarts() throws Exception {
        cluster = LocalCluster.singleNode(dir).start();
        try (RunnelAdmin admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("restarts", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        int count = 3_000;
        List<Future<RecordMetadata>> futures = new CopyOnWriteArrayList<>();
        Map<String, Object> configs = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer",
                "linger.ms", 1, "batch.size", 1024, "retry.backoff.ms", 20, "delivery.timeout.ms", 120_000));
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(configs)) {
            Thread sender = new Thread(() -> {
                for (int i = 0; i < count; i++) {
                    futures.add(producer.send(new ProducerRecord<>("restarts", i % 2, "k", String.format("%d-%05d", i % 2, i))));
                    if (i % 100 == 99) {
                        // Spread the stream over the restarts: wait for what is in flight now.
                        await().atMost(Duration.ofSeconds(120)).until(() -> futures.get(futures.size() - 1).isDone());
                    }
                }
            }, "restart-test-sender");
            sender.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> futures.size() > 600);
            cluster.restart(1);
            await().atMost(Duration.ofSeconds(120)).until(() -> futures.size() > 1_500);
            cluster.kill(1);
            cluster.start(1);
            sender.join(TimeUnit.SECONDS.toMillis(180));
            assertThat(sender.isAlive()).isFalse();
            producer.flush();
            for (Future<RecordMetadata> future : futures) {
                assertThat(future.get(120, TimeUnit.SECONDS).hasOffset()).isTrue();
            }
            assertThat(producer.metrics().value("record-retry-total")).as("the restarts cut requests off").isPositive();
        }
        List<ConsumerRecord<String, String>> log = readAll("restarts", 2);
        for (int p = 0; p < 2; p++) {
            int partition = p;
            List<String> stored = log.stream().filter(r -> r.partition() == partition).map(ConsumerRecord::value).toList();
            List<String> sent = new ArrayList<>();
            for (int i = p; i < count; i += 2) {
                sent.add(String.format("%d-%05d", partition, i));
            }
            assertThat(stored).as("partition %d: each record once, in send order", p).containsExactlyElementsOf(sent);
        }
    }

    private List<ConsumerRecord<String, String>> readAll(String topic, int partitions) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer"))) {
            List<TopicPartition> assignment = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                assignment.add(new TopicPartition(topic, p));
            }
            consumer.assign(assignment);
            consumer.seekToBeginning(assignment);
            Map<TopicPartition, Long> ends = consumer.endOffsets(assignment);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && assignment.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
