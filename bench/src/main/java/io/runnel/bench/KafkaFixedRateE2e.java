package io.runnel.bench;

import io.runnel.cli.client.FixedRateEndToEnd;
import io.runnel.cli.client.FixedRateReport;
import io.runnel.cli.client.FixedRateSchedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The fixed-rate end-to-end measurement of {@code runnel perf e2e --rate} with Apache Kafka's own clients:
 * the same {@link FixedRateSchedule}, the same {@link FixedRateEndToEnd} loop and the same summary line,
 * with the same client settings (linger.ms=0, fetch.max.wait.ms=100, the consumer assigned to partition 0
 * at its end). Kafka ships no fixed-rate end-to-end tool, so the bench brings this one; it runs in its own
 * JVM on Kafka's class path.
 *
 * <pre>
 * KafkaFixedRateE2e BOOTSTRAP TOPIC RATE_PER_SEC DURATION_S WARMUP_S RECORD_SIZE ACKS
 * </pre>
 * Exits 0 when every record was read back, 1 otherwise (the summary is printed either way).
 * Runs on the main thread plus the loop's receiving thread, which alone uses the consumer.
 */
public final class KafkaFixedRateE2e {

    private static final long IDLE_TIMEOUT_MS = 10_000;

    private KafkaFixedRateE2e() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: KafkaFixedRateE2e BOOTSTRAP TOPIC RATE_PER_SEC DURATION_S WARMUP_S RECORD_SIZE ACKS");
            System.exit(2);
        }
        String bootstrap = args[0];
        String topic = args[1];
        long rate = Long.parseLong(args[2]);
        long durationS = Long.parseLong(args[3]);
        long warmupS = Long.parseLong(args[4]);
        int recordSize = Integer.parseInt(args[5]);
        String acks = args[6];
        FixedRateSchedule schedule = FixedRateSchedule.of(rate, FixedRateSchedule.recordsFor(rate, durationS));
        FixedRateEndToEnd run = new FixedRateEndToEnd(schedule, recordSize, schedule.warmupRecords(warmupS), IDLE_TIMEOUT_MS);

        Properties producerProps = new Properties();
        producerProps.putAll(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, acks,
                ProducerConfig.LINGER_MS_CONFIG, "0"));
        Properties consumerProps = new Properties();
        consumerProps.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest", ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
        TopicPartition partition = new TopicPartition(topic, 0);
        FixedRateReport report;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            report = run.run(
                    (value, done) -> {
                        try {
                            producer.send(new ProducerRecord<>(topic, 0, null, value),
                                    (metadata, e) -> done.accept(e == null ? null : e.toString()));
                        } catch (RuntimeException e) {
                            done.accept(e.toString());
                        }
                    },
                    timeoutMs -> {
                        List<byte[]> values = new ArrayList<>();
                        consumer.poll(Duration.ofMillis(timeoutMs)).forEach(record -> values.add(record.value()));
                        return values;
                    });
        }
        System.out.println(report.summary());
        if (!report.complete()) {
            System.err.println(report.received() + " of " + report.records() + " records read back"
                    + (report.firstError() != null ? "; " + report.firstError() : ""));
            System.exit(1);
        }
    }
}
