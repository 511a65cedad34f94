package io.runnel.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.cli.CliRunner;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.admin.TopicDescription;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.common.TopicPartition;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication with real processes and real crashes (issue 8, tests 2 and 8): a cluster of 3 controllers
 * and 3 brokers from scripts/cluster, with the topic defaults of the Kubernetes manifest (replication
 * factor 3, min.insync.replicas 2), a producer writing with acks=all without pause while the partition's
 * leader is killed with -9 and restarted, three times. Afterwards every acknowledged record is at its
 * acknowledged offset exactly once, and the three replicas' segment files are byte-identical.
 *
 * <p>Like ClusterMultiProcessTest, the nodes run io.runnel.cli.Main on the class path this build compiled,
 * with small heaps; no nested Maven build.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ReplicatedClusterMultiProcessTest {

    private static final Path MANIFEST = Path.of("..", "deploy", "kubernetes", "runnel.yaml");
    private static final String TOPIC = "replicated";
    private static final int KILLS = 3;

    @TempDir
    Path temp;

    private Map<String, String> environment;
    private Path dir;

    @BeforeEach
    void launcher() throws Exception {
        environment = Map.of("RUNNEL", TestLauncher.write(temp.resolve("runnel")).toString(),
                "CLUSTER_START_TIMEOUT_S", "180", "CLUSTER_STOP_TIMEOUT_S", "30");
        dir = temp.resolve("cluster");
    }

    @AfterEach
    void stop() throws Exception {
        if (Files.exists(dir.resolve("nodes"))) {
            ScriptProcess.run(environment, 120, "stop", "--dir", dir.toString());
        }
    }

    /** The topic defaults the manifest gives its brokers (default.replication.factor, min.insync.replicas). */
    private static List<String> manifestTopicDefaults() throws IOException {
        List<String> defaults = Files.readAllLines(MANIFEST).stream().map(String::strip)
                .filter(line -> line.startsWith("default.replication.factor=") || line.startsWith("min.insync.replicas="))
                .distinct().toList();
        assertThat(defaults).as("topic defaults in " + MANIFEST).hasSize(2);
        return defaults;
    }

    @Test
    void acknowledgedRecordsSurviveRepeatedKillNineOfTheLeaderAndReplicasEndIdentical() throws Exception {
        List<String> args = new ArrayList<>(List.of("start", "--controllers", "3", "--brokers", "3", "--dir", dir.toString(),
                "--base-port", Integer.toString(ScriptProcess.freePortRange(9))));
        for (String setting : manifestTopicDefaults()) {
            args.addAll(List.of("--config", setting));
        }
        ScriptProcess.Result started = ScriptProcess.run(environment, 300, args.toArray(String[]::new));
        assertThat(started.exitCode()).as(started.err()).isZero();
        String bootstrap = started.out().strip().replaceFirst("^bootstrap: ", "");

        // No --replication-factor: the cluster default from the manifest applies.
        CliRunner.Result created = CliRunner.run("topics", "create", TOPIC, "--partitions", "1", "--bootstrap-server", bootstrap);
        assertThat(created.exitCode()).as(created.err()).isZero();
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        try (RunnelAdmin admin = new RunnelAdmin(Map.of("bootstrap.servers", bootstrap))) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> describe(admin).inSyncReplicas().size() == 3);
            assertThat(describe(admin).replicas()).hasSize(3);

            ConcurrentSkipListMap<Long, String> acked = new ConcurrentSkipListMap<>();
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread load = new Thread(() -> produce(bootstrap, tp, producing, acked), "load");
            load.start();
            for (int kill = 0; kill < KILLS; kill++) {
                int before = acked.size();
                await().atMost(Duration.ofSeconds(90)).until(() -> acked.size() >= before + 300);
                int leader = await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> describe(admin).leader().id(), id -> id >= 0);
                assertThat(ScriptProcess.run(environment, 60, "kill", Integer.toString(leader), "--dir", dir.toString())
                        .exitCode()).isZero();
                int afterKill = acked.size();
                // The producer moves to the new leader once the controller fenced the dead one.
                await().atMost(Duration.ofSeconds(90)).until(() -> acked.size() >= afterKill + 300);
                ScriptProcess.Result restarted = ScriptProcess.run(environment, 240, "restart", Integer.toString(leader),
                        "--dir", dir.toString());
                assertThat(restarted.exitCode()).as(restarted.err()).isZero();
                await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> describe(admin).inSyncReplicas().size() == 3);
            }
            producing.set(false);
            load.join(TimeUnit.SECONDS.toMillis(150));
            assertThat(load.isAlive()).isFalse();

            // Every acknowledged record, at its offset, exactly once.
            long end = acked.lastKey() + 1;
            Map<Long, String> log = readAll(bootstrap, tp, end);
            acked.forEach((offset, value) -> assertThat(log).as("acknowledged offset " + offset).containsEntry(offset, value));
            Map<String, Long> seen = new HashMap<>();
            log.forEach((offset, value) -> assertThat(seen.put(value, offset)).as(value + " at " + offset).isNull());
        }
        // The in-sync replicas hold the same bytes.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            byte[] reference = segments(101);
            assertThat(reference.length).isPositive();
            assertThat(segments(102)).isEqualTo(reference);
            assertThat(segments(103)).isEqualTo(reference);
        });
    }

    private static TopicDescriptionPartition describe(RunnelAdmin admin) throws Exception {
        TopicDescription description = admin.describeTopics(List.of(TOPIC)).all().get(30, TimeUnit.SECONDS).get(TOPIC);
        var partition = description.partitions().get(0);
        return new TopicDescriptionPartition(partition.leader(), partition.replicas(), partition.inSyncReplicas());
    }

    private record TopicDescriptionPartition(io.runnel.client.Node leader, List<io.runnel.client.Node> replicas,
                                             List<io.runnel.client.Node> inSyncReplicas) {
    }

    /** Sends without pause, acks=all and no retries (so no record is written twice), until told to stop. */
    private static void produce(String bootstrap, TopicPartition tp, AtomicBoolean producing, Map<Long, String> acked) {
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap,
                "acks", "all", "retries", "0", "linger.ms", "2", "delivery.timeout.ms", "30000", "request.timeout.ms", "10000",
                "key.serializer", "io.runnel.client.serialization.StringSerializer",
                "value.serializer", "io.runnel.client.serialization.StringSerializer"))) {
            for (long i = 0; producing.get(); i++) {
                String value = "record-" + i;
                producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, value), (metadata, error) -> {
                    if (error == null) {
                        acked.put(metadata.offset(), value);
                    }
                });
                if (i % 20 == 0) {
                    producer.flush();
                }
            }
        }
    }

    private static Map<Long, String> readAll(String bootstrap, TopicPartition tp, long end) {
        Map<Long, String> records = new TreeMap<>();
        try (RunnelConsumer<String, String> consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                "value.deserializer", "io.runnel.client.serialization.StringDeserializer", "auto.offset.reset", "earliest"))) {
            consumer.assign(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (consumer.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    records.put(record.offset(), record.value());
                }
            }
        }
        return records;
    }

    /** The bytes of a broker's segment files for the partition, in offset order. */
    private byte[] segments(int brokerId) throws IOException {
        Path partitionDir = dir.resolve("node-" + brokerId).resolve("data").resolve(TOPIC + "-0");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Stream<Path> files = Files.list(partitionDir)) {
            Path[] logs = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toArray(Path[]::new);
            Arrays.sort(logs);
            for (Path log : logs) {
                out.write(Files.readAllBytes(log));
            }
        }
        return out.toByteArray();
    }
}
