package io.runnel.metadata.bench;

import io.grpc.stub.StreamObserver;
import io.runnel.metadata.client.ControllerChannel;
import io.runnel.metadata.server.ControllerServer;
import io.runnel.metadata.testing.ControllerQuorumHarness;
import io.runnel.proto.AllocateProducerIdsRequest;
import io.runnel.proto.AllocateProducerIdsResponse;
import io.runnel.proto.BrokerHeartbeatRequest;
import io.runnel.proto.BrokerHeartbeatResponse;
import io.runnel.proto.ControllerServiceGrpc;
import io.runnel.proto.Endpoint;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.RegisterBrokerRequest;
import io.runnel.proto.RegisterBrokerResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Controller throughput (a measurement, not a test; see docs/benchmarks.md). A quorum of real
 * controllers (Ratis, RocksDB, gRPC on loopback) in this JVM, and in front of the active one:
 * <ul>
 *   <li>{@code brokers} simulated brokers (100) that register, then heartbeat every
 *       {@code heartbeatMs} (500) through gRPC, each heartbeat's round trip recorded;</li>
 *   <li>writers: AllocateProducerIds calls (one record each) kept {@code inFlight} at a time (64) for
 *       {@code seconds} (20). Each is a controller decision that must see every earlier one: the blocks
 *       handed out are checked to be distinct and gap-free, so the figure is of correct decisions.</li>
 * </ul>
 * Printed: decisions per second, write latency p50/p99, heartbeat p50/p99/max, first with heartbeats
 * alone and then with the writers. Run:
 * {@code mvn -B -q -pl raft-metadata -am test-compile -Pcontroller-bench [-Dbench.controllers=3 -Dbench.brokers=100
 * -Dbench.heartbeatMs=500 -Dbench.inFlight=64 -Dbench.seconds=20]}.
 */
public final class ControllerBench {

    private final int brokers;
    private final long heartbeatMs;
    private final int inFlight;
    private final int seconds;
    private final ControllerQuorumHarness quorum;
    private final ControllerChannel channel;
    /** A stub to the active controller; replaced when a call is answered NOT_CONTROLLER (a loaded machine can change leaders). */
    private volatile ControllerServiceGrpc.ControllerServiceStub stub;
    private final AtomicLong leaderChanges = new AtomicLong();
    private final List<long[]> registered = new ArrayList<>();

    private ControllerBench(ControllerQuorumHarness quorum, int brokers, long heartbeatMs, int inFlight, int seconds) {
        this.quorum = quorum;
        this.brokers = brokers;
        this.heartbeatMs = heartbeatMs;
        this.inFlight = inFlight;
        this.seconds = seconds;
        ControllerServer active = quorum.awaitActive(Duration.ofSeconds(60));
        this.channel = quorum.newChannel();
        this.stub = channel.asyncStub(active.nodeId());
    }

    public static void main(String[] args) throws Exception {
        int controllers = Integer.getInteger("bench.controllers", 3);
        int brokers = Integer.getInteger("bench.brokers", 100);
        long heartbeatMs = Long.getLong("bench.heartbeatMs", 500);
        int inFlight = Integer.getInteger("bench.inFlight", 64);
        int seconds = Integer.getInteger("bench.seconds", 20);
        Path dir = Files.createTempDirectory("runnel-controller-bench");
        // Sessions far longer than the run: no broker is fenced because the machine is slow.
        try (ControllerQuorumHarness quorum = ControllerQuorumHarness.start(controllers, dir,
                b -> b.brokerSessionTimeoutMs(600_000).requestTimeoutMs(60_000).electionTimeoutMs(1_000))) {
            ControllerBench bench = new ControllerBench(quorum, brokers, heartbeatMs, inFlight, seconds);
            System.out.printf("controller bench: %d controller(s), %d brokers heartbeating every %d ms, "
                    + "%d writes in flight, %d s per phase%n", controllers, brokers, heartbeatMs, inFlight, seconds);
            bench.registerBrokers();
            bench.run(false);
            bench.run(true);
        }
    }

    private void registerBrokers() {
        for (int i = 0; i < brokers; i++) {
            int id = 1000 + i;
            RegisterBrokerResponse response = channel.registerBroker(RegisterBrokerRequest.newBuilder().setBrokerId(id)
                    .setClusterId(ControllerQuorumHarness.CLUSTER_ID).setIncarnationId(UUID.randomUUID().toString())
                    .addListeners(Endpoint.newBuilder().setListener("PLAINTEXT").setHost("127.0.0.1").setPort(9000 + i)).build(),
                    Duration.ofSeconds(60));
            if (response.getError() != ErrorCode.NONE) {
                throw new IllegalStateException("broker " + id + " not registered: " + response.getError());
            }
            registered.add(new long[] {id, response.getBrokerEpoch()});
            // The first heartbeat unfences the broker (a write); the phases measure steady-state heartbeats.
            BrokerHeartbeatResponse unfenced = channel.brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(id)
                    .setBrokerEpoch(response.getBrokerEpoch()).setCurrentMetadataOffset(Long.MAX_VALUE / 2).build(),
                    Duration.ofSeconds(60));
            if (unfenced.getError() != ErrorCode.NONE || unfenced.getIsFenced()) {
                throw new IllegalStateException("broker " + id + " not unfenced: " + unfenced);
            }
        }
    }

    private void run(boolean withWriters) throws Exception {
        Histogram heartbeatUs = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
        Histogram writeUs = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
        AtomicLong heartbeatErrors = new AtomicLong();
        AtomicLong writeErrors = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        Set<Long> blockStarts = ConcurrentHashMap.newKeySet();
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        long startNs = System.nanoTime();
        long endNs = startNs + TimeUnit.SECONDS.toNanos(seconds);
        for (int i = 0; i < registered.size(); i++) {
            long[] broker = registered.get(i);
            long phaseMs = heartbeatMs * i / registered.size();
            timer.scheduleAtFixedRate(() -> heartbeat(broker, heartbeatUs, heartbeatErrors), phaseMs, heartbeatMs,
                    TimeUnit.MILLISECONDS);
        }
        if (withWriters) {
            Semaphore slots = new Semaphore(inFlight);
            long[] writer = registered.get(0);
            while (System.nanoTime() < endNs) {
                if (!slots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                long sentNs = System.nanoTime();
                stub.withDeadlineAfter(60, TimeUnit.SECONDS).allocateProducerIds(AllocateProducerIdsRequest.newBuilder()
                        .setBrokerId((int) writer[0]).setBrokerEpoch(writer[1]).build(), new StreamObserver<>() {
                            @Override
                            public void onNext(AllocateProducerIdsResponse response) {
                                if (response.getError() == ErrorCode.NONE && blockStarts.add(response.getProducerIdStart())) {
                                    writes.incrementAndGet();
                                    writeUs.recordValue((System.nanoTime() - sentNs) / 1_000);
                                } else {
                                    writeErrors.incrementAndGet();
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                writeErrors.incrementAndGet();
                                followLeader(t);
                                slots.release();
                            }

                            @Override
                            public void onCompleted() {
                                slots.release();
                            }
                        });
            }
            slots.acquire(inFlight);
        } else {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(endNs - System.nanoTime()));
        }
        timer.shutdown();
        timer.awaitTermination(60, TimeUnit.SECONDS);
        double elapsedS = (System.nanoTime() - startNs) / 1e9;
        if (withWriters) {
            long min = blockStarts.stream().mapToLong(Long::longValue).min().orElse(0);
            long max = blockStarts.stream().mapToLong(Long::longValue).max().orElse(0);
            long blockSize = blockStarts.size() < 2 ? 0 : (max - min) / (blockStarts.size() - 1);
            boolean gapFree = blockStarts.size() < 2 || (max - min) % (blockStarts.size() - 1) == 0
                    && blockStarts.stream().allMatch(start -> (start - min) % blockSize == 0);
            System.out.printf("  with writers: %d decisions in %.1f s = %.0f decisions/s; write p50 %.1f ms, p99 %.1f ms; "
                            + "%d write errors; producer-id blocks distinct and gap-free: %s%n", writes.get(), elapsedS,
                    writes.get() / elapsedS, writeUs.getValueAtPercentile(50) / 1000.0, writeUs.getValueAtPercentile(99) / 1000.0,
                    writeErrors.get(), gapFree);
        }
        System.out.printf("  %s: %d heartbeats, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors; %d NOT_CONTROLLER answers so far%n",
                withWriters ? "heartbeats during writes" : "heartbeats alone", heartbeatUs.getTotalCount(),
                heartbeatUs.getValueAtPercentile(50) / 1000.0, heartbeatUs.getValueAtPercentile(99) / 1000.0,
                heartbeatUs.getMaxValue() / 1000.0, heartbeatErrors.get(), leaderChanges.get());
    }

    /** On NOT_CONTROLLER, points the stub at the controller that is active now. */
    private void followLeader(Throwable error) {
        if (io.runnel.common.errors.GrpcErrors.toApiException(error).code() == ErrorCode.NOT_CONTROLLER) {
            quorum.active().ifPresent(active -> {
                stub = channel.asyncStub(active.nodeId());
                leaderChanges.incrementAndGet();
            });
        }
    }

    private void heartbeat(long[] broker, Histogram latencyUs, AtomicLong errors) {
        long sentNs = System.nanoTime();
        stub.withDeadlineAfter(60, TimeUnit.SECONDS).brokerHeartbeat(BrokerHeartbeatRequest.newBuilder()
                .setBrokerId((int) broker[0]).setBrokerEpoch(broker[1]).setCurrentMetadataOffset(Long.MAX_VALUE / 2).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(BrokerHeartbeatResponse response) {
                        if (response.getError() == ErrorCode.NONE) {
                            latencyUs.recordValue((System.nanoTime() - sentNs) / 1_000);
                        } else {
                            errors.incrementAndGet();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        errors.incrementAndGet();
                        followLeader(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
    }
}
