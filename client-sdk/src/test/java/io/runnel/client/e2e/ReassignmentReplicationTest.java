package io.runnel.client.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.client.admin.AlterConfigOp;
import io.runnel.client.admin.ConfigResource;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.common.TopicPartition;
import io.runnel.node.testing.LocalCluster;
import io.runnel.replication.Partition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reassignment with real replication (issue 8, test 7): new replicas catch up, join the ISR, and the
 * removed ones leave, under produce load, with nothing acknowledged lost; replication factor changes both
 * ways; and the replication throttle bounds how fast a moving replica catches up.
 */
class ReassignmentReplicationTest {

    private static final Map<String, String> TIMINGS = Map.of(
            "broker.session.timeout.ms", "6000", "broker.heartbeat.interval.ms", "500",
            "replica.lag.time.max.ms", "3000", "replica.fetch.backoff.ms", "200", "request.timeout.ms", "15000");
    private static final Duration PATIENCE = Duration.ofSeconds(90);

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
        }
    }

    private void start(int brokers, Map<String, String> extra) {
        Map<String, String> overrides = new HashMap<>(TIMINGS);
        overrides.putAll(extra);
        cluster = LocalCluster.of(dir, 1, brokers, overrides).start();
        admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    /** Creates a one-partition topic and returns its replicas, in assignment order. */
    private List<Integer> createTopic(TopicPartition tp, int replicationFactor) throws Exception {
        admin.createTopics(List.of(new NewTopic(tp.topic(), 1, (short) replicationFactor))).all().get(30, TimeUnit.SECONDS);
        await().atMost(PATIENCE).until(() -> isr(tp).size() == replicationFactor);
        return replicas(tp);
    }

    private List<Integer> brokersOtherThan(List<Integer> excluded) {
        return cluster.brokerIds().stream().filter(id -> !excluded.contains(id)).toList();
    }

    private Optional<Partition> replica(int brokerId, TopicPartition tp) {
        return cluster.isRunning(brokerId)
                ? cluster.node(brokerId).replicaManager().flatMap(manager -> manager.partition(tp)) : Optional.empty();
    }

    /** The replicas and ISR as the current leader (highest epoch) knows them. */
    private Optional<Partition> leader(TopicPartition tp) {
        Partition best = null;
        for (int id : cluster.brokerIds()) {
            Optional<Partition> partition = replica(id, tp);
            if (partition.isPresent() && partition.get().isLeader()
                    && (best == null || partition.get().leaderEpoch() > best.leaderEpoch())) {
                best = partition.get();
            }
        }
        return Optional.ofNullable(best);
    }

    private List<Integer> isr(TopicPartition tp) {
        return leader(tp).map(Partition::isr).orElse(List.of());
    }

    private List<Integer> replicas(TopicPartition tp) {
        return leader(tp).map(Partition::replicas).orElse(List.of());
    }

    private void reassign(TopicPartition tp, List<Integer> target) throws Exception {
        admin.alterPartitionReassignments(Map.of(tp, Optional.of(target))).all().get(30, TimeUnit.SECONDS);
    }

    private RunnelProducer<String, String> producer() {
        return new RunnelProducer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(), "acks", "all", "linger.ms", "1",
                "delivery.timeout.ms", "120000", "request.timeout.ms", "10000",
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer"));
    }

    private Map<Long, String> readAll(TopicPartition tp, long end) {
        return TestClients.readAll(cluster.bootstrapServers(), tp, end, PATIENCE);
    }


    @Test
    void aPartitionMovesFromOneSetOfBrokersToAnotherUnderProduceLoadAndLosesNothingAcknowledged() throws Exception {
        start(4, Map.of());
        TopicPartition tp = new TopicPartition("moving", 0);
        List<Integer> initial = createTopic(tp, 3);
        // {a, b, c} -> {b, c, d}: one replica leaves (the preferred leader), one joins.
        List<Integer> target = new ArrayList<>(initial.subList(1, 3));
        target.add(brokersOtherThan(initial).get(0));
        int leaving = initial.get(0);
        ConcurrentSkipListMap<Long, String> acked = new ConcurrentSkipListMap<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread load = new Thread(() -> {
            try (RunnelProducer<String, String> producer = producer()) {
                for (int i = 0; producing.get(); i++) {
                    String value = "v" + i;
                    producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, value), (metadata, error) -> {
                        if (error == null) {
                            acked.put(metadata.offset(), value);
                        }
                    });
                    if (i % 50 == 0) {
                        producer.flush();
                    }
                }
            }
        });
        load.start();
        await().atMost(PATIENCE).until(() -> acked.size() >= 500);
        reassign(tp, target);
        await().atMost(PATIENCE).until(() -> replicas(tp).equals(target) && isr(tp).size() == 3);
        int atCompletion = acked.size();
        await().atMost(PATIENCE).until(() -> acked.size() >= atCompletion + 200); // writes go on on the new replicas
        producing.set(false);
        load.join(TimeUnit.SECONDS.toMillis(120));
        assertThat(acked.size()).isGreaterThan(500);
        await().atMost(PATIENCE).until(() -> cluster.node(leaving).logManager().orElseThrow().getLog(tp).isEmpty());
        Map<Long, String> all = readAll(tp, acked.lastKey() + 1);
        acked.forEach((offset, value) -> assertThat(all).as("acknowledged offset " + offset).containsEntry(offset, value));
    }

    @Test
    void theReplicationFactorGrowsFromOneToThreeAndShrinksFromThreeToTwo() throws Exception {
        start(3, Map.of());
        TopicPartition tp = new TopicPartition("rf", 0);
        int first = createTopic(tp, 1).get(0);
        List<Integer> others = brokersOtherThan(List.of(first));
        List<Integer> three = List.of(first, others.get(0), others.get(1));
        List<Integer> two = List.of(others.get(0), others.get(1));
        Map<Long, String> acked = new TreeMap<>();
        try (RunnelProducer<String, String> producer = producer()) {
            for (int i = 0; i < 300; i++) {
                RecordMetadata metadata = producer.send(new ProducerRecord<>(tp.topic(), 0, null, "a" + i)).get(30, TimeUnit.SECONDS);
                acked.put(metadata.offset(), "a" + i);
            }
            reassign(tp, three);
            await().atMost(PATIENCE).until(() -> replicas(tp).equals(three) && isr(tp).size() == 3);
            reassign(tp, two);
            await().atMost(PATIENCE).until(() -> replicas(tp).equals(two) && isr(tp).size() == 2);
            for (int i = 0; i < 100; i++) {
                RecordMetadata metadata = producer.send(new ProducerRecord<>(tp.topic(), 0, null, "b" + i)).get(30, TimeUnit.SECONDS);
                acked.put(metadata.offset(), "b" + i);
            }
        }
        Map<Long, String> all = readAll(tp, 400);
        assertThat(all).isEqualTo(acked);
        for (int id : two) {
            await().atMost(PATIENCE).until(() -> replica(id, tp).map(p -> p.log().logEndOffset() == 400).orElse(false));
        }
    }

    @Test
    void theThrottleBoundsHowFastAMovingReplicaCatchesUp() throws Exception {
        long rateBytesPerSecond = 200_000;
        start(2, Map.of("replica.fetch.max.bytes", "65536"));
        TopicPartition tp = new TopicPartition("throttled", 0);
        int source = createTopic(tp, 1).get(0);
        int joining = brokersOtherThan(List.of(source)).get(0);
        try (RunnelProducer<String, String> producer = producer()) {
            String value = "x".repeat(1_000);
            List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 1_500; i++) {
                sent.add(producer.send(new ProducerRecord<>(tp.topic(), 0, null, value)));
            }
            for (var future : sent) {
                future.get(60, TimeUnit.SECONDS);
            }
        }
        long logBytes = replica(source, tp).orElseThrow().log().sizeInBytes();
        admin.incrementalAlterConfigs(Map.of(
                new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(source)),
                List.of(AlterConfigOp.set("leader.replication.throttled.rate", String.valueOf(rateBytesPerSecond))),
                new ConfigResource(ConfigResource.Type.TOPIC, tp.topic()),
                List.of(AlterConfigOp.set("leader.replication.throttled.replicas", "0:" + source)))).all().get(30, TimeUnit.SECONDS);
        await().atMost(PATIENCE).until(() -> !cluster.node(source).brokerImage().orElseThrow().configs()
                .replicationThrottles().isEmpty());
        long startNs = System.nanoTime();
        reassign(tp, List.of(source, joining));
        // Sample the moving replica while it catches up: it can never have more than the rate allows since
        // the move began, plus one second of burst and one fetch (a slow machine only makes it slower).
        long maxObservedExcess = Long.MIN_VALUE;
        while (!isr(tp).contains(joining) && System.nanoTime() - startNs < PATIENCE.toNanos()) {
            long copied = replica(joining, tp).map(p -> p.log().sizeInBytes()).orElse(0L);
            double elapsedSeconds = (System.nanoTime() - startNs) / 1e9;
            maxObservedExcess = Math.max(maxObservedExcess, copied - (long) (rateBytesPerSecond * elapsedSeconds));
            Thread.onSpinWait();
        }
        assertThat(isr(tp)).as("the moving replica caught up and joined the ISR").contains(joining);
        assertThat(logBytes).as("enough data that the throttle matters").isGreaterThan(5 * rateBytesPerSecond);
        assertThat(maxObservedExcess).as("bytes copied beyond the rate").isLessThanOrEqualTo(rateBytesPerSecond + 65_536 + 16_384);
    }
}
