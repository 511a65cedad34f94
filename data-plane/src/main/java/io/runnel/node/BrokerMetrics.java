package io.runnel.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.runnel.common.TopicPartition;
import io.runnel.metadata.server.ControllerMetrics;
import io.runnel.purgatory.DelayedOperationPurgatory;
import io.runnel.replication.BrokerTopicStats;
import io.runnel.replication.Partition;
import io.runnel.replication.ReplicaManager;
import io.runnel.storage.LogCleaner;
import io.runnel.storage.LogManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * A broker's meters, under Kafka's broker metric names mapped to Prometheus conventions (docs/metrics.md
 * lists each): traffic per topic and in total (BrokerTopicMetrics), replica state (ReplicaManager),
 * purgatories, log size and flush time, replica fetcher lag, the log cleaner, and consumer groups once a
 * coordinator is bound.
 *
 * <p>Series whose label sets change as topics and partitions come and go are brought up to date by
 * {@link #refresh}, which the metrics server calls before each scrape: a topic's counters appear once
 * the broker hosts it and disappear when it no longer does; per-partition gauges are rows of
 * {@link MultiGauge}s. With {@code metrics.partition.level=false} (the high-cardinality guard) the
 * per-partition gauges that can be summed keep only the {@code topic} label, summed over this broker's
 * partitions of the topic, and the others are not published.
 *
 * <p>Thread-safety: {@link #refresh} runs on the scrape thread (one at a time: the metrics server has one
 * thread); the gauges read thread-safe state of the replica and log managers.
 */
final class BrokerMetrics {

    /** A per-partition gauge: its name, whether it sums per topic, and its value for one partition. */
    private record PartitionGauge(String name, String description, boolean summable, boolean leaderOnly,
                                  boolean followerOnly, ToDoubleFunction<Partition> value) {
    }

    private static final List<PartitionGauge> PARTITION_GAUGES = List.of(
            new PartitionGauge("runnel.log.size.bytes", "bytes of a partition's log on this broker (Log Size)",
                    true, false, false, p -> p.log().sizeInBytes()),
            new PartitionGauge("runnel.log.segments", "segments of a partition's log (NumLogSegments)",
                    true, false, false, p -> p.log().numberOfSegments()),
            new PartitionGauge("runnel.log.end.offset", "a partition's log end offset on this broker (LogEndOffset)",
                    false, false, false, p -> p.log().logEndOffset()),
            new PartitionGauge("runnel.log.start.offset", "a partition's log start offset on this broker (LogStartOffset)",
                    false, false, false, p -> p.log().logStartOffset()),
            new PartitionGauge("runnel.partition.under.replicated", "1 if a partition led here has an ISR smaller than its replicas (UnderReplicated)",
                    true, true, false, p -> p.isr().size() < p.replicas().size() ? 1 : 0),
            new PartitionGauge("runnel.partition.in.sync.replicas.count", "ISR size of a partition led here (InSyncReplicasCount)",
                    false, true, false, p -> p.isr().size()),
            new PartitionGauge("runnel.partition.replicas.count", "replicas of a partition led here (ReplicasCount)",
                    false, true, false, p -> p.replicas().size()),
            new PartitionGauge("runnel.replica.fetcher.lag", "records a partition followed here is behind its leader's log end (ConsumerLag of FetcherLagMetrics)",
                    true, false, true, Partition::followerLag));

    private final MeterRegistry registry;
    private final ReplicaManager replicas;
    private final boolean partitionLevel;
    private final Map<PartitionGauge, MultiGauge> partitionGauges = new HashMap<>();
    /** Scrape thread only: the topics whose counters are registered, with the counters they read. */
    private final Map<String, TopicMeters> topicMeters = new HashMap<>();
    private MultiGauge groupLag;
    private Supplier<ConsumerGroupMetricsSource> groups = () -> null;

    private record TopicMeters(BrokerTopicStats.Counters counters, List<Meter> meters) {
    }

    BrokerMetrics(MeterRegistry registry, ReplicaManager replicas, boolean partitionLevel) {
        this.registry = registry;
        this.replicas = replicas;
        this.partitionLevel = partitionLevel;
    }

    void bind(LogManager logs) {
        bindTraffic();
        bindReplicaState();
        bindPurgatories();
        Timer flushTime = ControllerMetrics.latencyTimer("runnel.log.flush.time",
                "time to fsync a log's segments, indexes and directory (LogFlushRateAndTimeMs)").register(registry);
        logs.flushStats().setSink(nanos -> flushTime.record(nanos, TimeUnit.NANOSECONDS));
        bindCleaner(logs.cleaner());
        for (PartitionGauge gauge : PARTITION_GAUGES) {
            if (partitionLevel || gauge.summable()) {
                partitionGauges.put(gauge, MultiGauge.builder(gauge.name()).description(gauge.description()).register(registry));
            }
        }
    }

    private void bindTraffic() {
        BrokerTopicStats stats = replicas.topicStats();
        BrokerTopicStats.Counters all = stats.allTopics();
        trafficCounters("runnel.broker", all, Tags.empty());
        FunctionCounter.builder("runnel.broker.replication.bytes.in", stats, BrokerTopicStats::replicationBytesIn)
                .description("record bytes received as a follower (ReplicationBytesInPerSec)").register(registry);
        FunctionCounter.builder("runnel.broker.replication.bytes.out", stats, BrokerTopicStats::replicationBytesOut)
                .description("record bytes sent to followers (ReplicationBytesOutPerSec)").register(registry);
    }

    /** The BrokerTopicMetrics counters of one set of counters, under {@code prefix}. */
    private List<Meter> trafficCounters(String prefix, BrokerTopicStats.Counters counters, Tags tags) {
        List<Meter> meters = new ArrayList<>();
        meters.add(counter(prefix + ".bytes.in", counters, BrokerTopicStats.Counters::bytesIn, tags,
                "record bytes appended for producers (BytesInPerSec)"));
        meters.add(counter(prefix + ".bytes.out", counters, BrokerTopicStats.Counters::bytesOut, tags,
                "record bytes sent to consumers (BytesOutPerSec)"));
        meters.add(counter(prefix + ".messages.in", counters, BrokerTopicStats.Counters::messagesIn, tags,
                "records appended for producers (MessagesInPerSec)"));
        meters.add(counter(prefix + ".produce.requests", counters, BrokerTopicStats.Counters::produceRequests, tags,
                "partitions named in produce requests (TotalProduceRequestsPerSec)"));
        meters.add(counter(prefix + ".failed.produce.requests", counters, BrokerTopicStats.Counters::failedProduceRequests, tags,
                "partitions of produce requests that failed to append (FailedProduceRequestsPerSec)"));
        meters.add(counter(prefix + ".fetch.requests", counters, BrokerTopicStats.Counters::fetchRequests, tags,
                "partitions named in consumer fetch requests (TotalFetchRequestsPerSec)"));
        meters.add(counter(prefix + ".failed.fetch.requests", counters, BrokerTopicStats.Counters::failedFetchRequests, tags,
                "partitions of consumer fetch requests answered with an error (FailedFetchRequestsPerSec)"));
        return meters;
    }

    private <T> Meter counter(String name, T state, ToLongFunction<T> value, Tags tags, String description) {
        return FunctionCounter.builder(name, state, s -> value.applyAsLong(s)).tags(tags).description(description).register(registry);
    }

    private void bindReplicaState() {
        gauge("runnel.broker.partition.count", () -> replicas.partitions().size(), "replicas hosted by this broker (PartitionCount)");
        gauge("runnel.broker.leader.count", () -> replicas.partitions().values().stream().filter(Partition::isLeader).count(),
                "partitions this broker leads (LeaderCount)");
        gauge("runnel.broker.under.replicated.partitions", replicas::underReplicatedPartitions,
                "partitions led here whose ISR is smaller than their replicas (UnderReplicatedPartitions)");
        gauge("runnel.broker.under.min.isr.partition.count", replicas::underMinIsrPartitions,
                "partitions led here whose ISR is smaller than min.insync.replicas (UnderMinIsrPartitionCount)");
        gauge("runnel.broker.at.min.isr.partition.count", () -> replicas.partitions().values().stream()
                        .filter(p -> p.isLeader() && p.isr().size() == p.minInSyncReplicas()).count(),
                "partitions led here whose ISR is exactly min.insync.replicas (AtMinIsrPartitionCount)");
        FunctionCounter.builder("runnel.broker.isr.shrinks", replicas, ReplicaManager::isrShrinks)
                .description("ISR shrinks committed for partitions led here (IsrShrinksPerSec)").register(registry);
        FunctionCounter.builder("runnel.broker.isr.expands", replicas, ReplicaManager::isrExpands)
                .description("ISR expansions committed for partitions led here (IsrExpandsPerSec)").register(registry);
        gauge("runnel.broker.replica.max.lag", replicas::maxFollowerLag,
                "largest lag, in records, of a follower behind a partition led here");
        gauge("runnel.replica.fetcher.max.lag", () -> replicas.partitions().values().stream()
                        .mapToLong(Partition::followerLag).max().orElse(0),
                "largest lag, in records, of a partition followed here behind its leader (MaxLag of ReplicaFetcherManager)");
    }

    private void bindPurgatories() {
        for (Map.Entry<String, DelayedOperationPurgatory<?>> entry : replicas.purgatories().entrySet()) {
            Tags tags = Tags.of("operation", entry.getKey());
            DelayedOperationPurgatory<?> purgatory = entry.getValue();
            Gauge.builder("runnel.purgatory.size", purgatory, DelayedOperationPurgatory::watched).tags(tags)
                    .description("operations watched in the purgatory, once per key (PurgatorySize)").register(registry);
            Gauge.builder("runnel.purgatory.delayed.operations", purgatory, DelayedOperationPurgatory::delayed).tags(tags)
                    .description("operations waiting for their delay in the purgatory (NumDelayedOperations)").register(registry);
            Counter expires = Counter.builder("runnel.purgatory.expires").tags(tags)
                    .description("operations whose delay ran out before they could complete (ExpiresPerSec)").register(registry);
            Timer waited = ControllerMetrics.latencyTimer("runnel.purgatory.time",
                    "time an operation waited in the purgatory until it completed or expired").tags(tags).register(registry);
            purgatory.setListener((waitedNs, expired) -> {
                waited.record(waitedNs, TimeUnit.NANOSECONDS);
                if (expired) {
                    expires.increment();
                }
            });
        }
    }

    /** The log cleaner's gauges, under Kafka's metric names (kafka.log:type=LogCleaner / LogCleanerManager). */
    private void bindCleaner(LogCleaner cleaner) {
        gauge("runnel.log.cleaner.max-dirty-percent", cleaner::maxDirtyPercent,
                "dirty share of the dirtiest compacted log at the cleaner's last check, in percent");
        gauge("runnel.log.cleaner.cleaner-recopy-percent", cleaner::cleanerRecopyPercent,
                "bytes written / bytes read by the cleaner threads' last cleanings, in percent");
        gauge("runnel.log.cleaner.max-clean-time-secs", cleaner::maxCleanTimeSecs, "longest of the cleaner threads' last cleanings");
        gauge("runnel.log.cleaner.max-compaction-delay-secs", cleaner::maxCompactionDelaySecs,
                "how far the most overdue compacted log is past max.compaction.lag.ms");
        gauge("runnel.log.cleaner.max-buffer-utilization-percent", cleaner::maxBufferUtilizationPercent,
                "fullest key map of the cleaner threads' last cleanings, in percent");
        gauge("runnel.log.cleaner.dead-thread-count", cleaner::deadThreadCount, "cleaner threads that died of an unexpected error");
        gauge("runnel.log.cleaner.time-since-last-run-ms", cleaner::timeSinceLastRunMs, "since the cleaner last looked for work");
        gauge("runnel.log.cleaner.uncleanable-partitions-count", cleaner::uncleanablePartitionsCount,
                "compacted logs the cleaner gave up on after an error");
    }

    private void gauge(String name, Supplier<Number> value, String description) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    /**
     * Publishes the group coordinator's groups as {@code runnel.group.count} and {@code runnel.group.lag}
     * (per group, topic and partition; per group and topic without {@code metrics.partition.level}).
     */
    void bindConsumerGroups(ConsumerGroupMetricsSource source) {
        Gauge.builder("runnel.group.count", source, ConsumerGroupMetricsSource::groupCount)
                .description("consumer groups this broker coordinates (NumGroups)").register(registry);
        groupLag = MultiGauge.builder("runnel.group.lag")
                .description("records a consumer group's committed offset is behind a partition's high watermark").register(registry);
        groups = () -> source;
    }

    /** Brings the topic counters and the per-partition rows up to date; the scrape thread calls it before each scrape. */
    void refresh() {
        Map<TopicPartition, Partition> hosted = replicas.partitions();
        Set<String> hostedTopics = new HashSet<>();
        hosted.keySet().forEach(tp -> hostedTopics.add(tp.topic()));
        refreshTopicCounters(hostedTopics);
        // Per-partition rows read the partition when scraped, so a row that stays needs no re-registration;
        // summed rows hold the sum taken now, so they are replaced every time.
        partitionGauges.forEach((gauge, multiGauge) -> multiGauge.register(rows(gauge, hosted), !partitionLevel));
        ConsumerGroupMetricsSource source = groups.get();
        if (source != null && groupLag != null) {
            groupLag.register(groupRows(source.lags()), true);
        }
    }

    private void refreshTopicCounters(Set<String> hostedTopics) {
        BrokerTopicStats stats = replicas.topicStats();
        stats.retainTopics(hostedTopics);
        Map<String, BrokerTopicStats.Counters> current = stats.topics();
        topicMeters.entrySet().removeIf(entry -> {
            if (current.get(entry.getKey()) != entry.getValue().counters()) {
                entry.getValue().meters().forEach(registry::remove);
                return true;
            }
            return false;
        });
        current.forEach((topic, counters) -> topicMeters.computeIfAbsent(topic,
                t -> new TopicMeters(counters, trafficCounters("runnel.broker.topic", counters, Tags.of("topic", t)))));
    }

    private List<MultiGauge.Row<?>> rows(PartitionGauge gauge, Map<TopicPartition, Partition> hosted) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        Map<String, Double> sums = new TreeMap<>();
        hosted.forEach((tp, partition) -> {
            boolean leader = partition.isLeader();
            if (gauge.leaderOnly() && !leader || gauge.followerOnly() && leader) {
                return;
            }
            if (partitionLevel) {
                rows.add(MultiGauge.Row.of(Tags.of("topic", tp.topic(), "partition", String.valueOf(tp.partition())), tp,
                        key -> replicas.partition(key).map(p -> gauge.value().applyAsDouble(p)).orElse(Double.NaN)));
            } else {
                sums.merge(tp.topic(), gauge.value().applyAsDouble(partition), Double::sum);
            }
        });
        sums.forEach((topic, sum) -> rows.add(MultiGauge.Row.of(Tags.of("topic", topic), sum)));
        return rows;
    }

    private List<MultiGauge.Row<?>> groupRows(List<ConsumerGroupMetricsSource.GroupPartitionLag> lags) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        if (partitionLevel) {
            for (ConsumerGroupMetricsSource.GroupPartitionLag lag : lags) {
                rows.add(MultiGauge.Row.of(Tags.of("group", lag.group(), "topic", lag.topic(), "partition",
                        String.valueOf(lag.partition())), lag.lag()));
            }
            return rows;
        }
        Map<List<String>, Long> summed = new TreeMap<>((a, b) -> a.get(0).equals(b.get(0))
                ? a.get(1).compareTo(b.get(1)) : a.get(0).compareTo(b.get(0)));
        lags.forEach(lag -> summed.merge(List.of(lag.group(), lag.topic()), lag.lag(), Long::sum));
        summed.forEach((key, lag) -> rows.add(MultiGauge.Row.of(Tags.of("group", key.get(0), "topic", key.get(1)), lag)));
        return rows;
    }
}
