package io.runnel.client.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.client.testing.FakeBroker;
import io.runnel.common.TopicPartition;
import io.runnel.proto.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The producer's metrics: Kafka's names, values that follow what was sent, and binding to a MeterRegistry. */
class ProducerMetricsTest {

    private static final TopicPartition P0 = new TopicPartition("orders", 0);

    private FakeBroker broker;
    private RunnelProducer<String, String> producer;

    @BeforeEach
    void start() throws Exception {
        broker = FakeBroker.start(1);
        broker.createTopic("orders", 1);
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", broker.bootstrap());
        config.put("linger.ms", 0);
        config.put("retry.backoff.ms", 10);
        config.put("client.id", "metered");
        config.put("buffer.memory", 1 << 20);
        config.put("max.request.size", 1 << 19);
        producer = new RunnelProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    @AfterEach
    void stop() throws Exception {
        producer.close(Duration.ofSeconds(5));
        broker.close();
    }

    @Test
    void theMetricsCountWhatWasSentRetriedAndFailed() throws Exception {
        for (int i = 0; i < 10; i++) {
            producer.send(new ProducerRecord<>("orders", 0, "k", "value-" + i)).get(10, TimeUnit.SECONDS);
        }
        broker.failProduce(P0, ErrorCode.NOT_ENOUGH_REPLICAS, 1);
        producer.send(new ProducerRecord<>("orders", 0, "k", "retried")).get(10, TimeUnit.SECONDS);
        broker.failProduce(P0, ErrorCode.INVALID_RECORD, 1);
        try {
            producer.send(new ProducerRecord<>("orders", 0, "k", "refused")).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException expected) {
            // counted as an error
        }
        ProducerMetrics metrics = producer.metrics();
        assertThat(metrics.value("record-send-total")).isEqualTo(13); // 10 + the retried record twice + the refused one
        assertThat(metrics.value("record-retry-total")).isEqualTo(1);
        assertThat(metrics.value("record-error-total")).isEqualTo(1);
        assertThat(metrics.value("request-total")).isEqualTo(13);
        assertThat(metrics.value("record-send-rate")).isPositive();
        assertThat(metrics.value("records-per-request-avg")).isEqualTo(1.0);
        assertThat(metrics.value("request-latency-avg")).isNotNaN().isNotNegative();
        assertThat(metrics.value("request-latency-max")).isGreaterThanOrEqualTo(metrics.value("request-latency-avg"));
        assertThat(metrics.value("batch-size-avg")).isGreaterThan(61); // a v2 header and a record
        assertThat(metrics.value("compression-rate-avg")).isEqualTo(1.0);
        assertThat(metrics.value("buffer-total-bytes")).isEqualTo(1 << 20);
        // Everything acknowledged; a batch's memory goes back just after its future completes, so awaited.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(metrics.value("buffer-available-bytes")).isEqualTo(1 << 20));
        assertThat(metrics.value("requests-in-flight")).isZero();
        assertThat(metrics.values()).containsKeys("record-send-rate", "record-retry-rate", "record-error-rate",
                "batch-size-avg", "compression-rate-avg", "request-latency-avg", "request-latency-max",
                "buffer-available-bytes", "records-per-request-avg");
        assertThatThrownBy(() -> metrics.value("no-such-metric")).hasMessageContaining("no producer metric named 'no-such-metric'");
    }

    @Test
    void theMetricsBindToAnyMeterRegistryUnderKafkasNames() throws Exception {
        producer.send(new ProducerRecord<>("orders", 0, "k", "v")).get(10, TimeUnit.SECONDS);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        producer.metrics().bindTo(registry);
        FunctionCounter sent = registry.get("record-send-total").tag("client-id", "metered").functionCounter();
        assertThat(sent.count()).isEqualTo(1);
        Gauge available = registry.get("buffer-available-bytes").tag("client-id", "metered").gauge();
        assertThat(available.value()).isEqualTo(1 << 20);
        producer.send(new ProducerRecord<>("orders", 0, "k", "w")).get(10, TimeUnit.SECONDS);
        assertThat(sent.count()).as("the registry reads the live value").isEqualTo(2);
        assertThat(registry.getMeters()).hasSameSizeAs(producer.metrics().metrics());
        for (String name : List.of("record-send-rate", "request-latency-avg", "compression-rate-avg")) {
            assertThat(registry.get(name).gauge().value()).isEqualTo(producer.metrics().value(name));
        }
    }
}
