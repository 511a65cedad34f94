package io.runnel.client.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.node.RunnelNode;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.ErrorCode;
import io.runnel.replication.Partition;
import io.runnel.storage.LogSegment;
import io.runnel.storage.PartitionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication end to end (issue 8): one controller and three brokers in this process on loopback, real
 * gRPC, Ratis and files, the SDK's producer and consumer. Links between nodes run through relays a test
 * can cut. Each test asserts on the data: what was acknowledged is where it was acknowledged, replicas
 * hold identical bytes, and the ISR changes as the leader's view of its followers says.
 */
class ReplicationEndToEndTest {

    /** Sessions long enough for a loaded 2-core machine; lag and waits short enough for a test's patience. */
    private static final Map<String, String> TIMINGS = Map.of(
            "broker.session.timeout.ms", "6000", "broker.heartbeat.interval.ms", "500",
            "replica.lag.time.max.ms", "3000", "replica.fetch.backoff.ms", "200", "request.timeout.ms", "15000",
            "controlled.shutdown.timeout.ms", "10000");
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private LocalCluster cluster;
    private RunnelAdmin admin;

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
            cluster.closeLinks();
        }
    }

    private void start(int brokers, Map<String, String> extra) {
        Map<String, String> overrides = new HashMap<>(TIMINGS);
        overrides.putAll(extra);
        cluster = LocalCluster.of(dir, 1, brokers, overrides).withDroppableLinks().start();
        admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    private void createTopic(String name, int partitions, int replicationFactor, int minInsync) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) replicationFactor,
                Map.of("min.insync.replicas", String.valueOf(minInsync))))).all().get(30, TimeUnit.SECONDS);
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = new TopicPartition(name, p);
            await().atMost(PATIENCE).until(() -> isr(tp).size() == replicationFactor && leaderOf(tp).isPresent());
        }
    }

    private RunnelProducer<String, String> producer(String acks) {
        return new RunnelProducer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(), "acks", acks,
                "linger.ms", "1", "delivery.timeout.ms", "120000", "request.timeout.ms", "10000",
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer"));
    }

    /** Sends {@code count} records to one partition and returns offset -> value of those acknowledged. */
    private Map<Long, String> send(RunnelProducer<String, String> producer, TopicPartition tp, String prefix, int count)
            throws InterruptedException {
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, prefix + i)));
        }
        producer.flush();
        Map<Long, String> acked = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            try {
                acked.put(futures.get(i).get(60, TimeUnit.SECONDS).offset(), prefix + i);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // not acknowledged: it may or may not be in the log
            }
        }
        return acked;
    }

    private Map<Long, String> readAll(TopicPartition tp, long expectedEnd) {
        return TestClients.readAll(cluster.bootstrapServers(), tp, expectedEnd, PATIENCE);
    }


    private Optional<Partition> replica(int brokerId, TopicPartition tp) {
        if (!cluster.isRunning(brokerId)) {
            return Optional.empty();
        }
        return cluster.node(brokerId).replicaManager().flatMap(manager -> manager.partition(tp));
    }

    /**
     * The running broker whose replica leads {@code tp} at the newest epoch (a deposed leader that has not
     * learned it yet may still think it leads at an older one).
     */
    private Optional<Integer> leaderOf(TopicPartition tp) {
        Optional<Integer> leader = Optional.empty();
        int epoch = -1;
        for (int id : cluster.brokerIds()) {
            Optional<Partition> partition = replica(id, tp);
            if (partition.isPresent() && partition.get().isLeader() && partition.get().leaderEpoch() > epoch) {
                leader = Optional.of(id);
                epoch = partition.get().leaderEpoch();
            }
        }
        return leader;
    }

    /** The ISR as the current leader knows it. */
    private List<Integer> isr(TopicPartition tp) {
        return leaderOf(tp).flatMap(id -> replica(id, tp)).map(Partition::isr).orElse(List.of());
    }

    /** The bytes of every segment file of a replica's log, in order, as far as the segments hold data. */
    private static byte[] logBytes(PartitionLog log) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (LogSegment segment : log.segments()) {
            byte[] file = Files.readAllBytes(segment.log().file());
            out.write(file, 0, Math.min(file.length, segment.sizeInBytes()));
        }
        return out.toByteArray();
    }

    /** Waits until every running replica of {@code tp} has the leader's log end and high watermark, then compares bytes. */
    private void assertReplicasIdentical(TopicPartition tp, List<Integer> brokers) throws IOException {
        await().atMost(PATIENCE).until(() -> {
            Optional<Integer> leader = leaderOf(tp);
            if (leader.isEmpty()) {
                return false;
            }
            Partition leading = replica(leader.get(), tp).orElseThrow();
            long end = leading.log().logEndOffset();
            return leading.highWatermark() == end && brokers.stream().allMatch(id -> replica(id, tp)
                    .map(p -> p.log().logEndOffset() == end && p.highWatermark() == end).orElse(false));
        });
        byte[] reference = logBytes(replica(brokers.get(0), tp).orElseThrow().log());
        for (int id : brokers) {
            assertThat(logBytes(replica(id, tp).orElseThrow().log())).as("segments of broker " + id + " for " + tp)
                    .isEqualTo(reference);
        }
    }

    @Test
    void acknowledgedRecordsReachEveryReplicaAndTheLogsAreByteIdentical() throws Exception {
        start(3, Map.of());
        createTopic("orders", 2, 3, 2);
        Map<TopicPartition, Map<Long, String>> acked = new HashMap<>();
        try (RunnelProducer<String, String> producer = producer("all")) {
            for (int p = 0; p < 2; p++) {
                TopicPartition tp = new TopicPartition("orders", p);
                acked.put(tp, send(producer, tp, "p" + p + "-", 2_000));
            }
        }
        for (Map.Entry<TopicPartition, Map<Long, String>> entry : acked.entrySet()) {
            assertThat(entry.getValue()).as("acknowledged records of " + entry.getKey()).hasSize(2_000);
            assertThat(readAll(entry.getKey(), 2_000)).isEqualTo(entry.getValue());
            assertReplicasIdentical(entry.getKey(), cluster.brokerIds());
            assertThat(isr(entry.getKey())).hasSize(3);
        }
    }

    @Test
    void aFollowerCutOffFromTheLeaderLeavesTheIsrAndRejoinsOnceHealedAndCaughtUp() throws Exception {
        start(3, Map.of());
        TopicPartition tp = new TopicPartition("cut", 0);
        createTopic(tp.topic(), 1, 3, 2);
        int leader = leaderOf(tp).orElseThrow();
        int follower = cluster.brokerIds().stream().filter(id -> id != leader).findFirst().orElseThrow();
        try (RunnelProducer<String, String> producer = producer("all")) {
            assertThat(send(producer, tp, "before-", 100)).hasSize(100);
            cluster.dropTraffic(follower, leader, true);
            // The leader shrinks the ISR once the follower has not caught up for replica.lag.time.max.ms; until
            // then acks=all waits, after it (2 of 3 in sync, min.insync.replicas=2) it succeeds again.
            await().atMost(PATIENCE).until(() -> !isr(tp).contains(follower));
            assertThat(isr(tp)).hasSize(2).contains(leader);
            Map<Long, String> during = send(producer, tp, "during-", 100);
            assertThat(during).hasSize(100);
            long followerEnd = replica(follower, tp).orElseThrow().log().logEndOffset();
            assertThat(followerEnd).as("the cut-off follower has none of what came after").isLessThanOrEqualTo(100);
            cluster.dropTraffic(follower, leader, false);
            await().atMost(PATIENCE).until(() -> isr(tp).contains(follower));
        }
        assertReplicasIdentical(tp, cluster.brokerIds());
    }

    @Test
    void aLeaderThatDivergedTruncatesByEpochAndEndsIdenticalToTheNewLeader() throws Exception {
        start(3, Map.of());
        TopicPartition tp = new TopicPartition("diverge", 0);
        createTopic(tp.topic(), 1, 3, 2);
        int oldLeader = leaderOf(tp).orElseThrow();
        List<Integer> followers = cluster.brokerIds().stream().filter(id -> id != oldLeader).toList();
        Map<Long, String> committed;
        try (RunnelProducer<String, String> producer = producer("all")) {
            committed = new TreeMap<>(send(producer, tp, "committed-", 50));
        }
        // The followers stop hearing from the leader: what it now takes with acks=1 only it has.
        followers.forEach(id -> cluster.dropTraffic(id, oldLeader, true));
        Map<Long, String> lost;
        try (RunnelProducer<String, String> producer = producer("1")) {
            lost = send(producer, tp, "only-on-old-leader-", 20);
        }
        assertThat(lost).as("acks=1 records the old leader took alone").isNotEmpty();
        long oldLeaderEnd = replica(oldLeader, tp).orElseThrow().log().logEndOffset();
        cluster.kill(oldLeader);
        await().atMost(PATIENCE).until(() -> leaderOf(tp).filter(id -> id != oldLeader).isPresent());
        int newLeader = leaderOf(tp).orElseThrow();
        Map<Long, String> later;
        try (RunnelProducer<String, String> producer = producer("all")) {
            later = send(producer, tp, "new-leader-", 30);
        }
        assertThat(later).hasSize(30);
        followers.forEach(id -> cluster.dropTraffic(id, oldLeader, false));
        cluster.start(oldLeader);
        await().atMost(PATIENCE).until(() -> isr(tp).contains(oldLeader));
        assertReplicasIdentical(tp, cluster.brokerIds());

        PartitionLog old = replica(oldLeader, tp).orElseThrow().log();
        assertThat(old.logEndOffset()).isEqualTo(replica(newLeader, tp).orElseThrow().log().logEndOffset());
        Map<Long, String> all = readAll(tp, old.logEndOffset());
        committed.forEach((offset, value) -> assertThat(all).containsEntry(offset, value));
        later.forEach((offset, value) -> assertThat(all).containsEntry(offset, value));
        assertThat(all.values()).as("the old leader's lone records were truncated away")
                .noneMatch(value -> value.startsWith("only-on-old-leader-"));
        assertThat(oldLeaderEnd).isGreaterThan(committed.size());
    }

    @Test
    void withFewerThanMinInsyncReplicasAcksAllIsRefusedAndNothingIsAppendedWhileAcksOneWorks() throws Exception {
        start(2, Map.of());
        TopicPartition tp = new TopicPartition("guarded", 0);
        createTopic(tp.topic(), 1, 2, 2);
        int leader = leaderOf(tp).orElseThrow();
        int follower = cluster.brokerIds().stream().filter(id -> id != leader).findFirst().orElseThrow();
        cluster.kill(follower);
        await().atMost(PATIENCE).until(() -> isr(tp).equals(List.of(leader)));
        long endBefore = replica(leader, tp).orElseThrow().log().logEndOffset();
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers",
                cluster.bootstrapServers(), "acks", "all", "retries", "0", "delivery.timeout.ms", "20000",
                "request.timeout.ms", "10000", "linger.ms", "0",
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer"))) {
            Future<RecordMetadata> refused = producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, "x"));
            ExecutionException error = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> refused.get(30, TimeUnit.SECONDS));
            assertThat(error.getCause()).isInstanceOf(ApiException.class);
            assertThat(((ApiException) error.getCause()).code()).isEqualTo(ErrorCode.NOT_ENOUGH_REPLICAS);
        }
        assertThat(replica(leader, tp).orElseThrow().log().logEndOffset()).as("nothing appended").isEqualTo(endBefore);
        try (RunnelProducer<String, String> producer = producer("1")) {
            assertThat(send(producer, tp, "one-", 10)).hasSize(10);
        }
    }

    @Test
    void anIsolatedLeaderStopsServingWithinItsLeaseAndClientsMoveToTheNewLeader() throws Exception {
        start(3, Map.of());
        TopicPartition tp = new TopicPartition("isolated", 0);
        createTopic(tp.topic(), 1, 3, 2);
        int oldLeader = leaderOf(tp).orElseThrow();
        Map<Long, String> acked = new TreeMap<>();
        try (RunnelProducer<String, String> producer = producer("all")) {
            acked.putAll(send(producer, tp, "before-", 100));
            for (int other : cluster.nodeIds()) {
                if (other != oldLeader) {
                    cluster.dropTraffic(oldLeader, other, true);
                }
            }
            // Clients still reach the isolated broker, but once its lease lapses it refuses to serve.
            Partition isolated = replica(oldLeader, tp).orElseThrow();
            await().atMost(PATIENCE).until(() -> {
                try {
                    isolated.ensureServing(java.util.OptionalInt.empty());
                    return false;
                } catch (ApiException e) {
                    return e.code() == ErrorCode.NOT_LEADER_OR_FOLLOWER;
                }
            });
            await().atMost(PATIENCE).until(() -> leaderOf(tp).filter(id -> id != oldLeader).isPresent());
            acked.putAll(send(producer, tp, "after-", 100));
        }
        for (int other : cluster.nodeIds()) {
            if (other != oldLeader) {
                cluster.dropTraffic(oldLeader, other, false);
            }
        }
        assertThat(acked).hasSize(200);
        Map<Long, String> all = readAll(tp, acked.keySet().stream().mapToLong(o -> o + 1).max().orElseThrow());
        acked.forEach((offset, value) -> assertThat(all).containsEntry(offset, value));
        assertReplicasIdentical(tp, cluster.brokerIds());
    }

    @Test
    void withTheControllerQuorumDownALeaderWhoseFollowersFetchKeepsServing() throws Exception {
        start(3, Map.of());
        TopicPartition tp = new TopicPartition("headless", 0);
        createTopic(tp.topic(), 1, 3, 2);
        int leader = leaderOf(tp).orElseThrow();
        cluster.stop(cluster.controllerIds().get(0));
        // Heartbeats go unanswered now; the lease lives on through the followers' fetches alone. Writing for
        // twice the session timeout outlasts any lease a heartbeat gave (half the session).
        Map<Long, String> acked = new TreeMap<>();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * 6_000);
        int round = 0;
        try (RunnelProducer<String, String> producer = producer("all")) {
            while (System.nanoTime() < until) {
                Map<Long, String> sent = send(producer, tp, "headless-" + round++ + "-", 10);
                assertThat(sent).as("round " + round + " acknowledged with the controller quorum down").hasSize(10);
                acked.putAll(sent);
            }
        }
        assertThat(leaderOf(tp)).contains(leader);
        Map<Long, String> all = readAll(tp, acked.keySet().stream().mapToLong(o -> o + 1).max().orElseThrow());
        acked.forEach((offset, value) -> assertThat(all).containsEntry(offset, value));
    }
}
