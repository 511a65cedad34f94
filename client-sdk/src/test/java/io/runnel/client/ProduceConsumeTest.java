package io.runnel.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.client.testing.FakeBroker;
import io.runnel.common.TopicPartition;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Records go through a producer and a consumer against the fake cluster, with every codec. */
class ProduceConsumeTest {

    private FakeBroker broker;

    @BeforeEach
    void start() throws Exception {
        broker = FakeBroker.start(2);
        broker.createTopic("orders", 3);
    }

    @AfterEach
    void stop() throws Exception {
        broker.close();
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void roundTripWithEveryCompressionTypeAndHeaders(CompressionType compression) throws Exception {
        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put("bootstrap.servers", broker.bootstrap());
        producerConfig.put("compression.type", compression.configName);
        producerConfig.put("linger.ms", 20);
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(producerConfig, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 200; i++) {
                List<Header> headers = List.of(Header.ofString("trace", "t-" + i), new Header("empty", null));
                futures.add(producer.send(new ProducerRecord<>("orders", null, null, "key-" + (i % 7),
                        "value-" + i, headers)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : futures) {
                assertThat(f.isDone()).isTrue();
                assertThat(f.get().offset()).isGreaterThanOrEqualTo(0);
            }
        }
        for (int p = 0; p < 3; p++) {
            for (RecordBatch batch : broker.batches(new TopicPartition("orders", p))) {
                assertThat(batch.compressionType()).isEqualTo(compression);
            }
        }

        Map<String, Object> consumerConfig = Map.of("bootstrap.servers", broker.bootstrap(),
                "auto.offset.reset", "earliest");
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(consumerConfig, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition("orders", 0), new TopicPartition("orders", 1),
                    new TopicPartition("orders", 2)));
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (received.size() < 200 && System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                records.forEach(received::add);
            }
            assertThat(received).hasSize(200);
            Map<String, RecordMetadata> sent = new HashMap<>();
            for (int i = 0; i < 200; i++) {
                sent.put("value-" + i, futures.get(i).get());
            }
            for (ConsumerRecord<String, String> record : received) {
                RecordMetadata metadata = sent.get(record.value());
                assertThat(record.partition()).isEqualTo(metadata.partition());
                assertThat(record.offset()).isEqualTo(metadata.offset());
                int i = Integer.parseInt(record.value().substring("value-".length()));
                assertThat(record.key()).isEqualTo("key-" + (i % 7));
                assertThat(record.headers()).containsExactly(Header.ofString("trace", "t-" + i),
                        new Header("empty", null));
                assertThat(new String(record.headers().lastHeader("trace").value(), StandardCharsets.UTF_8)).isEqualTo("t-" + i);
            }
        }
    }
}
