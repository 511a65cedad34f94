package io.runnel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.common.TopicPartition;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.InitProducerIdRequest;
import io.runnel.proto.InitProducerIdResponse;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicProduceData;
import io.runnel.proto.TransactionServiceGrpc;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server process is killed with SIGKILL (no producer snapshot on close, an unclean log) in the
 * middle of idempotent producing and started again on the same directory: its producer state is rebuilt
 * from the snapshot of the last roll and the log after it, so a batch sent before the kill and sent again
 * after it is recognised as a duplicate, and a producer streaming across the kill leaves each record once,
 * in order.
 */
class IdempotentKillNineTest {

    @TempDir
    Path dir;

    private SingleServerProcess server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    private static ByteBuffer batch(long producerId, int baseSequence, int count) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().producerId(producerId).producerEpoch((short) 0)
                .baseSequence(baseSequence).newBuilder();
        for (int i = 0; i < count; i++) {
            builder.append(System.currentTimeMillis(), null, ("raw-" + (baseSequence + i)).getBytes(StandardCharsets.UTF_8), null);
        }
        return builder.build();
    }

    private PartitionProduceResponse send(ManagedChannel channel, ByteBuffer records) {
        return ProduceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000).addTopics(TopicProduceData.newBuilder()
                        .setTopic("raw").addPartitions(PartitionProduceData.newBuilder().setPartition(0)
                                .setRecords(UnsafeByteOperations.unsafeWrap(records.duplicate())))).build())
                .getTopics(0).getPartitions(0);
    }

    @Test
    void aBatchSentBeforeTheKillIsADuplicateAfterItAndAStreamStaysExactlyOnce() throws Exception {
        server = new SingleServerProcess(dir);
        server.start();
        try (RunnelAdmin admin = new RunnelAdmin(Map.of("bootstrap.servers", server.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("raw", 1, (short) 1), new NewTopic("stream", 2, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
        }

        // 1. Batches by hand, so the retry is exactly the batch sent before the kill.
        ManagedChannel channel = NettyChannelBuilder.forTarget(server.bootstrap()).usePlaintext().build();
        InitProducerIdResponse id = TransactionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .initProducerId(InitProducerIdRequest.newBuilder().setProducerId(-1).setProducerEpoch(-1).build());
        assertThat(id.getError()).isEqualTo(ErrorCode.NONE);
        List<ByteBuffer> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ByteBuffer batch = batch(id.getProducerId(), 3 * i, 3);
            sent.add(batch);
            assertThat(send(channel, batch).getBaseOffset()).isEqualTo(3L * i);
        }
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.killNine();
        server.start();
        channel = NettyChannelBuilder.forTarget(server.bootstrap()).usePlaintext().build();
        try {
            for (int i = 0; i < sent.size(); i++) {
                PartitionProduceResponse retry = send(channel, sent.get(i));
                assertThat(retry.getError()).as(retry.getErrorMessage()).isEqualTo(ErrorCode.NONE);
                assertThat(retry.getBaseOffset()).as("batch %d resent after the kill", i).isEqualTo(3L * i);
            }
            assertThat(send(channel, batch(id.getProducerId(), 15, 1)).getBaseOffset()).isEqualTo(15);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        // 2. A producer streaming across a SIGKILL.
        int count = 2_000;
        List<Future<RecordMetadata>> futures = new CopyOnWriteArrayList<>();
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", server.bootstrap(),
                "linger.ms", "1", "batch.size", "1024", "retry.backoff.ms", "20", "delivery.timeout.ms", "180000",
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer"))) {
            Thread sender = new Thread(() -> {
                for (int i = 0; i < count; i++) {
                    futures.add(producer.send(new ProducerRecord<>("stream", i % 2, "k", String.format("%d-%05d", i % 2, i))));
                }
            }, "kill-nine-sender");
            sender.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> futures.stream().filter(Future::isDone).count() > 300);
            server.killNine(); // mid-stream: requests are in flight
            server.start();
            sender.join(TimeUnit.SECONDS.toMillis(180));
            producer.flush();
            for (Future<RecordMetadata> future : futures) {
                assertThat(future.get(180, TimeUnit.SECONDS).hasOffset()).isTrue();
            }
        }
        List<ConsumerRecord<String, String>> log = new ArrayList<>();
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", server.bootstrap(),
                "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer"))) {
            List<TopicPartition> assignment = List.of(new TopicPartition("stream", 0), new TopicPartition("stream", 1));
            consumer.assign(assignment);
            consumer.seekToBeginning(assignment);
            Map<TopicPartition, Long> ends = consumer.endOffsets(assignment);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && assignment.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(log::add);
            }
        }
        for (int p = 0; p < 2; p++) {
            int partition = p;
            List<String> stored = log.stream().filter(r -> r.partition() == partition).map(ConsumerRecord::value).toList();
            List<String> expected = new ArrayList<>();
            for (int i = p; i < count; i += 2) {
                expected.add(String.format("%d-%05d", partition, i));
            }
            assertThat(stored).as("partition %d: each record once, in send order", p).containsExactlyElementsOf(expected);
        }
    }
}
