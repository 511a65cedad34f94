package io.runnel.client.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.testing.FakeBroker;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.CorruptRecordException;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.IsolationLevel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The assign-mode consumer against the fake cluster: positions, resets, pause, errors, decoding. */
class RunnelConsumerTest {

    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);

    private FakeBroker broker;
    private final List<RunnelConsumer<String, String>> consumers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = FakeBroker.start(2);
        broker.createTopic("events", 2);
    }

    @AfterEach
    void stop() throws Exception {
        consumers.forEach(RunnelConsumer::close);
        broker.close();
    }

    private RunnelConsumer<String, String> consumer(Object... keyValues) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", broker.bootstrap());
        config.put("retry.backoff.ms", 10);
        config.put("fetch.max.wait.ms", 100);
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        RunnelConsumer<String, String> consumer = new RunnelConsumer<>(config, new StringDeserializer(),
                new StringDeserializer());
        consumers.add(consumer);
        return consumer;
    }

    /** Appends {@code count} records "prefix-i" as one batch. */
    private void append(TopicPartition tp, String prefix, int count) {
        broker.append(tp, batch(prefix, count, CompressionType.NONE));
    }

    private static ByteBuffer batch(String prefix, int count, CompressionType compression) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(compression).newBuilder();
        for (int i = 0; i < count; i++) {
            builder.append(1000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    (prefix + "-" + i).getBytes(StandardCharsets.UTF_8), null);
        }
        return builder.build();
    }

    private static List<ConsumerRecord<String, String>> pollUntil(Consumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 10_000;
        while (received.size() < count && System.currentTimeMillis() < deadline) {
            consumer.poll(Duration.ofMillis(100)).forEach(received::add);
        }
        return received;
    }

    @Test
    void latestStartsAtTheEndAndEarliestAtTheStart() {
        append(P0, "old", 5);
        RunnelConsumer<String, String> latest = consumer();
        latest.assign(List.of(P0));
        assertThat(latest.position(P0)).isEqualTo(5);
        append(P0, "new", 2);
        assertThat(pollUntil(latest, 2)).extracting(ConsumerRecord::value).containsExactly("new-0", "new-1");

        RunnelConsumer<String, String> earliest = consumer("auto.offset.reset", "earliest");
        earliest.assign(List.of(P0));
        List<ConsumerRecord<String, String>> all = pollUntil(earliest, 7);
        assertThat(all).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(all.get(0).key()).isEqualTo("k0");
        assertThat(all.get(0).timestamp()).isEqualTo(1000);
        assertThat(earliest.position(P0)).isEqualTo(7);
    }

    @Test
    void resetNoneRequiresASeek() {
        append(P0, "r", 3);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "none");
        consumer.assign(List.of(P0));
        assertThatThrownBy(() -> consumer.poll(Duration.ofMillis(100)))
                .isInstanceOf(NoOffsetForPartitionException.class)
                .hasMessageContaining("events-0").hasMessageContaining("auto.offset.reset is none");
        consumer.seek(P0, 1);
        assertThat(pollUntil(consumer, 2)).extracting(ConsumerRecord::offset).containsExactly(1L, 2L);
    }

    @Test
    void seekAndSeekToBeginningAndEndMoveThePosition() {
        append(P0, "s", 10);
        RunnelConsumer<String, String> consumer = consumer();
        consumer.assign(List.of(P0));
        consumer.seek(P0, 6);
        assertThat(consumer.position(P0)).isEqualTo(6);
        assertThat(pollUntil(consumer, 4)).extracting(ConsumerRecord::offset).containsExactly(6L, 7L, 8L, 9L);
        consumer.seekToBeginning(List.of(P0));
        assertThat(consumer.position(P0)).isZero();
        consumer.seekToEnd(List.of());
        assertThat(consumer.position(P0)).isEqualTo(10);
        consumer.seek(P0, 8);
        assertThat(pollUntil(consumer, 2)).extracting(ConsumerRecord::value).containsExactly("s-8", "s-9");
        assertThat(consumer.beginningOffsets(List.of(P0, P1))).isEqualTo(Map.of(P0, 0L, P1, 0L));
        assertThat(consumer.endOffsets(List.of(P0, P1))).isEqualTo(Map.of(P0, 10L, P1, 0L));
    }

    @Test
    void anOutOfRangePositionIsResetPerAutoOffsetReset() {
        append(P0, "o", 3);
        RunnelConsumer<String, String> earliest = consumer("auto.offset.reset", "earliest");
        earliest.assign(List.of(P0));
        earliest.seek(P0, 100);
        assertThat(pollUntil(earliest, 3)).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L);

        RunnelConsumer<String, String> none = consumer("auto.offset.reset", "none");
        none.assign(List.of(P0));
        none.seek(P0, 100);
        assertThatThrownBy(() -> pollUntil(none, 1)).isInstanceOf(NoOffsetForPartitionException.class)
                .hasMessageContaining("out of range")
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE));
    }

    @Test
    void pausedPartitionsReturnNothingUntilResumed() {
        append(P0, "a", 3);
        append(P1, "b", 3);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest");
        consumer.assign(List.of(P0, P1));
        consumer.pause(List.of(P1));
        assertThat(consumer.paused()).containsExactly(P1);
        List<ConsumerRecord<String, String>> first = pollUntil(consumer, 3);
        assertThat(first).extracting(ConsumerRecord::topicPartition).containsOnly(P0);
        assertThat(consumer.poll(Duration.ofMillis(200)).isEmpty()).isTrue();
        assertThat(consumer.position(P1)).isZero();
        consumer.resume(List.of(P1));
        assertThat(pollUntil(consumer, 3)).extracting(ConsumerRecord::value).containsExactly("b-0", "b-1", "b-2");
    }

    @Test
    void maxPollRecordsBoundsEachPoll() {
        append(P0, "m", 25);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest", "max.poll.records", 10);
        consumer.assign(List.of(P0));
        List<Long> offsets = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 10_000;
        while (offsets.size() < 25 && System.currentTimeMillis() < deadline) {
            ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
            assertThat(records.count()).isLessThanOrEqualTo(10);
            records.records(P0).forEach(r -> offsets.add(r.offset()));
        }
        assertThat(offsets).hasSize(25).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void aLeaderMoveIsFollowed() {
        append(P0, "x", 2);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest");
        consumer.assign(List.of(P0));
        assertThat(pollUntil(consumer, 2)).hasSize(2);
        broker.moveLeader(P0, 1);
        append(P0, "y", 2);
        assertThat(pollUntil(consumer, 2)).extracting(ConsumerRecord::value).containsExactly("y-0", "y-1");
    }

    @Test
    void retriableFetchErrorsAreRetried() {
        append(P0, "e", 2);
        broker.failFetch(P0, ErrorCode.NOT_LEADER_OR_FOLLOWER, 1);
        broker.failFetch(P0, ErrorCode.REPLICA_NOT_AVAILABLE, 1);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest");
        consumer.assign(List.of(P0));
        assertThat(pollUntil(consumer, 2)).extracting(ConsumerRecord::value).containsExactly("e-0", "e-1");
    }

    @Test
    void nonRetriableFetchErrorsSurfaceFromPoll() {
        broker.failFetch(P0, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 1);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest");
        consumer.assign(List.of(P0));
        assertThatThrownBy(() -> pollUntil(consumer, 1)).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
    }

    @Test
    void compressedBatchesAreDecodedAndControlBatchesSkipped() {
        broker.append(P0, batch("z", 3, CompressionType.ZSTD));
        broker.append(P0, RecordBatchBuilder.buildEndTransactionMarker(RecordBatchBuilder.spec().producerId(7)
                .producerEpoch((short) 0), 2000, new io.runnel.common.record.EndTransactionMarker(
                io.runnel.common.record.ControlRecordType.COMMIT, 0)));
        broker.append(P0, batch("g", 2, CompressionType.GZIP));
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest");
        consumer.assign(List.of(P0));
        List<ConsumerRecord<String, String>> records = pollUntil(consumer, 5);
        assertThat(records).extracting(ConsumerRecord::value).containsExactly("z-0", "z-1", "z-2", "g-0", "g-1");
        assertThat(records).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 4L, 5L);
    }

    @Test
    void aCorruptBatchIsDetectedByItsCrc() {
        ByteBuffer corrupt = batch("c", 3, CompressionType.NONE);
        int last = corrupt.limit() - 1;
        corrupt.put(last, (byte) (corrupt.get(last) ^ 0x5a));
        broker.append(P0, corrupt);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest");
        consumer.assign(List.of(P0));
        assertThatThrownBy(() -> pollUntil(consumer, 1)).isInstanceOf(CorruptRecordException.class)
                .hasMessageContaining("CRC");
    }

    @Test
    void readCommittedIsAcceptedAndSent() {
        append(P0, "t", 1);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest",
                "isolation.level", "read_committed");
        consumer.assign(List.of(P0));
        assertThat(pollUntil(consumer, 1)).hasSize(1);
        assertThat(broker.fetchRequests()).extracting(FetchRequest::getIsolationLevel)
                .containsOnly(IsolationLevel.READ_COMMITTED);
    }

    @Test
    void assignmentRulesAreEnforced() {
        RunnelConsumer<String, String> consumer = consumer();
        assertThatThrownBy(() -> consumer.poll(Duration.ZERO)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("assign");
        consumer.assign(List.of(P0));
        assertThat(consumer.assignment()).containsExactly(P0);
        assertThatThrownBy(() -> consumer.position(P1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("events-1");
        consumer.assign(List.of(P1));
        assertThat(consumer.assignment()).containsExactly(P1);
        assertThat(consumer.partitionsFor("events")).hasSize(2);
        assertThat(consumer.partitionsFor("nope")).isEmpty();
        consumer.close();
        consumer.close();
        assertThatThrownBy(() -> consumer.poll(Duration.ZERO)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void batchesHaveTheirLeaderEpochAndTimestampType() {
        append(P0, "h", 1);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest");
        consumer.assign(List.of(P0));
        ConsumerRecord<String, String> record = pollUntil(consumer, 1).get(0);
        assertThat(record.timestampType()).isEqualTo(RecordBatch.readFrom(batch("h", 1, CompressionType.NONE))
                .timestampType());
        assertThat(record.serializedValueSize()).isEqualTo(3);
        assertThat(record.leaderEpoch()).isZero();
    }

    @Test
    void aDeserializerFailureNamesTheOffsetAndLeavesThePosition() {
        append(P0, "bad", 2); // "bad-0" is 5 bytes: not an int
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", broker.bootstrap());
        config.put("auto.offset.reset", "earliest");
        RunnelConsumer<String, Integer> consumer = new RunnelConsumer<>(config, new StringDeserializer(),
                new io.runnel.client.serialization.IntegerDeserializer());
        try {
            consumer.assign(List.of(P0));
            assertThatThrownBy(() -> {
                long deadline = System.currentTimeMillis() + 10_000;
                while (System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(100));
                }
            }).isInstanceOf(io.runnel.client.serialization.SerializationException.class)
                    .hasMessageContaining("offset 0").hasMessageContaining("events-0");
            assertThat(consumer.position(P0)).isZero();
        } finally {
            consumer.close();
        }
    }

    @Test
    void aDeserializerFailureInsideAnAnswerHandsOutTheRecordsBeforeItAndLeavesThePositionAtIt() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        builder.append(1000, null, ByteBuffer.allocate(4).putInt(0, 7).array(), null);
        builder.append(1001, null, ByteBuffer.allocate(4).putInt(0, 8).array(), null);
        builder.append(1002, null, "five!".getBytes(StandardCharsets.UTF_8), null); // not an int
        builder.append(1003, null, ByteBuffer.allocate(4).putInt(0, 9).array(), null);
        broker.append(P0, builder.build());
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", broker.bootstrap());
        config.put("auto.offset.reset", "earliest");
        RunnelConsumer<String, Integer> consumer = new RunnelConsumer<>(config, new StringDeserializer(),
                new io.runnel.client.serialization.IntegerDeserializer());
        try {
            consumer.assign(List.of(P0));
            List<Integer> received = new ArrayList<>();
            assertThatThrownBy(() -> {
                long deadline = System.currentTimeMillis() + 10_000;
                while (System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> received.add(r.value()));
                }
            }).isInstanceOf(io.runnel.client.serialization.SerializationException.class).hasMessageContaining("offset 2");
            assertThat(received).containsExactly(7, 8);
            assertThat(consumer.position(P0)).isEqualTo(2);
            // Past the bad record, the rest is read.
            consumer.seek(P0, 3);
            List<Integer> after = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (after.isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> after.add(r.value()));
            }
            assertThat(after).containsExactly(9);
        } finally {
            consumer.close();
        }
    }

    @Test
    void aSecondThreadIsRefusedWhileOneIsInside() throws Exception {
        RunnelConsumer<String, String> consumer = consumer();
        consumer.assign(List.of(P0));
        java.util.concurrent.atomic.AtomicReference<Throwable> seen = new java.util.concurrent.atomic.AtomicReference<>();
        Thread poller = new Thread(() -> consumer.poll(Duration.ofSeconds(2)));
        poller.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            try {
                consumer.assignment();
                return false;
            } catch (java.util.ConcurrentModificationException e) {
                seen.set(e);
                return true;
            }
        });
        poller.join(10_000);
        assertThat(seen.get()).hasMessageContaining("multi-threaded");
        assertThat(consumer.assignment()).containsExactly(P0);
    }

    @Test
    void theNextFetchIsInFlightWhileTheApplicationProcesses() {
        append(P0, "p", 3);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest");
        consumer.assign(List.of(P0));
        assertThat(pollUntil(consumer, 3)).hasSize(3);
        int afterPoll = broker.fetchRequests().size();
        // One more fetch goes out (sent before poll returned) and no more until the next poll, although the
        // broker answers it within fetch.max.wait.ms (100 ms).
        org.awaitility.Awaitility.await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(3))
                .until(() -> broker.fetchRequests().size() <= afterPoll + 1);
        List<FetchRequest> fetches = broker.fetchRequests();
        assertThat(fetches.get(fetches.size() - 1).getTopics(0).getPartitions(0).getFetchOffset()).isEqualTo(3);
        append(P0, "q", 1);
        assertThat(pollUntil(consumer, 1)).extracting(ConsumerRecord::value).containsExactly("q-0");
    }

    @Test
    void aLoopOfZeroTimeoutPollsMakesProgress() {
        append(P0, "zero", 3);
        RunnelConsumer<String, String> consumer = consumer("auto.offset.reset", "earliest");
        consumer.assign(List.of(P0));
        List<ConsumerRecord<String, String>> received = new ArrayList<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            consumer.poll(Duration.ZERO).forEach(received::add);
            return received.size() >= 3;
        });
        assertThat(received).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L);
    }

    @Test
    void readCommittedHidesAbortedTransactions() {
        RecordBatchBuilder.Spec txn = RecordBatchBuilder.spec().producerId(5).producerEpoch((short) 0)
                .baseSequence(0).transactional(true);
        broker.append(P0, records(txn.copy(), "aborted", 2));                  // offsets 0-1
        broker.append(P0, batch("plain", 1, CompressionType.NONE));           // offset 2
        broker.append(P0, RecordBatchBuilder.buildEndTransactionMarker(txn, 2000,
                new io.runnel.common.record.EndTransactionMarker(
                        io.runnel.common.record.ControlRecordType.ABORT, 0)));  // offset 3
        broker.append(P0, records(txn.copy().baseSequence(2), "committed", 2)); // offsets 4-5
        broker.append(P0, RecordBatchBuilder.buildEndTransactionMarker(txn, 2001,
                new io.runnel.common.record.EndTransactionMarker(
                        io.runnel.common.record.ControlRecordType.COMMIT, 0)));  // offset 6
        broker.addAbortedTransaction(P0, 5, 0);

        RunnelConsumer<String, String> committed = consumer("auto.offset.reset", "earliest",
                "isolation.level", "read_committed");
        committed.assign(List.of(P0));
        assertThat(pollUntil(committed, 3)).extracting(ConsumerRecord::value)
                .containsExactly("plain-0", "committed-0", "committed-1");
        assertThat(committed.position(P0)).isEqualTo(7);

        RunnelConsumer<String, String> uncommitted = consumer("auto.offset.reset", "earliest");
        uncommitted.assign(List.of(P0));
        assertThat(pollUntil(uncommitted, 5)).extracting(ConsumerRecord::value)
                .containsExactly("aborted-0", "aborted-1", "plain-0", "committed-0", "committed-1");
    }

    private static ByteBuffer records(RecordBatchBuilder.Spec spec, String prefix, int count) {
        RecordBatchBuilder builder = spec.newBuilder();
        for (int i = 0; i < count; i++) {
            builder.append(1000 + i, (byte[]) null, (prefix + "-" + i).getBytes(StandardCharsets.UTF_8), null);
        }
        return builder.build();
    }
}
