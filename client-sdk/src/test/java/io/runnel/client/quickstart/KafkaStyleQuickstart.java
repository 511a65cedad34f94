package io.runnel.client.quickstart;

import io.runnel.client.admin.Admin;
import io.runnel.client.admin.AdminConfig;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.TopicDescription;
import io.runnel.client.consumer.Consumer;
import io.runnel.client.consumer.ConsumerConfig;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.Producer;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.common.errors.TopicExistsException;
import io.runnel.common.errors.UnknownTopicOrPartitionException;
import io.runnel.common.record.Header;
import io.runnel.common.record.Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * A typical Kafka program, as Kafka's quickstart and client docs write it, ported to Runnel by changing only
 * the imports and the two client class names (KafkaProducer → RunnelProducer, KafkaConsumer →
 * RunnelConsumer): an admin creates and describes a topic, a producer sends keyed records with headers to
 * chosen partitions, a consumer in a group reads them back and commits. {@link KafkaStyleQuickstartTest}
 * runs it against a real node. It reports what it saw instead of printing, so the test can check it.
 */
public final class KafkaStyleQuickstart {

    /** What the program observed, for the test to check. */
    public record Report(Set<String> listedTopics, Map<String, TopicDescription> described, String duplicateCreate,
                         List<RecordMetadata> sent, String sendToMissingPartition,
                         List<ConsumerRecord<String, String>> consumed) {
    }

    private KafkaStyleQuickstart() {
    }

    public static void main(String[] args) throws Exception {
        Report report = run(args[0], args[1], Integer.parseInt(args[2]));
        System.out.println("consumed " + report.consumed().size() + " records from " + report.described().keySet());
    }

    public static Report run(String bootstrapServers, String topic, int recordCount) throws Exception {
        // ---- admin ----
        Properties adminProps = new Properties();
        adminProps.put(AdminConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        Set<String> listed;
        Map<String, TopicDescription> described;
        String duplicateCreate = null;
        try (Admin admin = Admin.create(adminProps)) {
            admin.createTopics(Collections.singleton(new NewTopic(topic, 3, (short) 1))).all().get();
            listed = admin.listTopics().names().get();
            described = admin.describeTopics(List.of(topic)).allTopicNames().get();
            try {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException exists) {
                    duplicateCreate = exists.getMessage();
                } else {
                    throw e;
                }
            }
        }

        // ---- producer ----
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        List<RecordMetadata> sent = new ArrayList<>();
        String missingPartition;
        try (Producer<String, String> producer = new RunnelProducer<>(producerProps)) {
            List<Future<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < recordCount; i++) {
                Headers headers = new Headers();
                headers.add("trace-id", ("trace-" + i).getBytes(StandardCharsets.UTF_8));
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, i % 3, "key-" + i, "value-" + i,
                        headers);
                record.headers().add("attempt", new byte[] {1});
                futures.add(producer.send(record, (metadata, exception) -> {
                    if (exception != null) {
                        System.err.println("send failed: " + exception);
                    }
                }));
            }
            producer.flush();
            for (Future<RecordMetadata> future : futures) {
                sent.add(future.get());
            }
            Future<RecordMetadata> toMissing = producer.send(new ProducerRecord<>(topic, 42, "key", "value"));
            try {
                toMissing.get();
                missingPartition = null;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException unknown)) {
                    throw e;
                }
                missingPartition = unknown.getMessage();
            }
        }

        // ---- consumer ----
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "quickstart-group");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> consumed = new ArrayList<>();
        Consumer<String, String> consumer = new RunnelConsumer<>(consumerProps, new StringDeserializer(),
                new StringDeserializer());
        try {
            consumer.subscribe(List.of(topic));
            long deadlineNanos = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumed.size() < recordCount && System.nanoTime() < deadlineNanos) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, String> record : records) {
                    Header trace = record.headers().lastHeader("trace-id");
                    if (trace == null) {
                        throw new IllegalStateException("record without trace-id at " + record.offset());
                    }
                    consumed.add(record);
                }
                consumer.commitSync();
            }
        } finally {
            consumer.close(Duration.ofSeconds(10));
        }
        return new Report(listed, described, duplicateCreate, sent, missingPartition, consumed);
    }
}
