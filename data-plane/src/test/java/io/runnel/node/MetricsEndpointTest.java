package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.node.testing.LocalCluster;
import io.runnel.node.testing.PrometheusText;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartition;
import io.runnel.proto.FetchPartitionResponse;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.FetchServiceGrpc;
import io.runnel.proto.FetchTopic;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.TopicProduceData;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scrapes a real single node (both roles) under produce and fetch load and checks that the series move
 * as they must: bytes and messages in grow by exactly what was appended, bytes out by what was fetched,
 * errors are counted by code, request and purgatory latencies are recorded, per-topic series follow the
 * topics, and {@code metrics.partition.level=false} keeps per-topic sums only.
 */
class MetricsEndpointTest {

    private static final String METERED = "metered";
    private static final String STRICT = "strict";

    @TempDir
    Path dir;

    private LocalCluster cluster;
    private ManagedChannel channel;
    private ProduceServiceGrpc.ProduceServiceBlockingStub produce;
    private FetchServiceGrpc.FetchServiceBlockingStub fetch;
    private AdminServiceGrpc.AdminServiceBlockingStub admin;

    private void start(Map<String, String> overrides) {
        cluster = LocalCluster.singleNode(dir, overrides).start();
        channel = NettyChannelBuilder.forTarget(cluster.bootstrapServers()).usePlaintext().build();
        produce = ProduceServiceGrpc.newBlockingStub(channel);
        fetch = FetchServiceGrpc.newBlockingStub(channel);
        admin = AdminServiceGrpc.newBlockingStub(channel);
        // metered: every append is flushed (so the flush timer moves); strict: acks=all can never be met on one broker.
        createTopic(METERED, 2, Map.of("flush.messages", "1"));
        createTopic(STRICT, 1, Map.of("min.insync.replicas", "2"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private void createTopic(String name, int partitions, Map<String, String> configs) {
        ErrorCode error = admin.withDeadlineAfter(30, TimeUnit.SECONDS).createTopics(CreateTopicsRequest.newBuilder()
                .addTopics(CreatableTopic.newBuilder().setName(name).setNumPartitions(partitions).setReplicationFactor(1)
                        .putAllConfigs(configs)).build()).getTopics(0).getError();
        assertThat(error).isEqualTo(ErrorCode.NONE);
    }

    private PrometheusText scrape() throws Exception {
        return PrometheusText.scrape("127.0.0.1", cluster.node(1).metricsPort().orElseThrow());
    }

    private static ByteBuffer batch(int records, int valueBytes) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        for (int i = 0; i < records; i++) {
            builder.append(System.currentTimeMillis(), null, "v".repeat(valueBytes).getBytes(StandardCharsets.UTF_8), new Header[0]);
        }
        return builder.build();
    }

    private PartitionProduceResponse send(String topic, int partition, int acks, ByteBuffer records) {
        return produce.withDeadlineAfter(30, TimeUnit.SECONDS).produce(ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(5_000)
                .addTopics(TopicProduceData.newBuilder().setTopic(topic).addPartitions(PartitionProduceData.newBuilder()
                        .setPartition(partition).setRecords(UnsafeByteOperations.unsafeWrap(records)))).build())
                .getTopics(0).getPartitions(0);
    }

    private FetchPartitionResponse read(String topic, int partition, long offset, int maxWaitMs) {
        return fetch.withDeadlineAfter(30, TimeUnit.SECONDS).fetch(FetchRequest.newBuilder().setMaxWaitMs(maxWaitMs).setMinBytes(1)
                        .setMaxBytes(1 << 20).addTopics(FetchTopic.newBuilder().setTopic(topic).addPartitions(FetchPartition.newBuilder()
                                .setPartition(partition).setFetchOffset(offset).setPartitionMaxBytes(1 << 20))).build())
                .getTopics(0).getPartitions(0);
    }

    @Test
    void trafficErrorsAndLatenciesMoveAsProducedAndFetched() throws Exception {
        start(Map.of("metrics.port", "0"));
        PrometheusText before = scrape();

        long sentToZero = 0;
        long recordsSent = 0;
        for (int i = 0; i < 20; i++) {
            ByteBuffer records = batch(1 + i % 4, 10 + i);
            sentToZero += records.remaining();
            recordsSent += 1 + i % 4;
            assertThat(send(METERED, 0, 1, records).getError()).isEqualTo(ErrorCode.NONE);
        }
        long sentToOne = 0;
        for (int i = 0; i < 5; i++) {
            ByteBuffer records = batch(2, 100);
            sentToOne += records.remaining();
            recordsSent += 2;
            assertThat(send(METERED, 1, -1, records).getError()).isEqualTo(ErrorCode.NONE);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(send(STRICT, 0, -1, batch(1, 10)).getError()).isEqualTo(ErrorCode.NOT_ENOUGH_REPLICAS);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(send(METERED, 9, 1, batch(1, 10)).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        }
        FetchPartitionResponse fetched = read(METERED, 0, 0, 0);
        long fetchedBytes = fetched.getRecords().size();
        assertThat(fetchedBytes).isEqualTo(sentToZero);
        // A long poll at the log end: it waits in the Fetch purgatory until its delay runs out.
        assertThat(read(METERED, 1, 10, 300).getRecords().size()).isZero();

        // Latencies are recorded when gRPC reports the stream closed, just after the client has its answer.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(delta(before, scrape(),
                "runnel_request_total_time_seconds_count", "service", "ProduceService", "api", "Produce")).isEqualTo(30));
        PrometheusText after = scrape();

        long sent = sentToZero + sentToOne;
        assertThat(delta(before, after, "runnel_broker_bytes_in_total")).isEqualTo(sent);
        assertThat(delta(before, after, "runnel_broker_topic_bytes_in_total", "topic", METERED)).isEqualTo(sent);
        assertThat(delta(before, after, "runnel_broker_messages_in_total")).isEqualTo(recordsSent);
        assertThat(delta(before, after, "runnel_broker_topic_messages_in_total", "topic", METERED)).isEqualTo(recordsSent);
        assertThat(delta(before, after, "runnel_broker_bytes_out_total")).isEqualTo(fetchedBytes);
        assertThat(delta(before, after, "runnel_broker_topic_bytes_out_total", "topic", METERED)).isEqualTo(fetchedBytes);
        assertThat(delta(before, after, "runnel_broker_produce_requests_total")).isEqualTo(30);
        assertThat(delta(before, after, "runnel_broker_failed_produce_requests_total")).isEqualTo(5);
        // Partition 9 does not exist, but the topic is hosted here: its failures count under the topic.
        assertThat(delta(before, after, "runnel_broker_topic_failed_produce_requests_total", "topic", METERED)).isEqualTo(2);
        assertThat(delta(before, after, "runnel_broker_topic_failed_produce_requests_total", "topic", STRICT)).isEqualTo(3);
        assertThat(delta(before, after, "runnel_broker_fetch_requests_total")).isEqualTo(2);

        assertThat(delta(before, after, "runnel_request_requests_total", "service", "ProduceService", "api", "Produce")).isEqualTo(30);
        assertThat(delta(before, after, "runnel_request_errors_total", "api", "Produce", "error", "NONE")).isEqualTo(25);
        assertThat(delta(before, after, "runnel_request_errors_total", "api", "Produce", "error", "NOT_ENOUGH_REPLICAS")).isEqualTo(3);
        assertThat(delta(before, after, "runnel_request_errors_total", "api", "Produce", "error", "UNKNOWN_TOPIC_OR_PARTITION"))
                .isEqualTo(2);
        assertThat(delta(before, after, "runnel_request_requests_total", "service", "FetchService", "api", "Fetch")).isEqualTo(2);
        for (String timer : new String[] {"total_time", "queue_time", "local_time", "remote_time", "response_send_time"}) {
            assertThat(after.has("runnel_request_" + timer + "_seconds", "api", "Produce", "quantile", "0.99")).as(timer).isTrue();
        }
        assertThat(delta(before, after, "runnel_request_total_time_seconds_sum", "api", "Produce")).isPositive();
        // The long poll's wait shows as remote time of Fetch and as time in the Fetch purgatory, which it left by expiring.
        assertThat(delta(before, after, "runnel_request_remote_time_seconds_sum", "api", "Fetch")).isPositive();
        assertThat(delta(before, after, "runnel_purgatory_expires_total", "operation", "Fetch")).isEqualTo(1);
        assertThat(delta(before, after, "runnel_purgatory_time_seconds_count", "operation", "Fetch")).isEqualTo(1);
        assertThat(delta(before, after, "runnel_log_flush_time_seconds_count")).isGreaterThanOrEqualTo(25);

        assertThat(after.value("runnel_log_size_bytes", "topic", METERED, "partition", "0")).isEqualTo(sentToZero);
        assertThat(after.value("runnel_log_size_bytes", "topic", METERED, "partition", "1")).isEqualTo(sentToOne);
        assertThat(after.value("runnel_log_end_offset", "topic", METERED, "partition", "1")).isEqualTo(10);
        assertThat(after.value("runnel_broker_partition_count")).isEqualTo(3);
        assertThat(after.value("runnel_broker_leader_count")).isEqualTo(3);
        assertThat(after.value("runnel_broker_under_min_isr_partition_count")).isEqualTo(1);
        assertThat(after.value("runnel_broker_under_replicated_partitions")).isZero();
        assertThat(after.value("runnel_partition_in_sync_replicas_count", "topic", STRICT, "partition", "0")).isEqualTo(1);

        assertThat(after.value("runnel_controller_active_controller_count")).isEqualTo(1);
        assertThat(after.value("runnel_controller_global_topic_count")).isEqualTo(2);
        assertThat(after.value("runnel_controller_global_partition_count")).isEqualTo(3);
        assertThat(after.value("runnel_controller_offline_partitions_count")).isZero();
        assertThat(after.value("runnel_controller_fenced_broker_count")).isZero();
        assertThat(after.value("runnel_controller_active_broker_count")).isEqualTo(1);
        assertThat(after.value("runnel_controller_new_active_controllers_total")).isGreaterThanOrEqualTo(1);
        assertThat(after.value("runnel_controller_commit_latency_seconds_count")).isPositive();
        assertThat(after.value("runnel_controller_decision_time_seconds_count")).isPositive();
        assertThat(after.value("runnel_controller_event_queue_time_seconds_count")).isPositive();
        assertThat(after.has("runnel_controller_broker_metadata_lag", "broker", "1")).isTrue();
        assertThat(after.value("runnel_controller_last_applied_record_offset"))
                .isEqualTo(after.value("runnel_broker_metadata_last_applied_record_offset"));

        assertThat(after.has("jvm_memory_used_bytes", "area", "heap")).isTrue();
        assertThat(after.value("jvm_threads_live_threads")).isPositive();
        assertThat(after.has("jvm_gc_pause_seconds_count") || after.has("jvm_gc_memory_allocated_bytes_total")).isTrue();
        assertThat(after.value("process_files_open_files")).isPositive();
        assertThat(after.has("process_cpu_usage")).isTrue();
    }

    @Test
    void topicSeriesFollowTheTopicsTheBrokerHosts() throws Exception {
        start(Map.of("metrics.port", "0"));
        send(STRICT, 0, 1, batch(1, 10));
        PrometheusText before = scrape();
        assertThat(before.has("runnel_broker_topic_bytes_in_total", "topic", STRICT)).isTrue();
        assertThat(before.has("runnel_log_size_bytes", "topic", STRICT, "partition", "0")).isTrue();

        assertThat(admin.withDeadlineAfter(30, TimeUnit.SECONDS).deleteTopics(DeleteTopicsRequest.newBuilder().addNames(STRICT)
                .setTimeoutMs(10_000).build()).getTopics(0).getError()).isEqualTo(ErrorCode.NONE);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            PrometheusText after = scrape();
            assertThat(after.samples()).noneMatch(s -> STRICT.equals(s.labels().get("topic")));
            assertThat(after.value("runnel_controller_global_topic_count")).isEqualTo(1);
        });
    }

    @Test
    void withoutPartitionLevelSeriesOnlyPerTopicSumsArePublished() throws Exception {
        start(Map.of("metrics.port", "0", "metrics.partition.level", "false"));
        ByteBuffer zero = batch(3, 50);
        ByteBuffer one = batch(2, 70);
        long bytes = zero.remaining() + one.remaining();
        send(METERED, 0, 1, zero);
        send(METERED, 1, 1, one);
        PrometheusText scraped = scrape();
        assertThat(scraped.find("runnel_log_size_bytes")).hasSize(2).allSatisfy(sample -> assertThat(sample.labels()).containsOnlyKeys("topic"));
        assertThat(scraped.value("runnel_log_size_bytes", "topic", METERED)).isEqualTo(bytes);
        assertThat(scraped.value("runnel_log_size_bytes", "topic", STRICT)).isZero();
        assertThat(scraped.samples()).noneMatch(s -> s.labels().containsKey("partition"));
        assertThat(scraped.names()).doesNotContain("runnel_log_end_offset", "runnel_partition_in_sync_replicas_count");
        assertThat(scraped.value("runnel_broker_topic_bytes_in_total", "topic", METERED)).isEqualTo(bytes);
    }

    private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
        return after.value(name, labels) - before.value(name, labels);
    }
}
