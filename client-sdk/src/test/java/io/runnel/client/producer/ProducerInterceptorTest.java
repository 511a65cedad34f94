package io.runnel.client.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.client.serialization.StringSerializer;
import io.runnel.client.testing.FakeBroker;
import io.runnel.common.TopicPartition;
import io.runnel.common.record.CloseableIterator;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.proto.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** interceptor.classes: order, changed records, failures of interceptors, and what they see of acknowledgements. */
class ProducerInterceptorTest {

    private static final TopicPartition P0 = new TopicPartition("orders", 0);
    /** What the interceptors and callbacks saw, in order, across threads. */
    static final List<String> EVENTS = new CopyOnWriteArrayList<>();
    static final List<Map<String, ?>> CONFIGS = new CopyOnWriteArrayList<>();

    /** Appends "+a" to the value; records onAcknowledgement. */
    public static final class AppendA implements ProducerInterceptor<String, String> {
        @Override
        public void configure(Map<String, ?> configs) {
            CONFIGS.add(configs);
        }

        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> record) {
            EVENTS.add("a.onSend " + record.value());
            return new ProducerRecord<>(record.topic(), record.partition(), record.key(), record.value() + "+a");
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
            EVENTS.add("a.ack " + (metadata == null ? "null" : metadata.topicPartition() + "@" + metadata.offset())
                    + (exception == null ? "" : " " + exception.getClass().getSimpleName()));
        }

        @Override
        public void close() {
            EVENTS.add("a.close");
        }
    }

    /** Throws everywhere: the chain must go on without it. */
    public static final class Broken implements ProducerInterceptor<String, String> {
        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> record) {
            throw new IllegalStateException("broken onSend");
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
            throw new IllegalStateException("broken onAcknowledgement");
        }
    }

    /** Appends "+b" to whatever it is given. */
    public static final class AppendB implements ProducerInterceptor<String, String> {
        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> record) {
            EVENTS.add("b.onSend " + record.value());
            return new ProducerRecord<>(record.topic(), record.partition(), record.key(), record.value() + "+b");
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
            EVENTS.add("b.ack");
        }
    }

    private FakeBroker broker;
    private RunnelProducer<String, String> producer;

    @BeforeEach
    void start() throws Exception {
        EVENTS.clear();
        CONFIGS.clear();
        broker = FakeBroker.start(1);
        broker.createTopic("orders", 1);
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", broker.bootstrap());
        config.put("linger.ms", 0);
        config.put("client.id", "intercepted");
        config.put("interceptor.classes", List.of(AppendA.class, Broken.class, AppendB.class));
        producer = new RunnelProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    @AfterEach
    void stop() throws Exception {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        broker.close();
    }

    private static List<String> storedValues(List<RecordBatch> batches) {
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : batches) {
            try (CloseableIterator<Record> records = batch.records()) {
                records.forEachRemaining(r -> values.add(StandardCharsets.UTF_8.decode(r.value()).toString()));
            }
        }
        return values;
    }

    @Test
    void interceptorsRunInOrderChangeTheRecordAndAThrowingOneIsSkipped() throws Exception {
        producer.send(new ProducerRecord<>("orders", 0, "k", "v"), (metadata, e) -> EVENTS.add("callback")).get(10, TimeUnit.SECONDS);
        assertThat(storedValues(broker.batches(P0))).containsExactly("v+a+b");
        assertThat(EVENTS).containsExactly("a.onSend v", "b.onSend v+a", "a.ack orders-0@0", "b.ack", "callback");
        assertThat(CONFIGS).singleElement().satisfies(configs -> {
            assertThat(configs.get("client.id")).isEqualTo("intercepted");
            assertThat(configs.get("bootstrap.servers")).isEqualTo(broker.bootstrap());
        });
        producer.close(Duration.ofSeconds(5));
        producer = null;
        assertThat(EVENTS).endsWith("a.close");
    }

    @Test
    void aFailedSendIsAcknowledgedWithItsPartitionAndTheErrorBeforeTheCallback() throws Exception {
        broker.failProduce(P0, ErrorCode.INVALID_RECORD, 1);
        Future<RecordMetadata> future = producer.send(new ProducerRecord<>("orders", 0, "k", "v"),
                (metadata, e) -> EVENTS.add("callback " + e.getClass().getSimpleName()));
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException expected) {
            // the injected error
        }
        assertThat(EVENTS).containsSubsequence("a.ack orders-0@-1 ApiException", "b.ack", "callback ApiException");
    }

    @Test
    void aSendThatFailsBeforeAPartitionIsChosenIsAcknowledgedWithoutMetadata() {
        Future<RecordMetadata> future = producer.send(new ProducerRecord<>("orders", 0, "k", "x".repeat(2_000_000)));
        assertThat(future).isDone();
        assertThat(EVENTS).contains("a.ack orders-0@-1 RecordTooLargeException");
    }
}
