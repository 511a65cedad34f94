package io.runnel.node;

import java.util.List;

/**
 * What the group coordinator tells the metrics about the groups this broker coordinates: how many there
 * are (Kafka's NumGroups) and, per group and partition, how far the group's committed offset is behind
 * the partition's high watermark (what kafka-exporter publishes as consumer group lag).
 *
 * <p>{@link BrokerMetrics#bindConsumerGroups} publishes a source as {@code runnel_group_count} and
 * {@code runnel_group_lag}; a broker binds its group coordinator ({@link CoordinatorGroupMetrics}).
 *
 * <p>Implementations are called on the scrape thread and must be thread-safe and quick (no I/O).
 */
public interface ConsumerGroupMetricsSource {

    /** One group's lag on one partition, in records (high watermark minus committed offset, at least 0). */
    record GroupPartitionLag(String group, String topic, int partition, long lag) {
    }

    /** Groups this broker coordinates. */
    int groupCount();

    /** Lag of every (group, partition) with a committed offset, of the groups this broker coordinates. */
    List<GroupPartitionLag> lags();
}
