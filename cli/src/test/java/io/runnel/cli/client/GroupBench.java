package io.runnel.cli.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.client.admin.NewTopic;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.consumer.ConsumerRebalanceListener;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.ConsumerRecords;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.common.TopicPartition;
import io.runnel.proto.Coordinator;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FindCoordinatorRequest;
import io.runnel.proto.GroupServiceGrpc;
import io.runnel.proto.OffsetCommitPartition;
import io.runnel.proto.OffsetCommitRequest;
import io.runnel.proto.OffsetCommitResponse;
import io.runnel.proto.OffsetCommitTopic;
import io.runnel.proto.OffsetFetchPartition;
import io.runnel.proto.OffsetFetchRequest;
import io.runnel.proto.OffsetFetchResponse;
import io.runnel.proto.OffsetFetchTopic;
import io.runnel.proto.PartitionResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A measurement, not a test (docs/benchmarks.md, "Consumer groups (issue 13)"), on a real cluster of 1 controller
 * and 3 brokers from scripts/cluster (the real launcher), with the clients in this JVM:
 *
 * <ul>
 *   <li><b>join</b>: three consumers of one group share a topic of 12 partitions (RF 3) while a producer sends a
 *       record to every partition every {@code bench.produceIntervalMs}. Each round a fourth consumer subscribes;
 *       the harness measures from its {@code subscribe} to its first non-empty {@code onPartitionsAssigned} and to
 *       its first record, and, for each of the three, the longest gap between deliveries on the partitions it kept
 *       in the {@code bench.windowMs} after the subscribe, beside the same statistic in the window before it, and
 *       whether any partition it kept was revoked or lost. Then the fourth consumer closes (leaves) and the group
 *       settles before the next round.</li>
 *   <li><b>load</b>: one group's offsets partition of {@code __consumer_offsets} (RF 3) is filled with
 *       {@code bench.commits} offset-commit records (commits from outside the group, i.e. an empty group, of
 *       {@code bench.commitPartitions} partitions per OffsetCommit). Each round kills the coordinator's broker with
 *       -9 and measures from the kill to the first OffsetFetch answered by the new coordinator whose every offset
 *       is the last one committed; it reads the loader's own time from the new coordinator's log, then restarts
 *       the killed broker and waits until it follows the partition again.</li>
 * </ul>
 *
 * <p>Run: {@code mvn -B -q -pl cli -am test-compile -Pgroup-bench [-Dbench.part=join|load|both] [-Dbench.rounds=5]}
 * (docs/benchmarks.md lists every option).
 */
public final class GroupBench {

    private static final String JOIN_TOPIC = "group-bench-join";
    private static final String JOIN_GROUP = "group-bench-join";
    private static final String LOAD_TOPIC = "group-bench-offsets";
    private static final String LOAD_GROUP = "group-bench-load";
    private static final int JOIN_PARTITIONS = 12;

    private GroupBench() {
    }

    public static void main(String[] args) throws Exception {
        String part = System.getProperty("bench.part", "both");
        int rounds = Integer.getInteger("bench.rounds", 5);
        int loadRounds = Integer.getInteger("bench.loadRounds", 3);
        long windowMs = Long.getLong("bench.windowMs", 5_000);
        long produceIntervalMs = Long.getLong("bench.produceIntervalMs", 10);
        long commits = Long.getLong("bench.commits", 1_000_000);
        int commitPartitions = Integer.getInteger("bench.commitPartitions", 1_000);
        int inFlight = Integer.getInteger("bench.commitsInFlight", 4);

        Path dir = Files.createTempDirectory("runnel-group-bench");
        Map<String, String> environment = Map.of("CLUSTER_START_TIMEOUT_S", "300");
        Path clusterDir = dir.resolve("cluster");
        ScriptProcess.Result started = ScriptProcess.run(environment, 600, "start", "--controllers", "1", "--brokers", "3",
                "--dir", clusterDir.toString(), "--base-port", Integer.toString(ScriptProcess.freePortRange(5)),
                "--config", "min.insync.replicas=2");
        if (started.exitCode() != 0) {
            throw new IllegalStateException("cluster did not start: " + started.err());
        }
        String bootstrap = started.out().strip().replaceFirst("^bootstrap: ", "");
        System.out.printf("cluster of 1 controller and 3 brokers in %s, bootstrap %s%n", clusterDir, bootstrap);
        try (RunnelAdmin admin = new RunnelAdmin(Map.of("bootstrap.servers", bootstrap))) {
            if (part.equals("join") || part.equals("both")) {
                new JoinBench(admin, bootstrap, rounds, windowMs, produceIntervalMs).run();
            }
            if (part.equals("load") || part.equals("both")) {
                new LoadBench(admin, bootstrap, environment, clusterDir, loadRounds, commits, commitPartitions, inFlight).run();
            }
        } finally {
            ScriptProcess.run(environment, 120, "stop", "--dir", clusterDir.toString());
        }
    }

    // ==== join ======================================================================================

    /**
     * One consumer on its own thread, recording when each of its partitions delivered records. The consumer and
     * {@code pollStartNs} belong to that thread; the recordings are guarded by the object's monitor and the rest is
     * volatile, so the harness's main thread reads them while it runs.
     */
    private static final class Member implements ConsumerRebalanceListener {
        final String name;
        final RunnelConsumer<String, String> consumer;
        /**
         * Per partition: the times (System.nanoTime) of the polls that returned records of it, and the longest
         * end-to-end latency among those records (the producer in this JVM writes its System.nanoTime as the value).
         * Guarded by this.
         */
        private final Map<Integer, List<Long>> deliveries = new HashMap<>();
        private final Map<Integer, List<Long>> latencies = new HashMap<>();
        /** The duration of the running poll, set when it returns (an event keeps the one its callback ran in). */
        private volatile java.util.concurrent.atomic.AtomicLong pollDurationNs = new java.util.concurrent.atomic.AtomicLong();
        /** Revocations and losses: time, partitions, lost or not. Guarded by this. */
        private final List<Event> revocations = new ArrayList<>();
        private volatile Set<Integer> owned = Set.of();
        volatile long firstAssignedNs;
        volatile long firstRecordNs;
        private volatile boolean stop;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;

        /**
         * A revocation or loss: when the listener ran, which partitions, and how long the poll that ran it had been
         * running by then (the consumer's own work before the callback: the commit before a revocation) and in all.
         */
        record Event(long atNs, Set<Integer> partitions, boolean lost, long intoPollNs,
                     java.util.concurrent.atomic.AtomicLong pollNs) {
        }

        /** When the running poll started (consumer thread only). */
        private long pollStartNs;
        private final java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(1);
        private volatile long subscribedNs;

        Member(String name, String bootstrap) {
            this.name = name;
            this.consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", JOIN_GROUP,
                    "client.id", name, "auto.offset.reset", "latest",
                    "key.deserializer", "io.runnel.client.serialization.StringDeserializer",
                    "value.deserializer", "io.runnel.client.serialization.StringDeserializer"));
            this.thread = new Thread(this::loop, "bench-" + name);
        }

        /** Subscribes on the member's own thread (the consumer is single-threaded) and returns the time of the call. */
        long start() throws InterruptedException {
            thread.start();
            subscribed.await();
            return subscribedNs;
        }

        private void loop() {
            try {
                subscribedNs = System.nanoTime();
                consumer.subscribe(List.of(JOIN_TOPIC), this);
                subscribed.countDown();
                while (!stop) {
                    pollStartNs = System.nanoTime();
                    java.util.concurrent.atomic.AtomicLong duration = new java.util.concurrent.atomic.AtomicLong();
                    pollDurationNs = duration;
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(50));
                    long now = System.nanoTime();
                    duration.set(now - pollStartNs);
                    if (records.isEmpty()) {
                        continue;
                    }
                    if (firstRecordNs == 0) {
                        firstRecordNs = now;
                    }
                    Map<Integer, Long> latency = new HashMap<>();
                    for (ConsumerRecord<String, String> record : records) {
                        latency.merge(record.partition(), now - Long.parseLong(record.value()), Math::max);
                    }
                    synchronized (this) {
                        latency.forEach((partition, latencyNs) -> {
                            deliveries.computeIfAbsent(partition, k -> new ArrayList<>()).add(now);
                            latencies.computeIfAbsent(partition, k -> new ArrayList<>()).add(latencyNs);
                        });
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                subscribed.countDown();
                consumer.close();
            }
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.join(120_000);
            if (failure.get() != null) {
                throw new IllegalStateException(name + " failed", failure.get());
            }
        }

        void checkAlive() {
            if (failure.get() != null) {
                throw new IllegalStateException(name + " failed", failure.get());
            }
        }

        Set<Integer> owned() {
            return owned;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            revoked(partitions, false);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            revoked(partitions, true);
        }

        private void revoked(Collection<TopicPartition> partitions, boolean lost) {
            Set<Integer> gone = numbers(partitions);
            long now = System.nanoTime();
            synchronized (this) {
                revocations.add(new Event(now, gone, lost, now - pollStartNs, pollDurationNs));
            }
            Set<Integer> next = new TreeSet<>(owned);
            next.removeAll(gone);
            owned = Set.copyOf(next);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty() && firstAssignedNs == 0) {
                firstAssignedNs = System.nanoTime();
            }
            Set<Integer> next = new TreeSet<>(owned);
            next.addAll(numbers(partitions));
            owned = Set.copyOf(next);
        }

        /** The longest time in [fromNs, toNs] without a delivery on {@code partition}, edges counted. */
        synchronized long longestGapNs(int partition, long fromNs, long toNs) {
            long previous = fromNs;
            long longest = 0;
            for (long at : deliveries.getOrDefault(partition, List.of())) {
                if (at <= fromNs) {
                    continue;
                }
                if (at > toNs) {
                    break;
                }
                longest = Math.max(longest, at - previous);
                previous = at;
            }
            return Math.max(longest, toNs - previous);
        }

        /** The longest end-to-end latency of a record of {@code partition} delivered in (fromNs, toNs]. */
        synchronized long longestLatencyNs(int partition, long fromNs, long toNs) {
            List<Long> times = deliveries.getOrDefault(partition, List.of());
            long longest = 0;
            for (int i = 0; i < times.size(); i++) {
                if (times.get(i) > fromNs && times.get(i) <= toNs) {
                    longest = Math.max(longest, latencies.get(partition).get(i));
                }
            }
            return longest;
        }

        synchronized long lastDeliveryNs(int partition, long beforeNs) {
            long last = 0;
            for (long at : deliveries.getOrDefault(partition, List.of())) {
                if (at <= beforeNs) {
                    last = at;
                }
            }
            return last;
        }

        synchronized long firstDeliveryNs(int partition, long afterNs) {
            for (long at : deliveries.getOrDefault(partition, List.of())) {
                if (at > afterNs) {
                    return at;
                }
            }
            return 0;
        }

        synchronized List<Event> revocationsBetween(long fromNs, long toNs) {
            return revocations.stream().filter(e -> e.atNs() >= fromNs && e.atNs() <= toNs).toList();
        }

        synchronized boolean deliveredSince(Set<Integer> partitions, long sinceNs) {
            for (int partition : partitions) {
                List<Long> times = deliveries.getOrDefault(partition, List.of());
                if (times.isEmpty() || times.get(times.size() - 1) <= sinceNs) {
                    return false;
                }
            }
            return true;
        }
    }

    private static Set<Integer> numbers(Collection<TopicPartition> partitions) {
        Set<Integer> numbers = new TreeSet<>();
        partitions.forEach(tp -> numbers.add(tp.partition()));
        return numbers;
    }

    private record JoinRound(long assignedMs, long firstRecordMs, long[] baselineGapMs, long[] joinGapMs,
                             long[] baselineLatencyMs, long[] joinLatencyMs, int unmovedRevoked, long handoverMaxMs,
                             List<Long> revokePollMs) {
    }

    private static final class JoinBench {
        private final RunnelAdmin admin;
        private final String bootstrap;
        private final int rounds;
        private final long windowMs;
        private final long produceIntervalMs;

        JoinBench(RunnelAdmin admin, String bootstrap, int rounds, long windowMs, long produceIntervalMs) {
            this.admin = admin;
            this.bootstrap = bootstrap;
            this.rounds = rounds;
            this.windowMs = windowMs;
            this.produceIntervalMs = produceIntervalMs;
        }

        void run() throws Exception {
            admin.createTopics(List.of(new NewTopic(JOIN_TOPIC, JOIN_PARTITIONS, (short) 3))).all().get(60, TimeUnit.SECONDS);
            System.out.printf("%n== join: 3 members of group %s over %s (%d partitions, RF 3), a record per partition every %d ms;"
                    + " windows of %d ms ==%n", JOIN_GROUP, JOIN_TOPIC, JOIN_PARTITIONS, produceIntervalMs, windowMs);
            List<JoinRound> results = new ArrayList<>();
            try (RunnelProducer<String, String> producer = new RunnelProducer<>(Map.of("bootstrap.servers", bootstrap,
                    "acks", "all", "linger.ms", "0", "key.serializer", "io.runnel.client.serialization.StringSerializer",
                    "value.serializer", "io.runnel.client.serialization.StringSerializer"))) {
                Thread load = new Thread(() -> {
                    long next = System.nanoTime();
                    while (!Thread.currentThread().isInterrupted()) {
                        for (int partition = 0; partition < JOIN_PARTITIONS; partition++) {
                            producer.send(new ProducerRecord<>(JOIN_TOPIC, partition, null, Long.toString(System.nanoTime())));
                        }
                        next += TimeUnit.MILLISECONDS.toNanos(produceIntervalMs);
                        long sleepNs = next - System.nanoTime();
                        if (sleepNs > 0) {
                            try {
                                TimeUnit.NANOSECONDS.sleep(sleepNs);
                            } catch (InterruptedException e) {
                                return;
                            }
                        } else {
                            next = System.nanoTime();  // behind: no catching up in a burst
                        }
                    }
                }, "group-bench-load");
                load.start();
                List<Member> stable = new ArrayList<>();
                try {
                    for (int i = 0; i < 3; i++) {
                        Member member = new Member("member-" + i, bootstrap);
                        member.start();
                        stable.add(member);
                    }
                    for (int round = 1; round <= rounds; round++) {
                        awaitSettled(stable, 3);
                        Thread.sleep(windowMs);  // the quiet window the baseline is taken from
                        results.add(joinRound(round, stable));
                    }
                } finally {
                    for (Member member : stable) {
                        member.stop();
                    }
                    load.interrupt();
                    load.join();
                }
            }
            summarise(results);
        }

        /** Waits until the members own every partition between them, none twice, and all deliver on all of them. */
        private void awaitSettled(List<Member> members, int expected) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                members.forEach(Member::checkAlive);
                Set<Integer> union = new TreeSet<>();
                int total = 0;
                boolean balanced = true;
                for (Member member : members) {
                    Set<Integer> owned = member.owned();
                    union.addAll(owned);
                    total += owned.size();
                    balanced &= owned.size() == JOIN_PARTITIONS / expected;
                }
                if (balanced && total == JOIN_PARTITIONS && union.size() == JOIN_PARTITIONS) {
                    long since = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(500);
                    if (members.stream().allMatch(m -> m.deliveredSince(m.owned(), since))) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the group did not settle in 120 s: "
                            + members.stream().map(m -> m.name + "=" + m.owned()).toList());
                }
                Thread.sleep(50);
            }
        }

        private JoinRound joinRound(int round, List<Member> stable) throws Exception {
            Map<Member, Set<Integer>> before = new HashMap<>();
            for (Member member : stable) {
                before.put(member, member.owned());
            }
            Member joiner = new Member("joiner-" + round, bootstrap);
            long t0 = joiner.start();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
            while (joiner.firstRecordNs == 0 || joiner.firstAssignedNs == 0) {
                joiner.checkAlive();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the fourth member got no record in 120 s");
                }
                Thread.sleep(5);
            }
            long windowNs = TimeUnit.MILLISECONDS.toNanos(windowMs);
            long end = Math.max(t0 + windowNs, joiner.firstRecordNs + TimeUnit.MILLISECONDS.toNanos(500));
            long now = System.nanoTime();
            if (end > now) {
                TimeUnit.NANOSECONDS.sleep(end - now);
            }
            long assignedMs = TimeUnit.NANOSECONDS.toMillis(joiner.firstAssignedNs - t0);
            long firstRecordMs = TimeUnit.NANOSECONDS.toMillis(joiner.firstRecordNs - t0);
            System.out.printf("round %d: the 4th member had partitions %d ms and its first record %d ms after subscribe;"
                    + " it owns %s%n", round, assignedMs, firstRecordMs, joiner.owned());
            long[] baselineGap = new long[stable.size()];
            long[] joinGap = new long[stable.size()];
            long[] baselineLatency = new long[stable.size()];
            long[] joinLatency = new long[stable.size()];
            int unmovedRevoked = 0;
            long handoverMax = 0;
            List<Long> revokePollMs = new ArrayList<>();
            for (int i = 0; i < stable.size(); i++) {
                Member member = stable.get(i);
                Set<Integer> kept = new TreeSet<>(before.get(member));
                kept.retainAll(member.owned());
                Set<Integer> moved = new TreeSet<>(before.get(member));
                moved.removeAll(kept);
                long baseline = 0;
                long during = 0;
                long baselineLatencyNs = 0;
                long duringLatencyNs = 0;
                for (int partition : kept) {
                    baseline = Math.max(baseline, member.longestGapNs(partition, t0 - (end - t0), t0));
                    during = Math.max(during, member.longestGapNs(partition, t0, end));
                    baselineLatencyNs = Math.max(baselineLatencyNs, member.longestLatencyNs(partition, t0 - (end - t0), t0));
                    duringLatencyNs = Math.max(duringLatencyNs, member.longestLatencyNs(partition, t0, end));
                }
                baselineGap[i] = TimeUnit.NANOSECONDS.toMillis(baseline);
                joinGap[i] = TimeUnit.NANOSECONDS.toMillis(during);
                baselineLatency[i] = TimeUnit.NANOSECONDS.toMillis(baselineLatencyNs);
                joinLatency[i] = TimeUnit.NANOSECONDS.toMillis(duringLatencyNs);
                List<Member.Event> revocations = member.revocationsBetween(t0, end);
                List<String> revokedText = new ArrayList<>();
                for (Member.Event event : revocations) {
                    revokedText.add((event.lost() ? "lost " : "revoked ") + event.partitions() + " at +"
                            + TimeUnit.NANOSECONDS.toMillis(event.atNs() - t0) + " ms, in a poll that took "
                            + TimeUnit.NANOSECONDS.toMillis(event.pollNs().get()) + " ms (" + TimeUnit.NANOSECONDS.toMillis(event.intoPollNs())
                            + " ms before the callback)");
                    revokePollMs.add(TimeUnit.NANOSECONDS.toMillis(event.pollNs().get()));
                    Set<Integer> keptAndRevoked = new TreeSet<>(event.partitions());
                    keptAndRevoked.retainAll(kept);
                    unmovedRevoked += keptAndRevoked.size();
                }
                List<String> handovers = new ArrayList<>();
                for (int partition : moved) {
                    long lastOld = member.lastDeliveryNs(partition, end);
                    long firstNew = joiner.owned().contains(partition) ? joiner.firstDeliveryNs(partition, t0) : 0;
                    if (lastOld != 0 && firstNew != 0) {
                        long handover = TimeUnit.NANOSECONDS.toMillis(firstNew - lastOld);
                        handoverMax = Math.max(handoverMax, handover);
                        handovers.add(partition + ": " + handover + " ms");
                    }
                }
                System.out.printf("  %s kept %s, gave %s: on kept partitions longest gap %d ms, longest latency %d ms (quiet"
                        + " window before: %d ms, %d ms); %s; hand-over (last record here to first at the 4th) %s%n", member.name,
                        kept, moved, joinGap[i], joinLatency[i], baselineGap[i], baselineLatency[i],
                        revokedText.isEmpty() ? "no revocation" : String.join(", ", revokedText), handovers);
            }
            long leaveNs = System.nanoTime();
            joiner.stop();
            System.out.printf("  the 4th member closed in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - leaveNs));
            return new JoinRound(assignedMs, firstRecordMs, baselineGap, joinGap, baselineLatency, joinLatency, unmovedRevoked,
                    handoverMax, revokePollMs);
        }

        private void summarise(List<JoinRound> results) {
            System.out.printf("%n== join summary over %d rounds ==%n", results.size());
            System.out.printf("subscribe -> partitions assigned: %s ms%n", stats(results.stream().map(JoinRound::assignedMs).toList()));
            System.out.printf("subscribe -> first record: %s ms%n", stats(results.stream().map(JoinRound::firstRecordMs).toList()));
            List<Long> baseline = new ArrayList<>();
            List<Long> during = new ArrayList<>();
            for (JoinRound r : results) {
                for (long gap : r.baselineGapMs()) {
                    baseline.add(gap);
                }
                for (long gap : r.joinGapMs()) {
                    during.add(gap);
                }
            }
            System.out.printf("existing members, longest gap on kept partitions: quiet window %s ms; join window %s ms%n",
                    stats(baseline), stats(during));
            System.out.printf("existing members, longest record latency on kept partitions: quiet window %s ms; join window %s ms%n",
                    stats(results.stream().flatMap(r -> java.util.Arrays.stream(r.baselineLatencyMs()).boxed()).toList()),
                    stats(results.stream().flatMap(r -> java.util.Arrays.stream(r.joinLatencyMs()).boxed()).toList()));
            System.out.printf("kept partitions revoked or lost: %d%n", results.stream().mapToInt(JoinRound::unmovedRevoked).sum());
            System.out.printf("existing members, the poll that revoked the moved partition took: %s ms%n",
                    stats(results.stream().flatMap(r -> r.revokePollMs().stream()).toList()));
            System.out.printf("moved partitions, hand-over: %s ms (max per round)%n",
                    stats(results.stream().map(JoinRound::handoverMaxMs).toList()));
        }
    }

    private static String stats(List<Long> values) {
        if (values.isEmpty()) {
            return "none";
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return "min " + sorted.get(0) + ", median " + sorted.get(sorted.size() / 2) + ", max " + sorted.get(sorted.size() - 1)
                + " " + values;
    }

    // ==== load ======================================================================================

    private static final class LoadBench {
        private static final Pattern LOADED = Pattern.compile(
                "Broker (\\d+) coordinates (\\d+) group\\(s\\) of __consumer_offsets-(\\d+) \\(leader epoch (\\d+)\\): "
                        + "(\\d+) records, (\\d+) bytes read in (\\d+) ms");

        private final RunnelAdmin admin;
        private final String bootstrap;
        private final Map<String, String> environment;
        private final Path clusterDir;
        private final int rounds;
        private final long commits;
        private final int commitPartitions;
        private final int inFlight;
        private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

        LoadBench(RunnelAdmin admin, String bootstrap, Map<String, String> environment, Path clusterDir, int rounds,
                  long commits, int commitPartitions, int inFlight) {
            this.admin = admin;
            this.bootstrap = bootstrap;
            this.environment = environment;
            this.clusterDir = clusterDir;
            this.rounds = rounds;
            this.commits = commits;
            this.commitPartitions = commitPartitions;
            this.inFlight = inFlight;
        }

        void run() throws Exception {
            try {
                measure();
            } finally {
                channels.values().forEach(ManagedChannel::shutdownNow);
            }
        }

        private ManagedChannel channel(String address) {
            return channels.computeIfAbsent(address,
                    a -> NettyChannelBuilder.forTarget(a).usePlaintext().maxInboundMessageSize(64 << 20).build());
        }

        private GroupServiceGrpc.GroupServiceBlockingStub stub(String address) {
            return GroupServiceGrpc.newBlockingStub(channel(address)).withDeadlineAfter(30, TimeUnit.SECONDS);
        }

        /** The group's coordinator as some live broker sees it; null while there is none. */
        private Coordinator findCoordinator(List<String> brokers) {
            for (String broker : brokers) {
                try {
                    Coordinator coordinator = stub(broker).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .findCoordinator(FindCoordinatorRequest.newBuilder().addGroupIds(LOAD_GROUP).build())
                            .getCoordinators(0);
                    if (coordinator.getError() == ErrorCode.NONE) {
                        return coordinator;
                    }
                } catch (RuntimeException e) {
                    // a dead broker: ask the next
                }
            }
            return null;
        }

        private static long offsetFor(long round, int partition) {
            return round * 1_000_000L + partition;
        }

        private void measure() throws Exception {
            admin.createTopics(List.of(new NewTopic(LOAD_TOPIC, commitPartitions, (short) 3))).all().get(120, TimeUnit.SECONDS);
            List<String> brokers = List.of(bootstrap.split(","));
            Coordinator coordinator = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (coordinator == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no coordinator for " + LOAD_GROUP + " in 120 s");
                }
                coordinator = findCoordinator(brokers);
                if (coordinator == null) {
                    Thread.sleep(100);
                }
            }
            int offsetsPartitions = offsetsPartitions();
            int offsetsPartition = (LOAD_GROUP.hashCode() & 0x7fffffff) % offsetsPartitions;
            long calls = (commits + commitPartitions - 1) / commitPartitions;
            System.out.printf("%n== load: %d offset commits for group %s (partition %d of __consumer_offsets, RF 3) in %d"
                    + " OffsetCommit calls of %d partitions of %s, %d in flight ==%n", calls * commitPartitions, LOAD_GROUP,
                    offsetsPartition, calls, commitPartitions, LOAD_TOPIC, inFlight);
            String address = coordinator.getHost() + ":" + coordinator.getPort();
            GroupServiceGrpc.GroupServiceFutureStub async = GroupServiceGrpc.newFutureStub(channel(address));
            Semaphore permits = new Semaphore(inFlight);
            AtomicReference<String> failure = new AtomicReference<>();
            long startNs = System.nanoTime();
            for (long call = 0; call < calls && failure.get() == null; call++) {
                // The last call waits for every earlier one, so the offsets it commits are the final ones.
                if (call == calls - 1) {
                    permits.acquire(inFlight);
                    permits.release(inFlight);
                }
                permits.acquire();
                var response = async.withDeadlineAfter(120, TimeUnit.SECONDS).offsetCommit(commitRequest(call));
                response.addListener(() -> {
                    try {
                        checkCommitted(response.get());
                    } catch (Exception e) {
                        failure.compareAndSet(null, e.toString());
                    } finally {
                        permits.release();
                    }
                }, Runnable::run);
                if (call % 100 == 99) {
                    System.out.printf("  %d commits written (%.1f s)%n", (call + 1) * commitPartitions,
                            (System.nanoTime() - startNs) / 1e9);
                }
            }
            permits.acquire(inFlight);
            permits.release(inFlight);
            if (failure.get() != null) {
                throw new IllegalStateException("an offset commit failed: " + failure.get());
            }
            long lastRound = calls - 1;
            System.out.printf("wrote %d offset commits in %.1f s%n", calls * commitPartitions, (System.nanoTime() - startNs) / 1e9);
            checkOffsets(stub(address).offsetFetch(fetchRequest()), lastRound);

            Map<Boolean, List<Long>> servedMs = new HashMap<>(Map.of(false, new ArrayList<>(), true, new ArrayList<>()));
            Map<Boolean, List<String>> loads = new HashMap<>(Map.of(false, new ArrayList<>(), true, new ArrayList<>()));
            for (int round = 1; round <= rounds; round++) {
                for (boolean graceful : List.of(false, true)) {
                    moveRound(round, graceful, brokers, offsetsPartition, lastRound, servedMs.get(graceful), loads.get(graceful));
                }
            }
            System.out.printf("%n== load summary ==%n");
            System.out.printf("kill -9 of the coordinator's broker -> the new coordinator serves the right offsets: %s ms%n",
                    stats(servedMs.get(false)));
            loads.get(false).forEach(line -> System.out.println("  its loader: " + line));
            System.out.printf("graceful restart of the coordinator's broker -> the new coordinator serves the right offsets: %s ms%n",
                    stats(servedMs.get(true)));
            loads.get(true).forEach(line -> System.out.println("  its loader: " + line));
        }

        /**
         * Moves the group's coordinator, by kill -9 of its broker or by a graceful restart of it (controlled shutdown
         * moves its leaderships first), and measures from the start of the move to the first OffsetFetch that another
         * broker answers with every offset right; then waits until the broker is back in the partition's ISR.
         */
        private void moveRound(int round, boolean graceful, List<String> brokers, int offsetsPartition, long lastRound,
                               List<Long> servedMs, List<String> loads) throws Exception {
            Coordinator old = findCoordinator(brokers);
            int moved = old.getNodeId();
            String movedAddress = old.getHost() + ":" + old.getPort();
            List<String> live = brokers.stream().filter(b -> !b.equals(movedAddress)).toList();
            Map<Integer, Integer> loadsBefore = new HashMap<>();
            for (int broker = 101; broker < 101 + brokers.size(); broker++) {
                loadsBefore.put(broker, loaderLines(broker, offsetsPartition).size());
            }
            String[] command = {graceful ? "restart" : "kill", Integer.toString(moved), "--dir", clusterDir.toString()};
            long moveStartNs = System.nanoTime();
            java.util.concurrent.CompletableFuture<ScriptProcess.Result> move = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return ScriptProcess.run(environment, 300, command);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long newCoordinatorNs = 0;
            long servedNs = 0;
            int served = -1;
            String lastAnswer = "";
            long roundDeadline = moveStartNs + TimeUnit.SECONDS.toNanos(180);
            while (servedNs == 0) {
                if (System.nanoTime() > roundDeadline) {
                    throw new IllegalStateException("no coordinator served the offsets in 180 s; last answer: " + lastAnswer);
                }
                if (move.isDone() && move.join().exitCode() != 0) {
                    throw new IllegalStateException(command[0] + " failed: " + move.join().err());
                }
                Coordinator next = findCoordinator(live);
                if (next != null && next.getNodeId() != moved) {
                    if (newCoordinatorNs == 0) {
                        newCoordinatorNs = System.nanoTime();
                    }
                    try {
                        OffsetFetchResponse answer = stub(next.getHost() + ":" + next.getPort())
                                .withDeadlineAfter(5, TimeUnit.SECONDS).offsetFetch(fetchRequest());
                        if (answer.getError() == ErrorCode.NONE) {
                            checkOffsets(answer, lastRound);
                            servedNs = System.nanoTime();
                            served = next.getNodeId();
                            break;
                        }
                        lastAnswer = answer.getError() + ": " + answer.getErrorMessage();
                    } catch (io.grpc.StatusRuntimeException e) {
                        lastAnswer = e.getStatus().toString();
                    }
                }
                Thread.sleep(10);
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(servedNs - moveStartNs);
            servedMs.add(ms);
            String load = newLoaderLine(served, offsetsPartition, loadsBefore.get(served));
            loads.add(load);
            System.out.printf("round %d, %s of broker %d (coordinator): broker %d named coordinator after %d ms, served every"
                            + " offset right after %d ms; its loader: %s%n", round, graceful ? "graceful restart" : "kill -9",
                    moved, served, TimeUnit.NANOSECONDS.toMillis(newCoordinatorNs - moveStartNs), ms, load);
            ScriptProcess.Result result = move.get(300, TimeUnit.SECONDS);
            if (result.exitCode() != 0) {
                throw new IllegalStateException(command[0] + " failed: " + result.err());
            }
            if (!graceful) {
                ScriptProcess.Result restart = ScriptProcess.run(environment, 300, "restart", Integer.toString(moved),
                        "--dir", clusterDir.toString());
                if (restart.exitCode() != 0) {
                    throw new IllegalStateException("restart failed: " + restart.err());
                }
            }
            awaitFullIsr(offsetsPartition);
        }

        /**
         * The partition count of __consumer_offsets. FindCoordinator answered, so it exists, but the broker the admin
         * asks may not have applied its creation yet.
         */
        private int offsetsPartitions() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    return admin.describeTopics(List.of("__consumer_offsets")).all().get(30, TimeUnit.SECONDS)
                            .get("__consumer_offsets").partitions().size();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        }

        private void awaitFullIsr(int offsetsPartition) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (admin.describeTopics(List.of("__consumer_offsets")).all().get(30, TimeUnit.SECONDS)
                    .get("__consumer_offsets").partitions().get(offsetsPartition).inSyncReplicas().size() < 3) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the restarted broker did not rejoin the ISR in 300 s");
                }
                Thread.sleep(200);
            }
        }

        /** The "coordinates ... group(s)" lines of the broker's log for the partition, in order. */
        private List<String> loaderLines(int brokerId, int offsetsPartition) throws java.io.IOException {
            Path logFile = clusterDir.resolve("node-" + brokerId).resolve("node.log");
            List<String> found = new ArrayList<>();
            if (Files.exists(logFile)) {
                for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
                    Matcher m = LOADED.matcher(line);
                    if (m.find() && Integer.parseInt(m.group(3)) == offsetsPartition) {
                        found.add(m.group(5) + " records, " + m.group(6) + " bytes in " + m.group(7) + " ms (leader epoch "
                                + m.group(4) + ")");
                    }
                }
            }
            return found;
        }

        /** The first load line for the partition after the {@code before} ones the log had before the move. */
        private String newLoaderLine(int brokerId, int offsetsPartition, int before) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                List<String> lines = loaderLines(brokerId, offsetsPartition);
                if (lines.size() > before) {
                    return lines.get(before);
                }
                Thread.sleep(100);
            }
            return "no new load line in the log of broker " + brokerId;
        }

        private OffsetCommitRequest commitRequest(long round) {
            OffsetCommitTopic.Builder topic = OffsetCommitTopic.newBuilder().setName(LOAD_TOPIC);
            for (int partition = 0; partition < commitPartitions; partition++) {
                topic.addPartitions(OffsetCommitPartition.newBuilder().setPartition(partition)
                        .setCommittedOffset(offsetFor(round, partition)).setCommittedLeaderEpoch(-1));
            }
            return OffsetCommitRequest.newBuilder().setGroupId(LOAD_GROUP).setMemberEpoch(-1).addTopics(topic).build();
        }

        private static void checkCommitted(OffsetCommitResponse response) {
            for (var topic : response.getTopicsList()) {
                for (PartitionResult result : topic.getPartitionsList()) {
                    if (result.getError() != ErrorCode.NONE) {
                        throw new IllegalStateException("commit of " + topic.getName() + "-" + result.getPartition() + ": "
                                + result.getError() + " " + result.getErrorMessage());
                    }
                }
            }
        }

        private static OffsetFetchRequest fetchRequest() {
            return OffsetFetchRequest.newBuilder().setGroupId(LOAD_GROUP).build();
        }

        /** Every partition's committed offset is the one the last commit wrote. */
        private void checkOffsets(OffsetFetchResponse response, long lastRound) {
            if (response.getError() != ErrorCode.NONE) {
                throw new IllegalStateException("OffsetFetch: " + response.getError() + " " + response.getErrorMessage());
            }
            int checked = 0;
            for (OffsetFetchTopic topic : response.getTopicsList()) {
                if (!topic.getName().equals(LOAD_TOPIC)) {
                    throw new IllegalStateException("an offset of an unexpected topic: " + topic.getName());
                }
                for (OffsetFetchPartition partition : topic.getPartitionsList()) {
                    long expected = offsetFor(lastRound, partition.getPartition());
                    if (partition.getCommittedOffset() != expected) {
                        throw new IllegalStateException("partition " + partition.getPartition() + " has committed offset "
                                + partition.getCommittedOffset() + ", expected " + expected);
                    }
                    checked++;
                }
            }
            if (checked != commitPartitions) {
                throw new IllegalStateException("OffsetFetch returned " + checked + " partitions, expected " + commitPartitions);
            }
        }
    }
}
