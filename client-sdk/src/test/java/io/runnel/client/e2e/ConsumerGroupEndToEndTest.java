package io.runnel.client.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.client.MetricName;
import io.runnel.client.admin.NewPartitions;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.CommitFailedException;
import io.runnel.client.consumer.ConsumerInterceptor;
import io.runnel.client.consumer.ConsumerRebalanceListener;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.client.consumer.OffsetAndTimestamp;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.consumer.WakeupException;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringDeserializer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.ErrorCode;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consumer groups through the SDK against a real single-node cluster: subscribe, rebalances with the listener,
 * commits, both delivery models (a queue within a group, publish/subscribe across groups), max.poll.interval.ms,
 * static membership, patterns, partition increases, interceptors, lag, and the named errors of bad input.
 */
class ConsumerGroupEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static RunnelAdmin admin;

    @BeforeAll
    static void start() {
        cluster = LocalCluster.singleNode(dir, Map.of("offsets.topic.num.partitions", "4",
                "group.min.session.timeout.ms", "1000", "group.consumer.heartbeat.interval.ms", "500")).start();
        admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        admin.close();
        cluster.close();
    }

    private static void createTopic(String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    private static void produce(String topic, int count, String prefix) {
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", cluster.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, prefix + i, prefix + i));
            }
            producer.flush();
        }
    }

    /** Each record in a batch of its own, so a fetch of one batch per partition returns one record. */
    private static void produceOnePerBatch(String topic, int count, String prefix) {
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "linger.ms", "0"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, i % 6, null, prefix + i));
                producer.flush();
            }
        }
    }

    private static RunnelConsumer<String, String> consumer(String group, Map<String, Object> extra) {
        Map<String, Object> configs = new HashMap<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "group.id", group, "auto.offset.reset", "earliest", "enable.auto.commit", "false",
                "session.timeout.ms", "6000", "heartbeat.interval.ms", "500"));
        configs.putAll(extra);
        return new RunnelConsumer<>(configs, new StringDeserializer(), new StringDeserializer());
    }

    /** Polls until {@code done} or the wait ends, feeding every record to {@code sink}. */
    private static void pollUntil(List<RunnelConsumer<String, String>> consumers, java.util.function.BooleanSupplier done,
                                  java.util.function.BiConsumer<Integer, ConsumerRecord<String, String>> sink) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition reached within %s", WAIT).isLessThan(deadline);
            for (int i = 0; i < consumers.size(); i++) {
                for (ConsumerRecord<String, String> record : consumers.get(i).poll(Duration.ofMillis(50))) {
                    sink.accept(i, record);
                }
            }
        }
    }

    @Test
    void withinAGroupEachRecordGoesToOneMemberAndEachGroupGetsEveryRecord() throws Exception {
        createTopic("events", 6);
        produceOnePerBatch("events", 300, "e");
        // Auto-commit commits what a member consumed before it gives a partition up, so the next owner starts
        // right after: each record reaches exactly one member of the group, even across the rebalances. One
        // record per batch and per fetch of a partition, so every partition is being consumed when one moves.
        Map<String, Object> autoCommit = Map.of("enable.auto.commit", "true", "auto.commit.interval.ms", "600000",
                "max.poll.records", "5", "max.partition.fetch.bytes", "1");
        List<RunnelConsumer<String, String>> groupA = List.of(consumer("queue-a", autoCommit), consumer("queue-a", autoCommit),
                consumer("queue-a", autoCommit));
        List<RunnelConsumer<String, String>> groupB = List.of(consumer("queue-b", Map.of()));
        try {
            groupB.forEach(c -> c.subscribe(List.of("events")));
            Map<String, Integer> deliveriesA = new ConcurrentHashMap<>();
            Set<String> seenB = new HashSet<>();
            // Members join one after another while the group consumes, so partitions move after records of them
            // were consumed.
            Set<Integer> partitionsConsumed = ConcurrentHashMap.newKeySet();
            for (int joined = 1; joined <= 3; joined++) {
                groupA.get(joined - 1).subscribe(List.of("events"));
                int target = joined * 60;
                pollUntil(groupA.subList(0, joined), () -> deliveriesA.size() >= target && partitionsConsumed.size() == 6,
                        (member, record) -> {
                            deliveriesA.merge(record.value(), 1, Integer::sum);
                            partitionsConsumed.add(record.partition());
                        });
            }
            pollUntil(groupA, () -> deliveriesA.size() == 300 && groupA.stream().allMatch(c -> c.assignment().size() == 2),
                    (member, record) -> deliveriesA.merge(record.value(), 1, Integer::sum));
            pollUntil(groupB, () -> seenB.size() == 300, (member, record) -> seenB.add(record.value()));

            Set<TopicPartition> union = new HashSet<>();
            groupA.forEach(c -> {
                assertThat(union.stream().noneMatch(c.assignment()::contains)).as("a partition has one owner").isTrue();
                union.addAll(c.assignment());
            });
            assertThat(union).hasSize(6);
            assertThat(deliveriesA).hasSize(300);
            assertThat(deliveriesA.values()).as("each record went to exactly one member, once").allMatch(n -> n == 1);
            assertThat(groupB.get(0).assignment()).hasSize(6);
            assertThat(seenB).hasSize(300);
        } finally {
            groupA.forEach(RunnelConsumer::close);
            groupB.forEach(RunnelConsumer::close);
        }
    }

    @Test
    void processThenCommitMeansARevokedPartitionResumesAfterItsLastCommitOnTheNewOwner() throws Exception {
        createTopic("handoff", 4);
        produce("handoff", 200, "h");
        List<String> revokedByA = new CopyOnWriteArrayList<>();
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        RunnelConsumer<String, String> a = consumer("handoff-group", Map.of("max.poll.records", "10"));
        a.subscribe(List.of("handoff"), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                partitions.forEach(tp -> revokedByA.add(tp.toString()));
                a.commitSync();  // what was processed is committed before the partitions move
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }
        });
        RunnelConsumer<String, String> b = consumer("handoff-group", Map.of("max.poll.records", "10"));
        try {
            pollUntil(List.of(a), () -> seen.size() >= 40, (m, r) -> seen.merge(r.value(), 1, Integer::sum));
            a.commitSync();
            b.subscribe(List.of("handoff"));
            pollUntil(List.of(a, b), () -> seen.size() == 200 && b.assignment().size() == 2,
                    (m, r) -> seen.merge(r.value(), 1, Integer::sum));

            assertThat(revokedByA).hasSize(2);
            assertThat(seen.values()).as("no record processed and committed was delivered again").allMatch(n -> n == 1);
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aMemberThatDoesNotPollInTimeLeavesAndItsLateCommitIsRefused() throws Exception {
        createTopic("slow", 2);
        produce("slow", 20, "s");
        List<Collection<TopicPartition>> lost = new CopyOnWriteArrayList<>();
        try (RunnelConsumer<String, String> slow = consumer("slow-group", Map.of("max.poll.interval.ms", "1500"));
             RunnelConsumer<String, String> other = consumer("slow-group", Map.of())) {
            slow.subscribe(List.of("slow"), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    lost.add(partitions);
                }
            });
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            pollUntil(List.of(slow), () -> !got.isEmpty(), (m, r) -> got.add(r));
            other.subscribe(List.of("slow"));
            // The slow member stops polling; the other one takes over every partition.
            pollUntil(List.of(other), () -> other.assignment().size() == 2, (m, r) -> { });

            assertThatThrownBy(slow::commitSync).isInstanceOf(CommitFailedException.class)
                    .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID));
            slow.poll(Duration.ofMillis(10));
            assertThat(lost).as("the next poll tells the listener its partitions were lost").hasSize(1);
            assertThat(slow.assignment()).isEmpty();
        }
    }

    @Test
    void aStaticMemberRestartingWithinItsSessionGetsItsPartitionsBackWithoutMovingOthers() throws Exception {
        createTopic("static", 4);
        Map<String, Object> staticA = Map.of("group.instance.id", "instance-a", "partition.assignment.strategy", "range");
        RunnelConsumer<String, String> a = consumer("static-group", staticA);
        RunnelConsumer<String, String> b = consumer("static-group", Map.of("group.instance.id", "instance-b",
                "partition.assignment.strategy", "range"));
        List<Collection<TopicPartition>> bRevoked = new CopyOnWriteArrayList<>();
        try {
            a.subscribe(List.of("static"));
            b.subscribe(List.of("static"), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        bRevoked.add(partitions);
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                }
            });
            pollUntil(List.of(a, b), () -> a.assignment().size() == 2 && b.assignment().size() == 2, (m, r) -> { });
            Set<TopicPartition> aBefore = a.assignment();
            a.close();  // a static member leaves for now: its partitions wait for it
            bRevoked.clear();

            RunnelConsumer<String, String> restarted = consumer("static-group", staticA);
            try {
                restarted.subscribe(List.of("static"));
                pollUntil(List.of(restarted, b), () -> restarted.assignment().size() == 2, (m, r) -> { });
                assertThat(restarted.assignment()).isEqualTo(aBefore);
                assertThat(b.assignment()).hasSize(2);
                assertThat(bRevoked).as("b kept its partitions throughout").isEmpty();
            } finally {
                restarted.close();
            }
        } finally {
            b.close();
        }
    }

    @Test
    void aPatternPicksUpNewTopicsAndAPartitionIncreaseIsAssigned() throws Exception {
        createTopic("pat-1", 1);
        try (RunnelConsumer<String, String> consumer = consumer("pattern-group", Map.of("metadata.max.age.ms", "300"))) {
            consumer.subscribe(Pattern.compile("pat-.*"));
            pollUntil(List.of(consumer), () -> consumer.assignment().size() == 1, (m, r) -> { });

            createTopic("pat-2", 2);
            pollUntil(List.of(consumer), () -> consumer.assignment().size() == 3, (m, r) -> { });
            assertThat(consumer.subscription()).containsExactlyInAnyOrder("pat-1", "pat-2");

            admin.createPartitions(Map.of("pat-1", NewPartitions.increaseTo(3))).all().get(30, TimeUnit.SECONDS);
            pollUntil(List.of(consumer), () -> consumer.assignment().size() == 5, (m, r) -> { });
            assertThat(consumer.subscription()).doesNotContain("__consumer_offsets");
        }
    }

    /** Counts what it sees; registered by class name. */
    public static final class CountingInterceptor implements ConsumerInterceptor<String, String> {
        static final AtomicInteger CONSUMED = new AtomicInteger();
        static final AtomicInteger COMMITTED = new AtomicInteger();

        @Override
        public ConsumerRecords<String, String> onConsume(ConsumerRecords<String, String> records) {
            CONSUMED.addAndGet(records.count());
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            COMMITTED.addAndGet(offsets.size());
        }
    }

    @Test
    void commitsInterceptorsLagAndOffsetsForTimesWork() throws Exception {
        createTopic("misc", 1);
        long before = System.currentTimeMillis();
        produce("misc", 50, "m");
        TopicPartition tp = new TopicPartition("misc", 0);
        try (RunnelConsumer<String, String> consumer = consumer("misc-group", Map.of("max.poll.records", "20",
                "interceptor.classes", CountingInterceptor.class.getName(), "enable.auto.commit", "true",
                "auto.commit.interval.ms", "100"))) {
            consumer.subscribe(List.of("misc"));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            pollUntil(List.of(consumer), () -> got.size() >= 20, (m, r) -> got.add(r));
            Map<MetricName, Double> metrics = consumer.metrics();
            assertThat(metrics).anySatisfy((name, value) -> {
                assertThat(name.name()).isEqualTo("records-lag");
                assertThat(name.tags()).containsEntry("topic", "misc").containsEntry("partition", "0");
                assertThat(value).isEqualTo(50.0 - consumer.position(tp));
            });
            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(20, "after twenty")));
            assertThat(consumer.committed(Set.of(tp)).get(tp)).isEqualTo(new OffsetAndMetadata(20, java.util.Optional.empty(),
                    "after twenty"));
            assertThat(CountingInterceptor.CONSUMED.get()).isGreaterThanOrEqualTo(20);
            assertThat(CountingInterceptor.COMMITTED.get()).isGreaterThanOrEqualTo(1);

            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(Map.of(tp, before));
            assertThat(found.get(tp).offset()).isZero();
            assertThat(consumer.offsetsForTimes(Map.of(tp, System.currentTimeMillis() + 3_600_000)).get(tp)).isNull();
        }
        // Auto-commit on close committed the position of what poll returned.
        try (RunnelConsumer<String, String> check = consumer("misc-group", Map.of())) {
            assertThat(check.committed(Set.of(tp)).get(tp).offset()).isGreaterThanOrEqualTo(20);
        }
    }

    @Test
    void wakeupInterruptsAPoll() throws Exception {
        createTopic("wake", 1);
        try (RunnelConsumer<String, String> consumer = consumer("wake-group", Map.of())) {
            consumer.subscribe(List.of("wake"));
            Thread waker = new Thread(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                consumer.wakeup();
            });
            waker.start();
            assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(30))).isInstanceOf(WakeupException.class);
            waker.join();
        }
    }

    @Test
    void badInputGetsNamedErrors() throws Exception {
        createTopic("bad", 1);
        try (RunnelConsumer<String, String> noGroup = new RunnelConsumer<>(Map.of("bootstrap.servers", cluster.bootstrapServers()),
                new StringDeserializer(), new StringDeserializer())) {
            assertThatThrownBy(() -> noGroup.subscribe(List.of("bad"))).isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.INVALID_GROUP_ID));
            assertThatThrownBy(noGroup::commitSync).isInstanceOf(ApiException.class);
        }
        try (RunnelConsumer<String, String> badAssignor = consumer("bad-assignor", Map.of("partition.assignment.strategy", "magic"))) {
            badAssignor.subscribe(List.of("bad"));
            long deadline = System.nanoTime() + WAIT.toNanos();
            ApiException error = null;
            while (error == null && System.nanoTime() < deadline) {
                try {
                    badAssignor.poll(Duration.ofMillis(100));
                } catch (ApiException e) {
                    error = e;
                }
            }
            assertThat(error).isNotNull();
            assertThat(error.code()).isEqualTo(ErrorCode.UNSUPPORTED_ASSIGNOR);
        }
        try (RunnelConsumer<String, String> member = consumer("bad-commit", Map.of())) {
            member.subscribe(List.of("bad"));
            pollUntil(List.of(member), () -> member.assignment().size() == 1, (m, r) -> { });
            assertThatThrownBy(() -> member.commitSync(Map.of(new TopicPartition("bad", 7), new OffsetAndMetadata(1))))
                    .isInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        }
    }
}
