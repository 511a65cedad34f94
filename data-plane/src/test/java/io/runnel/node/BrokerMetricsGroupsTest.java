package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.common.time.Time;
import io.runnel.replication.ReplicaManager;
import io.runnel.storage.LogConfig;
import io.runnel.storage.LogManager;
import io.runnel.storage.LogManagerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer group series a broker publishes from its group coordinator (docs/metrics.md, "Consumer
 * groups"): the group count, and the lag per group, topic and partition, or per group and topic
 * (summed) without {@code metrics.partition.level}; a lag the coordinator no longer reports is no longer
 * served. No coordinator exists yet (issue 13), so a fixed source stands in for it.
 */
class BrokerMetricsGroupsTest {

    @TempDir
    Path dir;

    private ScheduledExecutorService scheduler;
    private LogManager logManager;
    private ReplicaManager replicas;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** What the stand-in coordinator reports; the test thread changes it between refreshes. */
    private volatile List<ConsumerGroupMetricsSource.GroupPartitionLag> lags = List.of(
            new ConsumerGroupMetricsSource.GroupPartitionLag("billing", "orders", 0, 5),
            new ConsumerGroupMetricsSource.GroupPartitionLag("billing", "orders", 1, 7),
            new ConsumerGroupMetricsSource.GroupPartitionLag("audit", "orders", 0, 11));

    private final ConsumerGroupMetricsSource source = new ConsumerGroupMetricsSource() {
        @Override
        public int groupCount() {
            return 2;
        }

        @Override
        public List<GroupPartitionLag> lags() {
            return lags;
        }
    };

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        logManager = new LogManager(LogManagerConfig.of(List.of(dir)), tp -> LogConfig.defaults(), scheduler, Time.SYSTEM);
        logManager.startup();
        replicas = new ReplicaManager(1, logManager);
    }

    @AfterEach
    void stop() {
        replicas.close();
        logManager.shutdown();
        scheduler.shutdownNow();
    }

    private BrokerMetrics metrics(boolean partitionLevel) {
        BrokerMetrics metrics = new BrokerMetrics(registry, replicas, partitionLevel);
        metrics.bindConsumerGroups(source);
        metrics.refresh();
        return metrics;
    }

    /** Every runnel.group.lag row, keyed by its tags as "group/topic[/partition]". */
    private Map<String, Double> lagRows() {
        Map<String, Double> rows = new TreeMap<>();
        for (Gauge gauge : registry.find("runnel.group.lag").gauges()) {
            String partition = gauge.getId().getTag("partition");
            rows.put(gauge.getId().getTag("group") + "/" + gauge.getId().getTag("topic") + (partition == null ? "" : "/" + partition),
                    gauge.value());
        }
        return rows;
    }

    @Test
    void lagIsServedPerGroupAndPartitionAndFollowsTheCoordinator() {
        BrokerMetrics metrics = metrics(true);

        assertThat(registry.get("runnel.group.count").gauge().value()).isEqualTo(2.0);
        assertThat(lagRows()).isEqualTo(Map.of("audit/orders/0", 11.0, "billing/orders/0", 5.0, "billing/orders/1", 7.0));

        lags = List.of(new ConsumerGroupMetricsSource.GroupPartitionLag("billing", "orders", 1, 3));
        metrics.refresh();
        assertThat(lagRows()).isEqualTo(Map.of("billing/orders/1", 3.0));
    }

    @Test
    void withoutPartitionLevelTheLagIsSummedPerGroupAndTopic() {
        metrics(false);

        assertThat(lagRows()).isEqualTo(Map.of("audit/orders", 11.0, "billing/orders", 12.0));
    }
}
