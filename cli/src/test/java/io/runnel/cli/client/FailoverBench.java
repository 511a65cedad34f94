package io.runnel.cli.client;

import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A measurement, not a test (docs/benchmarks.md): how long after a partition leader is killed with -9 the
 * first acks=all produce on its partition succeeds. A cluster of 1 controller and 3 brokers from
 * scripts/cluster (the real launcher, scripts/runnel), one partition with replication factor 3 and
 * min.insync.replicas 2, a producer sending one record every millisecond; each round kills the leader,
 * measures from the kill to the first acknowledgement of a record sent after it, restarts the broker and
 * waits for the ISR to be whole again.
 *
 * <p>Run: {@code mvn -B -q -pl cli -am test-compile -Pfailover-bench [-Dbench.rounds=5]}
 */
public final class FailoverBench {

    private FailoverBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path dir = Files.createTempDirectory("runnel-failover-bench");
        Map<String, String> environment = Map.of("CLUSTER_START_TIMEOUT_S", "300");
        String clusterDir = dir.resolve("cluster").toString();
        ScriptProcess.Result started = ScriptProcess.run(environment, 600, "start", "--controllers", "1", "--brokers", "3",
                "--dir", clusterDir, "--base-port", Integer.toString(ScriptProcess.freePortRange(5)),
                "--config", "min.insync.replicas=2");
        if (started.exitCode() != 0) {
            throw new IllegalStateException("cluster did not start: " + started.err());
        }
        String bootstrap = started.out().strip().replaceFirst("^bootstrap: ", "");
        List<Long> failoverMs = new ArrayList<>();
        try (RunnelAdmin admin = new RunnelAdmin(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic("failover", 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
            AtomicLong lastAckNs = new AtomicLong();
            AtomicLong killedAtNs = new AtomicLong(Long.MAX_VALUE);
            AtomicLong firstAckAfterKillNs = new AtomicLong();
            try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap,
                    "acks", "all", "linger.ms", "0", "delivery.timeout.ms", "120000", "request.timeout.ms", System.getProperty("bench.requestTimeoutMs", "5000"),
                    "retry.backoff.ms", "20", "key.serializer", "io.runnel.client.serialization.StringSerializer",
                    "value.serializer", "io.runnel.client.serialization.StringSerializer"))) {
                Thread load = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        long sentNs = System.nanoTime();
                        producer.send(new ProducerRecord<>("failover", 0, null, "x"), (metadata, error) -> {
                            if (error == null) {
                                lastAckNs.set(System.nanoTime());
                                if (sentNs > killedAtNs.get()) {
                                    firstAckAfterKillNs.compareAndSet(0, System.nanoTime());
                                }
                            }
                        });
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "failover-load");
                load.start();
                for (int round = 0; round < rounds; round++) {
                    Thread.sleep(3_000);
                    int leader = admin.describeTopics(List.of("failover")).all().get(30, TimeUnit.SECONDS)
                            .get("failover").partitions().get(0).leader().id();
                    firstAckAfterKillNs.set(0);
                    long killStartNs = System.nanoTime();
                    ScriptProcess.run(environment, 60, "kill", Integer.toString(leader), "--dir", clusterDir);
                    // Only a record sent once the leader is gone can prove a failover: one sent while the kill
                    // was on its way may still be acknowledged by the old leader. The time counts from the
                    // start of the kill, so it includes the few milliseconds the signal took to land.
                    killedAtNs.set(System.nanoTime());
                    while (firstAckAfterKillNs.get() == 0) {
                        Thread.sleep(5);
                    }
                    long ms = TimeUnit.NANOSECONDS.toMillis(firstAckAfterKillNs.get() - killStartNs);
                    failoverMs.add(ms);
                    System.out.printf("round %d: killed broker %d; first acks=all produce after %d ms%n", round + 1, leader, ms);
                    killedAtNs.set(Long.MAX_VALUE);
                    ScriptProcess.run(environment, 300, "restart", Integer.toString(leader), "--dir", clusterDir);
                    while (admin.describeTopics(List.of("failover")).all().get(30, TimeUnit.SECONDS)
                            .get("failover").partitions().get(0).inSyncReplicas().size() < 3) {
                        Thread.sleep(100);
                    }
                }
                load.interrupt();
                load.join();
            }
        } finally {
            ScriptProcess.run(environment, 120, "stop", "--dir", clusterDir);
        }
        System.out.printf("failover (kill -9 of the leader to the first acks=all produce): %s ms%n", failoverMs);
    }
}
