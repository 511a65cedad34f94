package io.runnel.client.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRebalanceListener;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.common.TopicPartition;
import io.runnel.node.testing.LocalCluster;
import io.runnel.replication.Partition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's broker dies (issue 13): one controller and three brokers in this process, the group's
 * offsets partition replicated to all three. After the broker leading it is killed (no controlled shutdown),
 * the members find the new coordinator, the offsets committed before are intact, the members keep the
 * partitions they had (no revocation, nothing lost) and go on committing.
 */
class ConsumerGroupCoordinatorFailoverTest {

    /** Broker sessions short enough for a test's patience, long enough for a loaded 2-core machine. */
    private static final Map<String, String> TIMINGS = Map.of(
            "broker.session.timeout.ms", "6000", "broker.heartbeat.interval.ms", "500",
            "replica.lag.time.max.ms", "3000", "replica.fetch.backoff.ms", "200", "request.timeout.ms", "15000",
            "controlled.shutdown.timeout.ms", "10000",
            // One offsets partition: every group's coordinator is its leader.
            "offsets.topic.num.partitions", "1", "group.min.session.timeout.ms", "1000",
            "group.consumer.heartbeat.interval.ms", "500");
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final TopicPartition OFFSETS = new TopicPartition("__consumer_offsets", 0);
    private static final String TOPIC = "work";
    private static final int PARTITIONS = 6;

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

    @Test
    void membersFindTheNewCoordinatorKeepTheirPartitionsAndCommittedOffsetsAreIntact() throws Exception {
        cluster = LocalCluster.of(dir, 1, 3, TIMINGS).start();
        admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3))).all().get(30, TimeUnit.SECONDS);
        produce("before-", 120);

        List<String> moved = new CopyOnWriteArrayList<>();
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        List<RunnelConsumer<String, String>> members = List.of(consumer("m1"), consumer("m2"));
        try {
            for (RunnelConsumer<String, String> member : members) {
                member.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        partitions.forEach(tp -> moved.add("revoked " + tp));
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    }

                    @Override
                    public void onPartitionsLost(Collection<TopicPartition> partitions) {
                        partitions.forEach(tp -> moved.add("lost " + tp));
                    }
                });
            }
            // Process, then commit, until both members hold three partitions and everything is committed.
            pollAndCommitUntil(members, seen, () -> seen.size() == 120
                    && members.stream().allMatch(m -> m.assignment().size() == PARTITIONS / 2));
            Map<TopicPartition, Long> committedBefore = committed(members.get(0));
            assertThat(committedBefore.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(120);
            List<Set<TopicPartition>> assignmentsBefore = members.stream().map(m -> Set.copyOf(m.assignment())).toList();
            moved.clear();

            await().atMost(PATIENCE).until(() -> leaderOf(OFFSETS).isPresent() && isr(OFFSETS).size() == 3);
            int oldCoordinator = leaderOf(OFFSETS).orElseThrow();
            cluster.kill(oldCoordinator);
            await().atMost(PATIENCE).until(() -> leaderOf(OFFSETS).filter(id -> id != oldCoordinator).isPresent());

            assertThat(committed(members.get(1))).as("offsets committed before the coordinator died").isEqualTo(committedBefore);
            produce("after-", 60);
            pollAndCommitUntil(members, seen, () -> seen.size() == 180);
            assertThat(committed(members.get(0)).values().stream().mapToLong(Long::longValue).sum())
                    .as("the new coordinator took the later commits").isEqualTo(180);
            assertThat(moved).as("no partition was revoked or lost").isEmpty();
            assertThat(members.stream().map(m -> Set.copyOf(m.assignment())).toList())
                    .as("each member kept its partitions").isEqualTo(assignmentsBefore);
            assertThat(seen.values()).as("no record processed and committed was delivered again").allMatch(n -> n == 1);
        } finally {
            members.forEach(RunnelConsumer::close);
        }
    }

    private RunnelConsumer<String, String> consumer(String clientId) {
        Map<String, Object> configs = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "group.id", "failover", "client.id", clientId, "auto.offset.reset", "earliest", "enable.auto.commit", "false",
                // A session long enough to outlast the controller's fencing of the dead broker.
                "session.timeout.ms", "45000", "heartbeat.interval.ms", "500", "default.api.timeout.ms", "60000"));
        return new RunnelConsumer<>(configs, new StringDeserializer(), new StringDeserializer());
    }

    private void produce(String prefix, int count) {
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "acks", "all", "delivery.timeout.ms", "120000", "request.timeout.ms", "10000"),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, i % PARTITIONS, null, prefix + i));
            }
            producer.flush();
        }
    }

    /** Polls every member, counting each record, and commits synchronously after each non-empty poll. */
    private static void pollAndCommitUntil(List<RunnelConsumer<String, String>> members, Map<String, Integer> seen,
                                           java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition reached within %s", PATIENCE).isLessThan(deadline);
            for (RunnelConsumer<String, String> member : members) {
                int polled = 0;
                for (ConsumerRecord<String, String> record : member.poll(Duration.ofMillis(50))) {
                    seen.merge(record.value(), 1, Integer::sum);
                    polled++;
                }
                if (polled > 0) {
                    member.commitSync();
                }
            }
        }
    }

    /** The group's committed offsets of the topic's partitions, as the coordinator answers them now. */
    private static Map<TopicPartition, Long> committed(RunnelConsumer<String, String> member) {
        Set<TopicPartition> partitions = new HashSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new TopicPartition(TOPIC, p));
        }
        Map<TopicPartition, Long> offsets = new HashMap<>();
        member.committed(partitions).forEach((tp, offset) -> offsets.put(tp, offset == null ? 0L : offset.offset()));
        return offsets;
    }

    private Optional<Partition> replica(int brokerId, TopicPartition tp) {
        if (!cluster.isRunning(brokerId)) {
            return Optional.empty();
        }
        return cluster.node(brokerId).replicaManager().flatMap(manager -> manager.partition(tp));
    }

    /** The running broker leading {@code tp} at the newest epoch (a deposed leader may not know it yet). */
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

    private List<Integer> isr(TopicPartition tp) {
        return leaderOf(tp).flatMap(id -> replica(id, tp)).map(Partition::isr).orElse(List.of());
    }
}
