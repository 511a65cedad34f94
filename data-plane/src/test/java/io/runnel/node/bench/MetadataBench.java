package io.runnel.node.bench;

import io.runnel.metadata.client.ControllerChannel;
import io.runnel.metadata.server.QuorumVoters;
import io.runnel.node.RunnelNode;
import io.runnel.node.testing.LocalCluster;
import io.runnel.proto.ControllerCreateTopicsResponse;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Measures the metadata layer on an in-process cluster of 3 controllers and 3 brokers (a
 * measurement, not a test; see docs/benchmarks.md):
 * <ol>
 *   <li>propagation: commit of a CreateTopics on the controller → each broker has acted on it;</li>
 *   <li>one topic of 1,000 partitions, RF 3: request sent → every broker has acted on it;</li>
 *   <li>failover: the active controller is stopped → first successful CreateTopics.</li>
 * </ol>
 * Run: {@code mvn -B -q -pl data-plane -am test-compile -Pmetadata-bench}.
 */
public final class MetadataBench {

    private MetadataBench() {
    }

    public static void main(String[] args) throws Exception {
        int propagationTopics = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path dir = Files.createTempDirectory("runnel-metadata-bench");
        try (LocalCluster cluster = LocalCluster.of(dir, 3, 3, Map.of()).start()) {
            String voters = cluster.node(1).config().quorumVoters();
            try (ControllerChannel channel = new ControllerChannel(QuorumVoters.parse(voters))) {
                propagation(cluster, channel, propagationTopics);
                bigTopic(cluster, channel);
                failover(cluster, channel);
            }
        }
    }

    private static ControllerCreateTopicsResponse create(ControllerChannel channel, String name, int partitions, int rf) {
        ControllerCreateTopicsResponse response = channel.createTopics(CreateTopicsRequest.newBuilder().setTimeoutMs(30_000)
                .addTopics(CreatableTopic.newBuilder().setName(name).setNumPartitions(partitions).setReplicationFactor(rf))
                .build(), Duration.ofSeconds(30));
        ErrorCode error = response.getResponse().getTopics(0).getError();
        if (error != ErrorCode.NONE) {
            throw new IllegalStateException("creating " + name + " failed: " + error + " " + response.getResponse().getTopics(0).getErrorMessage());
        }
        return response;
    }

    private static void propagation(LocalCluster cluster, ControllerChannel channel, int topics) throws Exception {
        Histogram latencyUs = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
        for (int i = 0; i < topics; i++) {
            ControllerCreateTopicsResponse response = create(channel, "propagation-" + i, 1, 3);
            long committedNs = System.nanoTime();
            List<CompletableFuture<Void>> applied = new ArrayList<>();
            for (int broker : cluster.brokerIds()) {
                RunnelNode node = cluster.node(broker);
                applied.add(node.awaitMetadata(response.getMetadataOffset())
                        .thenAccept(image -> latencyUs.recordValue(Math.max(0, (System.nanoTime() - committedNs) / 1_000))));
            }
            CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        System.out.printf("propagation (controller commit -> broker applied), %d topics x %d brokers: "
                        + "p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", topics, cluster.brokerIds().size(),
                latencyUs.getValueAtPercentile(50) / 1000.0, latencyUs.getValueAtPercentile(99) / 1000.0, latencyUs.getMaxValue() / 1000.0);
    }

    private static void bigTopic(LocalCluster cluster, ControllerChannel channel) throws Exception {
        long startNs = System.nanoTime();
        ControllerCreateTopicsResponse response = create(channel, "big", 1_000, 3);
        long committedNs = System.nanoTime();
        List<CompletableFuture<?>> applied = new ArrayList<>();
        for (int broker : cluster.brokerIds()) {
            applied.add(cluster.node(broker).awaitMetadata(response.getMetadataOffset()));
        }
        CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        long doneNs = System.nanoTime();
        System.out.printf("1,000-partition topic, RF 3, 3 brokers: committed after %.0f ms, every broker applied "
                        + "(3,000 replicas created) after %.0f ms%n",
                (committedNs - startNs) / 1e6, (doneNs - startNs) / 1e6);
    }

    private static void failover(LocalCluster cluster, ControllerChannel channel) throws Exception {
        int active = cluster.activeControllerId().orElseThrow();
        long startNs = System.nanoTime();
        cluster.kill(active);
        long stoppedNs = System.nanoTime();
        create(channel, "after-failover", 1, 3);
        long doneNs = System.nanoTime();
        System.out.printf("failover: controller %d stopped (took %.0f ms), first CreateTopics succeeded %.0f ms after "
                + "the stop began (new active controller %s)%n", active, (stoppedNs - startNs) / 1e6, (doneNs - startNs) / 1e6,
                Arrays.toString(new int[] {cluster.activeControllerId().orElse(-1)}));
    }
}
