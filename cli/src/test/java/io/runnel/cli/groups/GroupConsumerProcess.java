package io.runnel.cli.groups;

import io.runnel.client.consumer.ConsumerRebalanceListener;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.common.TopicPartition;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A consumer-group member in a process of its own, for tests that kill it with SIGKILL: it subscribes,
 * processes each record by printing it, then commits what it printed with commitSync, and prints what it
 * committed and every rebalance event, one line each, flushed at once:
 *
 * <pre>
 * RECORD partition offset value
 * COMMITTED partition offset
 * ASSIGNED p,p  /  REVOKED p,p  /  LOST p,p
 * </pre>
 * Arguments: bootstrap servers, group, topic, then consumer settings as key=value.
 */
public final class GroupConsumerProcess {

    private GroupConsumerProcess() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Map<String, Object> configs = new LinkedHashMap<>(Map.of("bootstrap.servers", args[0], "group.id", args[1],
                "enable.auto.commit", "false", "auto.offset.reset", "earliest"));
        for (int i = 3; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            configs.put(kv[0], kv[1]);
        }
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(configs, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(args[2]), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        out.println("REVOKED " + numbers(partitions));
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        out.println("ASSIGNED " + numbers(partitions));
                    }
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    out.println("LOST " + numbers(partitions));
                }
            });
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                Map<TopicPartition, OffsetAndMetadata> processed = new LinkedHashMap<>();
                for (ConsumerRecord<String, String> record : records) {
                    out.println("RECORD " + record.partition() + " " + record.offset() + " " + record.value());
                    processed.put(record.topicPartition(), new OffsetAndMetadata(record.offset() + 1));
                }
                if (!processed.isEmpty()) {
                    consumer.commitSync(processed);
                    processed.forEach((tp, offset) -> out.println("COMMITTED " + tp.partition() + " " + offset.offset()));
                }
            }
        }
    }

    private static String numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(tp -> String.valueOf(tp.partition())).sorted().collect(Collectors.joining(","));
    }
}
