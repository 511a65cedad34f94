package io.runnel.client.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.common.TopicPartition;
import io.runnel.node.testing.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that loses partitions in a rebalance, with auto-commit, against a real node: while the commit of
 * the revoked partitions' positions is pending, its other partitions go on being handed out and the revoked
 * ones are not; the revocation (listener, hand-over to the new member) completes once the commit is answered.
 * The commit is held on the consumer's commit thread, which is what makes "pending" observable.
 */
class RevocationCommitTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String TOPIC = "kept-and-moved";

    @TempDir
    static Path dir;

    private static LocalCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = LocalCluster.singleNode(dir, Map.of("offsets.topic.num.partitions", "2",
                "group.min.session.timeout.ms", "1000", "group.consumer.heartbeat.interval.ms", "500")).start();
        try (RunnelAdmin admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers",
                cluster.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 2_000; i++) {
                producer.send(new ProducerRecord<>(TOPIC, i % 4, null, "v" + i));
            }
            producer.flush();
        }
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Map<String, Object> settings(String group) {
        return new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(), "group.id", group,
                "auto.offset.reset", "earliest", "session.timeout.ms", "6000", "heartbeat.interval.ms", "500"));
    }

    /** Holds commits while armed, until opened; counts the commits it holds. */
    private static final class CommitGate implements UnaryOperator<Runnable> {
        final AtomicBoolean armed = new AtomicBoolean();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);

        @Override
        public Runnable apply(Runnable commit) {
            return () -> {
                if (armed.get()) {
                    held.countDown();
                    try {
                        open.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                commit.run();
            };
        }
    }

    @Test
    void keptPartitionsAreHandedOutWhileTheRevokedOnesWaitForTheirCommit() throws Exception {
        CommitGate gate = new CommitGate();
        Map<String, Object> first = settings("revocation");
        // Only the revocation commits through the gate: no periodic auto-commit during the test.
        first.put("auto.commit.interval.ms", "600000");
        first.put("max.poll.records", "2");
        Set<TopicPartition> revoked = ConcurrentHashMap.newKeySet();
        RunnelConsumer<String, String> a = new RunnelConsumer<>(first, new StringDeserializer(), new StringDeserializer(), gate);
        RunnelConsumer<String, String> b = new RunnelConsumer<>(settings("revocation"), new StringDeserializer(),
                new StringDeserializer());
        // Records keep arriving on every partition, so the kept ones have some to hand out at any time.
        AtomicBoolean stopProducing = new AtomicBoolean();
        Thread producing = new Thread(() -> {
            try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers",
                    cluster.bootstrapServers(), "linger.ms", "0"), new StringSerializer(), new StringSerializer())) {
                for (int i = 0; !stopProducing.get(); i++) {
                    producer.send(new ProducerRecord<>(TOPIC, i % 4, null, "w" + i)).get(10, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "producing");
        producing.start();
        AtomicBoolean stopB = new AtomicBoolean();
        AtomicReference<Set<TopicPartition>> assignedToB = new AtomicReference<>(Set.of());
        Thread pollerB = new Thread(() -> {
            while (!stopB.get()) {
                b.poll(Duration.ofMillis(100));
                assignedToB.set(Set.copyOf(b.assignment()));
            }
        }, "member-b");
        try {
            a.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    revoked.addAll(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }
            });
            Set<Integer> seen = new HashSet<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (seen.size() < 4 && System.nanoTime() < deadline) {
                a.poll(Duration.ofMillis(100)).forEach(r -> seen.add(r.partition()));
            }
            assertThat(seen).as("the first member reads all four partitions").hasSize(4);

            gate.armed.set(true);
            b.subscribe(List.of(TOPIC));
            pollerB.start();
            List<ConsumerRecord<String, String>> whileHeld = new ArrayList<>();
            while (gate.held.getCount() > 0 && System.nanoTime() < deadline) {
                a.poll(Duration.ofMillis(100));
            }
            assertThat(gate.held.getCount()).as("the revocation's commit was sent from the commit thread").isZero();
            for (int i = 0; i < 20; i++) {
                a.poll(Duration.ofMillis(50)).forEach(whileHeld::add);
            }
            assertThat(revoked).as("the revocation waits for its commit").isEmpty();

            gate.open.countDown();
            while (revoked.isEmpty() && System.nanoTime() < deadline) {
                a.poll(Duration.ofMillis(100));
            }
            assertThat(revoked).as("revoked once the commit is answered").isNotEmpty().hasSizeLessThan(4);
            assertThat(whileHeld).as("records of the kept partitions while the commit was pending").isNotEmpty();
            assertThat(whileHeld).extracting(r -> new TopicPartition(r.topic(), r.partition()))
                    .as("nothing of a partition being revoked was handed out after its position was taken")
                    .doesNotContainAnyElementsOf(revoked);
            while (!assignedToB.get().containsAll(revoked) && System.nanoTime() < deadline) {
                a.poll(Duration.ofMillis(100));
            }
            assertThat(assignedToB.get()).as("the new member takes the revoked partitions").containsAll(revoked);
        } finally {
            gate.open.countDown();
            stopProducing.set(true);
            producing.join(WAIT.toMillis());
            stopB.set(true);
            if (pollerB.isAlive()) {
                pollerB.join(WAIT.toMillis());
            }
            a.close(Duration.ofSeconds(10));
            b.close(Duration.ofSeconds(10));
        }
    }
}
