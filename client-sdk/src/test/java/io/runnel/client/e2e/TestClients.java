package io.runnel.client.e2e;

import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.common.TopicPartition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the end-to-end tests read back with a real consumer. */
final class TestClients {

    private TestClients() {
    }

    /**
     * Every record of {@code tp} from the start as offset -> value (string values), reading until the
     * consumer's position reaches {@code end} or {@code patience} runs out.
     */
    static Map<Long, String> readAll(String bootstrap, TopicPartition tp, long end, Duration patience) {
        Map<Long, String> records = new TreeMap<>();
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer", "auto.offset.reset", "earliest"))) {
            consumer.assign(List.of(tp));
            long deadline = System.nanoTime() + patience.toNanos();
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    records.put(record.offset(), record.value());
                }
            }
        }
        return records;
    }
}
