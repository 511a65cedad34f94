package io.runnel.replication;

import io.runnel.common.TopicPartition;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * The broker's traffic counters, per topic and for all topics together: Kafka's BrokerTopicMetrics
 * (BytesInPerSec, BytesOutPerSec, MessagesInPerSec, Total/FailedProduceRequestsPerSec,
 * Total/FailedFetchRequestsPerSec) and the replication byte counters, kept as plain monotonic counts;
 * the node publishes them as Prometheus counters, whose {@code rate()} is the per-second figure.
 *
 * <p>Client traffic only: what followers fetch and append counts as replication bytes, as in Kafka.
 * A request counts once per partition it names (Kafka's "requests" here are partition-requests).
 *
 * <p>Bounds: the per-topic map holds only topics this broker hosts a replica of (a topic enters it with
 * the first request for one of its partitions hosted here); traffic for any other topic (unknown, or
 * with no replica here) counts in the all-topics counters only, so a client naming random topics cannot
 * grow it. {@link #retainTopics} drops topics the broker no longer hosts
 * (the node calls it before each scrape).
 *
 * <p>Thread-safe: counters are {@link LongAdder}s updated by request threads without locks.
 */
public final class BrokerTopicStats {

    /** One set of counters (a topic's, or all topics'). */
    public static final class Counters {
        final LongAdder bytesIn = new LongAdder();
        final LongAdder bytesOut = new LongAdder();
        final LongAdder messagesIn = new LongAdder();
        final LongAdder produceRequests = new LongAdder();
        final LongAdder failedProduceRequests = new LongAdder();
        final LongAdder fetchRequests = new LongAdder();
        final LongAdder failedFetchRequests = new LongAdder();

        public long bytesIn() {
            return bytesIn.sum();
        }

        public long bytesOut() {
            return bytesOut.sum();
        }

        public long messagesIn() {
            return messagesIn.sum();
        }

        public long produceRequests() {
            return produceRequests.sum();
        }

        public long failedProduceRequests() {
            return failedProduceRequests.sum();
        }

        public long fetchRequests() {
            return fetchRequests.sum();
        }

        public long failedFetchRequests() {
            return failedFetchRequests.sum();
        }
    }

    /** Whether this broker hosts a replica of a partition (the per-topic map's bound); must be O(1). */
    private final Predicate<TopicPartition> hosted;
    private final Counters allTopics = new Counters();
    private final ConcurrentHashMap<String, Counters> topics = new ConcurrentHashMap<>();
    private final LongAdder replicationBytesIn = new LongAdder();
    private final LongAdder replicationBytesOut = new LongAdder();

    public BrokerTopicStats(Predicate<TopicPartition> hosted) {
        this.hosted = hosted;
    }

    /** A partition-request of a produce: its outcome, and what was appended when it succeeded. */
    public void recordProduce(TopicPartition tp, boolean failed, long bytes, long messages) {
        record(allTopics, failed, bytes, messages);
        Counters counters = countersOf(tp);
        if (counters != null) {
            record(counters, failed, bytes, messages);
        }
    }

    private static void record(Counters counters, boolean failed, long bytes, long messages) {
        counters.produceRequests.increment();
        if (failed) {
            counters.failedProduceRequests.increment();
        } else {
            counters.bytesIn.add(bytes);
            counters.messagesIn.add(messages);
        }
    }

    /** A partition-request of a consumer fetch, as answered: its outcome and the record bytes sent. */
    public void recordFetch(TopicPartition tp, boolean failed, long bytes) {
        record(allTopics, failed, bytes);
        Counters counters = countersOf(tp);
        if (counters != null) {
            record(counters, failed, bytes);
        }
    }

    private static void record(Counters counters, boolean failed, long bytes) {
        counters.fetchRequests.increment();
        if (failed) {
            counters.failedFetchRequests.increment();
        } else {
            counters.bytesOut.add(bytes);
        }
    }

    /** Record bytes a follower of this broker's partitions was sent. */
    public void recordReplicationBytesOut(long bytes) {
        replicationBytesOut.add(bytes);
    }

    /** Record bytes this broker received as a follower. */
    public void recordReplicationBytesIn(long bytes) {
        replicationBytesIn.add(bytes);
    }

    private Counters countersOf(TopicPartition tp) {
        Counters counters = topics.get(tp.topic());
        if (counters != null || !hosted.test(tp)) {
            return counters;
        }
        return topics.computeIfAbsent(tp.topic(), t -> new Counters());
    }

    public Counters allTopics() {
        return allTopics;
    }

    /** The per-topic counters so far (a snapshot of the map; the counters themselves are live). */
    public Map<String, Counters> topics() {
        return Map.copyOf(topics);
    }

    /** Forgets the counters of topics this broker no longer hosts (deleted, or moved away). */
    public void retainTopics(Set<String> hostedTopics) {
        topics.keySet().retainAll(hostedTopics);
    }

    public long replicationBytesIn() {
        return replicationBytesIn.sum();
    }

    public long replicationBytesOut() {
        return replicationBytesOut.sum();
    }
}
