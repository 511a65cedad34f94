package io.runnel.metadata.server;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.metadata.ratis.CommittedBatch;
import io.runnel.metadata.ratis.MetadataStateMachine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A controller's meters, under Kafka's controller metric names mapped to Prometheus conventions
 * (docs/metrics.md lists each): whether it is the active controller, how far its metadata log got and
 * how far each broker is behind it, the cluster's brokers, topics and partitions as its image shows them
 * (fenced brokers, offline partitions, preferred-replica imbalance), Ratis leader changes and commit
 * latency, and its event queue (depth, time queued, decision time).
 *
 * <p>Every controller reports the image-derived counts from its own image (they agree once applied; take
 * the max over controllers); the per-broker metadata lag only on the active controller, the one brokers
 * heartbeat to. Meters exist once {@link #bind} registered them; the hooks before that do nothing.
 *
 * <p>Thread-safe: hooks are called from the event thread, gRPC threads and the Ratis apply thread; all
 * state is in concurrent maps, volatile fields and Micrometer meters.
 */
public final class ControllerMetrics {

    /** Latency percentiles published for every timer, as Kafka's histograms publish 50th..999th. */
    private static final double[] PERCENTILES = {0.5, 0.95, 0.99, 0.999};
    /** Window over which the percentiles are computed (Micrometer rotates it in 3 buffers). */
    private static final Duration PERCENTILE_WINDOW = Duration.ofMinutes(1);

    /** A timer with the latency percentiles every Runnel timer publishes (name in seconds in Prometheus). */
    public static Timer.Builder latencyTimer(String name, String description) {
        return Timer.builder(name).description(description).publishPercentiles(PERCENTILES)
                .distributionStatisticExpiry(PERCENTILE_WINDOW).distributionStatisticBufferLength(3);
    }

    /** Counts derived from one image, computed once per image (scrapes read several). */
    private record ImageCounts(long offset, int fencedBrokers, int activeBrokers, int topics, int partitions,
                               int offlinePartitions, int imbalancedPartitions) {
        static ImageCounts of(MetadataImage image) {
            int fenced = 0;
            int active = 0;
            for (BrokerRegistration broker : image.cluster().brokers().values()) {
                if (broker.fenced()) {
                    fenced++;
                } else {
                    active++;
                }
            }
            int partitions = 0;
            int offline = 0;
            int imbalanced = 0;
            for (TopicImage topic : image.topics().topicsById().values()) {
                for (PartitionRegistration partition : topic.partitions().values()) {
                    partitions++;
                    if (!partition.hasLeader()) {
                        offline++;
                    }
                    // As Kafka counts it: a partition led by anyone but its preferred replica, offline ones included.
                    if (partition.leader() != partition.preferredLeader()) {
                        imbalanced++;
                    }
                }
            }
            return new ImageCounts(image.offset(), fenced, active, image.topics().topicsById().size(), partitions,
                    offline, imbalanced);
        }
    }

    private final ControllerServer controller;
    /** The metadata offset each broker reported in its last heartbeat to this controller. */
    private final Map<Integer, Long> brokerOffsets = new ConcurrentHashMap<>();
    private volatile ImageCounts counts;
    private volatile Timer eventQueueTime;
    private volatile Timer decisionTime;
    private volatile Timer commitLatency;
    private volatile MultiGauge brokerLag;

    ControllerMetrics(ControllerServer controller) {
        this.controller = controller;
    }

    /** Registers the meters in {@code registry}; call {@link #refresh} before each scrape. */
    void bind(MeterRegistry registry) {
        MetadataStateMachine stateMachine = controller.stateMachine();
        Gauge.builder("runnel.controller.active.controller.count", controller, c -> c.isActive() ? 1 : 0)
                .description("1 on the active controller, else 0 (ActiveControllerCount)").register(registry);
        Gauge.builder("runnel.controller.term", controller, c -> c.info().map(i -> i.getCurrentTerm()).orElse(-1L))
                .description("Ratis term (leader epoch) as this controller knows it").register(registry);
        Gauge.builder("runnel.controller.last.committed.record.offset", controller,
                        c -> c.division().map(d -> d.getRaftLog().getLastCommittedIndex()).orElse(-1L))
                .description("committed offset of the metadata log (LastCommittedRecordOffset)").register(registry);
        Gauge.builder("runnel.controller.last.applied.record.offset", stateMachine, MetadataStateMachine::appliedOffset)
                .description("offset of this controller's metadata image (LastAppliedRecordOffset)").register(registry);
        imageGauge(registry, "runnel.controller.fenced.broker.count", ImageCounts::fencedBrokers, "registered brokers that are fenced (FencedBrokerCount)");
        imageGauge(registry, "runnel.controller.active.broker.count", ImageCounts::activeBrokers, "registered brokers that are not fenced (ActiveBrokerCount)");
        imageGauge(registry, "runnel.controller.global.topic.count", ImageCounts::topics, "topics in the cluster (GlobalTopicCount)");
        imageGauge(registry, "runnel.controller.global.partition.count", ImageCounts::partitions, "partitions in the cluster (GlobalPartitionCount)");
        imageGauge(registry, "runnel.controller.offline.partitions.count", ImageCounts::offlinePartitions,
                "partitions without a leader (OfflinePartitionsCount)");
        imageGauge(registry, "runnel.controller.preferred.replica.imbalance.count", ImageCounts::imbalancedPartitions,
                "partitions not led by their preferred replica (PreferredReplicaImbalanceCount)");
        FunctionCounter.builder("runnel.controller.new.active.controllers", stateMachine, MetadataStateMachine::leaderChanges)
                .description("metadata quorum leaders this controller saw elected (NewActiveControllersCount)").register(registry);
        Gauge.builder("runnel.controller.event.queue.size", controller, ControllerServer::eventQueueSize)
                .description("requests waiting for the controller's event thread (EventQueueSize)").register(registry);
        eventQueueTime = latencyTimer("runnel.controller.event.queue.time", "time a request waited for the event thread (EventQueueTimeMs)")
                .register(registry);
        decisionTime = latencyTimer("runnel.controller.decision.time", "time the event thread took to decide a request on the image")
                .register(registry);
        commitLatency = latencyTimer("runnel.controller.commit.latency",
                "from a batch's submission to the metadata log to its application here, on the controller that submitted it")
                .register(registry);
        brokerLag = MultiGauge.builder("runnel.controller.broker.metadata.lag")
                .description("metadata offsets a broker is behind this (active) controller's image, as of its last heartbeat")
                .register(registry);
    }

    private void imageGauge(MeterRegistry registry, String name, java.util.function.ToIntFunction<ImageCounts> value, String description) {
        Gauge.builder(name, this, m -> value.applyAsInt(m.imageCounts())).description(description).register(registry);
    }

    private ImageCounts imageCounts() {
        MetadataImage image = controller.currentImage();
        ImageCounts cached = counts;
        if (cached == null || cached.offset() != image.offset()) {
            cached = ImageCounts.of(image);
            counts = cached;
        }
        return cached;
    }

    /** Brings the per-broker rows up to date: the registered brokers that heartbeat here, on the active controller only. */
    public void refresh() {
        MultiGauge gauge = brokerLag;
        if (gauge == null) {
            return;
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        if (controller.isActive()) {
            Map<Integer, BrokerRegistration> brokers = controller.currentImage().cluster().brokers();
            brokerOffsets.keySet().retainAll(brokers.keySet());
            brokerOffsets.forEach((brokerId, reported) -> rows.add(MultiGauge.Row.of(Tags.of("broker", String.valueOf(brokerId)),
                    () -> Math.max(0, controller.stateMachine().appliedOffset() - brokerOffsets.getOrDefault(brokerId, reported)))));
        }
        gauge.register(rows, true);
    }

    /** A broker's heartbeat reported the metadata offset it applied. */
    void onBrokerHeartbeat(int brokerId, long appliedOffset) {
        // Registered brokers only: a heartbeat naming any other id must not grow the map.
        if (appliedOffset >= 0 && controller.currentImage().cluster().broker(brokerId) != null) {
            brokerOffsets.put(brokerId, appliedOffset);
        }
    }

    /** A request waited {@code waitedNs} in the event queue before the event thread took it. */
    void onDequeued(long waitedNs) {
        Timer timer = eventQueueTime;
        if (timer != null) {
            timer.record(Math.max(0, waitedNs), TimeUnit.NANOSECONDS);
        }
    }

    /** {@code decide}, timed into the decision-time timer. */
    <I, O> Function<I, O> timedDecision(Function<I, O> decide) {
        return input -> {
            long startNs = System.nanoTime();
            try {
                return decide.apply(input);
            } finally {
                Timer timer = decisionTime;
                if (timer != null) {
                    timer.record(System.nanoTime() - startNs, TimeUnit.NANOSECONDS);
                }
            }
        };
    }

    /** The apply listener measuring commit latency: the batch's append time (this controller's clock) to its application. */
    MetadataStateMachine.ApplyListener commitLatencyListener() {
        return (batch, image) -> onApplied(batch);
    }

    private void onApplied(CommittedBatch batch) {
        Timer timer = commitLatency;
        long appendedMs = batch.batch().getAppendTimeMs();
        if (timer != null && batch.batch().getControllerId() == controller.nodeId() && appendedMs > 0) {
            timer.record(Math.max(0, controller.time().milliseconds() - appendedMs), TimeUnit.MILLISECONDS);
        }
    }
}
