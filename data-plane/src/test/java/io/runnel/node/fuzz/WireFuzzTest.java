package io.runnel.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.node.testing.LocalCluster;
import io.runnel.node.testing.LogCapture;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Fuzzes the public gRPC API of a real single node ({@link WireFuzzer}). CI runs {@value #CASES_DEFAULT}
 * cases; the seed is printed and replays the run:
 * <pre>
 * mvn -B -pl data-plane -am verify -Dtest=WireFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dfuzz.seed=1234 [-Dfuzz.cases=20000] [-Dfuzz.workers=4]
 * </pre>
 * {@code -Dfuzz.workers=1} replays request for request; the {@code wire-fuzz-bench} Maven profile runs 10^6.
 * {@code -Dfuzz.debugCode=INVALID_RECORD} prints the first answers holding that per-item error code (to see
 * how deep the generated requests get).
 */
class WireFuzzTest {

    static final int CASES_DEFAULT = 20_000;
    static final int WORKERS_DEFAULT = 4;
    static final int BURST_EVERY_DEFAULT = 1_000;
    static final int BURST_CALLS_DEFAULT = 300;

    @TempDir
    Path dir;

    @Test
    void thePublicApiSurvivesSeededMalformedAndBoundaryRequests() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        WireFuzzer.Settings settings = new WireFuzzer.Settings(seed, Integer.getInteger("fuzz.cases", CASES_DEFAULT),
                Integer.getInteger("fuzz.workers", WORKERS_DEFAULT), Integer.getInteger("fuzz.burstEvery", BURST_EVERY_DEFAULT),
                Integer.getInteger("fuzz.burstCalls", BURST_CALLS_DEFAULT));
        System.out.println("WireFuzzTest: " + settings + " (replay with -Dfuzz.seed=" + seed + ")");
        // Retention must not run under the fuzzer's feet: log start offsets move only by DeleteRecords.
        Map<String, String> overrides = Map.of("log.retention.check.interval.ms", String.valueOf(Long.MAX_VALUE));
        Logger runnel = (Logger) LoggerFactory.getLogger("io.runnel");
        Level level = runnel.getLevel();
        try (LocalCluster cluster = LocalCluster.singleNode(dir, overrides).start()) {
            ManagedChannel broker = NettyChannelBuilder.forTarget(cluster.bootstrapServers()).usePlaintext().build();
            ManagedChannel controller = NettyChannelBuilder.forAddress("127.0.0.1",
                    cluster.node(1).port("CONTROLLER").orElseThrow()).usePlaintext().build();
            runnel.setLevel(Level.WARN); // a million INFO lines about topics created and deleted help no one
            try (LogCapture logs = LogCapture.start()) {
                WireFuzzer fuzzer = new WireFuzzer(settings, cluster.node(1), broker, controller, logs);
                long startNs = System.nanoTime();
                List<String> violations = fuzzer.run();
                long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
                System.out.printf("WireFuzzTest: seed %d, %d cases in %.1f s (%.0f/s), %d targets%n  calls %s%n  answers %s%n"
                                + "  per-item errors %s%n", seed, fuzzer.cases(), elapsedMs / 1000.0,
                        fuzzer.cases() * 1000.0 / Math.max(1, elapsedMs), fuzzer.targets().size(), fuzzer.callCounts(),
                        fuzzer.answerCounts(), fuzzer.itemCounts());
                assertThat(violations).as("violations (replay with -Dfuzz.seed=%d), %d in all", seed, fuzzer.violationCount())
                        .isEmpty();
                assertThat(fuzzer.cases()).isGreaterThanOrEqualTo(settings.cases() - settings.workers());
            } finally {
                runnel.setLevel(level);
                broker.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                controller.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
