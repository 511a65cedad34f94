package io.runnel.cli.groups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.serialization.StringSerializer;
import io.runnel.node.testing.LocalCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three consumer processes share six partitions in one group, each processing a record (printing it) and then
 * committing it with commitSync; once the group is stable, one is killed with SIGKILL while records keep coming. Checked: its partitions
 * move to the survivors (within the session timeout: the time is logged, not asserted); no record is lost; no
 * record the victim committed is delivered again (the new owner starts exactly at the committed offset, at or
 * before which nothing is repeated); and the survivors are never told to revoke a partition (with the sticky
 * assignor, a member leaving moves only its own partitions), so their consumption never pauses.
 *
 * <p>Runs on a cluster of three brokers with {@code __consumer_offsets} at replication factor 1: what dies here
 * is a consumer process; the coordinator's broker dying is ConsumerGroupCoordinatorFailoverTest's case.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConsumerKillNineTest {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerKillNineTest.class);
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String TOPIC = "work";

    @TempDir
    Path dir;

    private LocalCluster cluster;
    private final List<Member> members = new ArrayList<>();

    /** One consumer process and every line it printed. */
    private static final class Member {
        final String name;
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();

        Member(String name, Process process) {
            this.name = name;
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the process died
                }
            }, "read-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        /** The partitions it owns now by its own account: assigned minus revoked or lost. */
        Set<Integer> owned() {
            Set<Integer> owned = new HashSet<>();
            for (String line : lines) {
                String[] parts = line.split(" ");
                if (parts[0].equals("ASSIGNED")) {
                    for (String p : parts[1].split(",")) {
                        owned.add(Integer.parseInt(p));
                    }
                } else if (parts[0].equals("REVOKED") || parts[0].equals("LOST")) {
                    for (String p : parts[1].split(",")) {
                        owned.remove(Integer.parseInt(p));
                    }
                }
            }
            return owned;
        }

        List<String[]> lines(String kind) {
            return lines.stream().filter(l -> l.startsWith(kind + " ")).map(l -> l.split(" ")).toList();
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Member member : members) {
            member.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private Member startMember(String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                GroupConsumerProcess.class.getName(), cluster.bootstrapServers(), "workers", TOPIC,
                "client.id=" + name, "session.timeout.ms=6000", "heartbeat.interval.ms=500",
                "partition.assignment.strategy=sticky", "max.poll.records=20")
                .redirectError(dir.resolve(name + ".log").toFile())
                .start();
        Member member = new Member(name, process);
        members.add(member);
        return member;
    }

    @Test
    void aKilledMembersPartitionsMoveWithoutLossOrRepeatsOfCommittedRecords() throws Exception {
        cluster = LocalCluster.of(dir.resolve("cluster"), 1, 3, Map.of("offsets.topic.num.partitions", "6",
                "offsets.topic.replication.factor", "1", "group.min.session.timeout.ms", "1000",
                "group.consumer.heartbeat.interval.ms", "500")).start();
        try (RunnelAdmin admin = new RunnelAdmin(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 6, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        Map<String, Integer> produced = new ConcurrentHashMap<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread producer = new Thread(() -> produce(produced, producing), "producer");
        producer.start();

        Member a = startMember("member-a");
        Member b = startMember("member-b");
        Member victim = startMember("member-c");
        await().atMost(WAIT).until(() -> members.stream().allMatch(m -> m.owned().size() == 2
                && !m.lines("COMMITTED").isEmpty()));

        Set<Integer> victimPartitions = victim.owned();
        victim.process.destroyForcibly();  // SIGKILL: no leave, no commit, its stream just breaks
        assertThat(victim.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long killedNs = System.nanoTime();
        List<String> victimLines = List.copyOf(victim.lines);
        int aBefore = a.lines.size();
        int bBefore = b.lines.size();

        await().atMost(WAIT).until(() -> a.owned().size() + b.owned().size() == 6);
        LOG.info("The killed member's partitions {} moved to the survivors {} ms after the kill (session.timeout.ms 6000)",
                victimPartitions, (System.nanoTime() - killedNs) / 1_000_000);
        Thread.sleep(500);  // records keep arriving for a moment after the handoff
        producing.set(false);
        producer.join();
        Set<String> delivered = ConcurrentHashMap.newKeySet();
        await().atMost(WAIT).until(() -> {
            delivered.clear();
            for (Member m : members) {
                (m == victim ? victimLines : m.lines).stream().filter(l -> l.startsWith("RECORD "))
                        .forEach(l -> delivered.add(l.split(" ")[3]));
            }
            return delivered.containsAll(produced.keySet());
        });

        assertThat(delivered).as("no record was lost").containsAll(produced.keySet());
        for (Member survivor : List.of(a, b)) {
            List<String> afterKill = survivor.lines.subList(survivor == a ? aBefore : bBefore, survivor.lines.size());
            assertThat(afterKill).as("%s was never asked to give a partition up after the kill", survivor.name)
                    .noneMatch(l -> l.startsWith("REVOKED ") || l.startsWith("LOST "));
        }
        checkHandoff(victimPartitions, victimLines, List.of(a, b));
    }

    /**
     * On each of the victim's partitions, the new owner starts at or after the victim's last printed commit
     * (nothing committed is repeated) and at or before the record after the victim's last processed one
     * (nothing is skipped); only records at or after that commit are delivered twice.
     */
    private static void checkHandoff(Set<Integer> victimPartitions, List<String> victimLines, List<Member> survivors) {
        Map<Integer, Long> committed = new HashMap<>();
        Map<Integer, Long> processed = new HashMap<>();
        for (String line : victimLines) {
            String[] parts = line.split(" ");
            if (parts[0].equals("COMMITTED")) {
                committed.put(Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
            } else if (parts[0].equals("RECORD")) {
                processed.merge(Integer.parseInt(parts[1]), Long.parseLong(parts[2]), Math::max);
            }
        }
        for (int partition : victimPartitions) {
            long first = survivors.stream().flatMap(m -> m.lines("RECORD").stream())
                    .filter(r -> Integer.parseInt(r[1]) == partition).mapToLong(r -> Long.parseLong(r[2])).min()
                    .orElseThrow(() -> new AssertionError("nobody consumed partition " + partition + " after the kill"));
            long lastCommit = committed.getOrDefault(partition, 0L);
            assertThat(first).as("partition %d resumes at or after the victim's last commit", partition)
                    .isGreaterThanOrEqualTo(lastCommit);
            assertThat(first).as("partition %d resumes at or before the victim's next record", partition)
                    .isLessThanOrEqualTo(processed.getOrDefault(partition, -1L) + 1);
        }
    }

    private void produce(Map<String, Integer> produced, AtomicBoolean producing) {
        try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", cluster.bootstrapServers(),
                "linger.ms", "1"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; producing.get(); i++) {
                String value = "v" + i;
                producer.send(new ProducerRecord<>(TOPIC, "k" + i, value), (metadata, error) -> {
                    if (error == null) {
                        produced.put(value, metadata.partition());
                    }
                });
                if (i % 20 == 0) {
                    Thread.sleep(10);
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
