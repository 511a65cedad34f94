package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.common.TopicPartition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server process is killed with SIGKILL while a producer writes with acks=1, then restarted
 * on the same directory: every acknowledged record is there with its offset and value, and the log
 * holds nothing but whole, valid batches (the consumer checks every CRC).
 */
class KillNineDurabilityTest {

    private static final int ACKED_BEFORE_KILL = 3_000;

    @TempDir
    Path dir;

    private SingleServerProcess server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    private String bootstrap() {
        return server.bootstrap();
    }

    @Test
    void acknowledgedRecordsSurviveKillNine() throws Exception {
        server = new SingleServerProcess(dir);
        server.start();
        try (RunnelAdmin admin = new RunnelAdmin(Map.of("bootstrap.servers", bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("durable", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }

        ConcurrentSkipListMap<Long, String> acked = new ConcurrentSkipListMap<>();
        AtomicBoolean killed = new AtomicBoolean();
        RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap(),
                "acks", "1", "linger.ms", "1", "retries", "0", "delivery.timeout.ms", "120000",
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer"));
        try {
            for (int i = 0; !killed.get() && i < 1_000_000; i++) {
                String value = "record-" + i;
                producer.send(new ProducerRecord<>("durable", 0, null, value), (metadata, error) -> {
                    if (error == null) {
                        acked.put(metadata.offset(), value);
                    }
                });
                if (acked.size() >= ACKED_BEFORE_KILL && killed.compareAndSet(false, true)) {
                    server.killNine(); // mid-stream: batches are in flight
                }
                if (i % 100 == 0) {
                    Thread.onSpinWait();
                }
            }
        } finally {
            producer.close(Duration.ofSeconds(1));
        }
        assertThat(killed).isTrue();
        List<Map.Entry<Long, String>> acknowledged = new ArrayList<>(acked.entrySet());

        server.start();
        TopicPartition tp = new TopicPartition("durable", 0);
        ConcurrentSkipListMap<Long, String> recovered = new ConcurrentSkipListMap<>();
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", bootstrap(),
                "auto.offset.reset", "earliest",
                "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer"))) {
            consumer.assign(List.of(tp));
            long end = acknowledged.get(acknowledged.size() - 1).getKey() + 1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> recovered.put(r.offset(), r.value()));
            }
        }
        for (Map.Entry<Long, String> entry : acknowledged) {
            assertThat(recovered.get(entry.getKey())).as("acknowledged offset " + entry.getKey()).isEqualTo(entry.getValue());
        }
        // What survived is a gap-free prefix: offsets 0..n-1, each value in the order it was sent.
        assertThat(recovered.firstKey()).isZero();
        assertThat(recovered.lastKey()).isEqualTo(recovered.size() - 1L);
    }
}
