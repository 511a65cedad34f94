package io.runnel.client.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.client.serialization.StringSerializer;
import io.runnel.client.testing.FakeBroker;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A batch the broker refuses as too large is split and resent; only a single record over the limit fails. */
class BatchSplitTest {

    private static final TopicPartition SMALL = new TopicPartition("small", 0);

    private FakeBroker broker;
    private RunnelProducer<String, String> producer;

    @BeforeEach
    void start() throws Exception {
        broker = FakeBroker.start(1);
        broker.createTopic("small", 1, 1, Map.of("max.message.bytes", "2000"));
    }

    @AfterEach
    void stop() throws Exception {
        producer.close(Duration.ofSeconds(5));
        broker.close();
    }

    private void producer(String idempotence, String compression) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", broker.bootstrap());
        config.put("linger.ms", 60_000);
        config.put("batch.size", 65536);
        config.put("retry.backoff.ms", 10);
        config.put("enable.idempotence", idempotence);
        config.put("compression.type", compression);
        producer = new RunnelProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private List<String> stored() {
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : broker.batches(SMALL)) {
            assertThat(batch.sizeInBytes()).isLessThanOrEqualTo(2000);
            try (CloseableIterator<Record> records = batch.records()) {
                records.forEachRemaining(r -> values.add(StandardCharsets.UTF_8.decode(r.value()).toString()));
            }
        }
        return values;
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "false"})
    void anOversizedBatchIsSplitUntilThePartsFitAndKeepsItsOrderAndOffsets(String idempotence) throws Exception {
        producer(idempotence, "none");
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String value = String.format("%03d-", i) + "x".repeat(200);
            sent.add(value);
            futures.add(producer.send(new ProducerRecord<>("small", 0, "k", value)));
        }
        producer.flush();
        for (int i = 0; i < futures.size(); i++) {
            assertThat(futures.get(i).get(10, TimeUnit.SECONDS).offset()).isEqualTo(i);
        }
        assertThat(stored()).containsExactlyElementsOf(sent);
        assertThat(producer.metrics().value("batch-split-total")).isGreaterThanOrEqualTo(3);
        if (idempotence.equals("true")) {
            int expected = 0;
            for (RecordBatch batch : broker.batches(SMALL)) {
                assertThat(batch.baseSequence()).isEqualTo(expected);
                expected += batch.recordCount();
            }
        }
    }

    @Test
    void aCompressedBatchIsSplitToo() throws Exception {
        producer("true", "gzip");
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            // Random-looking values do not compress below the limit.
            futures.add(producer.send(new ProducerRecord<>("small", 0, "k", Long.toHexString(Double.doubleToLongBits(Math.random()))
                    .repeat(1) + java.util.UUID.randomUUID() + java.util.UUID.randomUUID() + java.util.UUID.randomUUID())));
        }
        producer.flush();
        for (Future<RecordMetadata> future : futures) {
            future.get(10, TimeUnit.SECONDS);
        }
        assertThat(stored()).hasSize(30);
    }

    @Test
    void aSingleRecordOverTheLimitFailsWithTheSizeAndTheLimitAndNothingIsAppended() throws Exception {
        producer("true", "none");
        Future<RecordMetadata> future = producer.send(new ProducerRecord<>("small", 0, "k", "x".repeat(3000)));
        producer.flush();
        try {
            future.get(10, TimeUnit.SECONDS);
            throw new AssertionError("the oversized record was accepted");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOfSatisfying(ApiException.class, api -> {
                assertThat(api.code()).isEqualTo(ErrorCode.RECORD_TOO_LARGE);
                assertThat(api.getMessage()).contains("exceeds max.message.bytes 2000");
            });
        }
        assertThat(broker.batches(SMALL)).isEmpty();
        assertThat(producer.metrics().value("batch-split-total")).isZero();
    }
}
