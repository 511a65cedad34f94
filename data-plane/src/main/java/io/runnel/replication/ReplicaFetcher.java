package io.runnel.replication;

import io.runnel.common.TopicPartition;
import io.runnel.common.time.Time;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReplicaFetchPartition;
import io.runnel.proto.ReplicaFetchPartitionResponse;
import io.runnel.proto.ReplicaFetchRequest;
import io.runnel.proto.ReplicaFetchResponse;
import io.runnel.proto.ReplicaFetchTopic;
import io.runnel.proto.ReplicaFetchTopicResponse;
import io.runnel.replication.core.FollowerFetch;
import io.runnel.replication.core.FollowerStep;
import io.runnel.storage.StorageException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fetcher thread: pulls every partition this broker follows from one leader broker (of those hashed
 * to this fetcher) over one stream, one fetch at a time, and hands each partition's answer to its
 * {@link Partition} (append, truncate, reset). The leader holds a fetch that finds nothing new for up to
 * {@code replica.fetch.wait.max.ms}, and answers early when records arrive, so the loop never polls.
 *
 * <p>Threads: the partition set is concurrent (the metadata thread adds and removes partitions); the
 * stream, the lease token and the backoffs are owned by the fetcher thread.
 */
final class ReplicaFetcher implements Runnable {

    /** The follower's replication throttle (follower.replication.throttled.*). */
    interface Throttle {
        /** True when {@code tp} is throttled and the throttled rate is used up: leave it out of this fetch. */
        boolean skip(TopicPartition tp);

        /** Bytes received for {@code tp} (every answer): replication bytes in, and against the throttle if throttled. */
        void record(TopicPartition tp, int bytes);

        Throttle NONE = new Throttle() {
            @Override
            public boolean skip(TopicPartition tp) {
                return false;
            }

            @Override
            public void record(TopicPartition tp, int bytes) {
            }
        };
    }

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaFetcher.class);
    /** Longest idle wait when no partition is assigned, so that close() is noticed. */
    private static final long IDLE_WAIT_MS = 500;

    private final int brokerId;
    private final int leaderId;
    private final String name;
    private final ReplicationConfig config;
    private final LeaderChannels channels;
    private final LongSupplier brokerEpoch;
    private final Time time;
    private final Throttle throttle;
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    /** Fetcher thread only: partitions that must wait before their next fetch, until this time (ms). */
    private final Map<TopicPartition, Long> backoffUntilMs = new HashMap<>();
    private final Object wakeup = new Object();
    private volatile boolean running = true;
    private Thread thread;
    /** Fetcher thread only. */
    private LeaderChannels.LeaderChannel channel;
    private Long leaseToken;

    ReplicaFetcher(int brokerId, int leaderId, int fetcherId, ReplicationConfig config, LeaderChannels channels,
                   LongSupplier brokerEpoch, Time time, Throttle throttle) {
        this.brokerId = brokerId;
        this.leaderId = leaderId;
        this.name = "replica-fetcher-" + brokerId + "-from-" + leaderId + "-" + fetcherId;
        this.config = config;
        this.channels = channels;
        this.brokerEpoch = brokerEpoch;
        this.time = time;
        this.throttle = throttle;
    }

    void start() {
        thread = new Thread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    void add(Partition partition) {
        partitions.put(partition.topicPartition(), partition);
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
    }

    void remove(TopicPartition tp) {
        partitions.remove(tp);
    }

    boolean isEmpty() {
        return partitions.isEmpty();
    }

    int size() {
        return partitions.size();
    }

    void shutdown() {
        running = false;
        synchronized (wakeup) {
            wakeup.notifyAll();
        }
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeChannel();
    }

    @Override
    public void run() {
        while (running) {
            try {
                fetchOnce();
            } catch (InterruptedException e) {
                if (!running) {
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warn("{}: fetch from broker {} failed: {}", name, leaderId, e.toString());
                closeChannel();
                pause(config.fetchBackoffMs());
            }
        }
    }

    private void fetchOnce() throws InterruptedException {
        Map<TopicPartition, FollowerFetch> sent = new LinkedHashMap<>();
        ReplicaFetchRequest request = buildRequest(sent);
        if (sent.isEmpty()) {
            waitForWork();
            return;
        }
        if (channel == null) {
            channel = channels.open(leaderId);
            leaseToken = null;
        }
        ReplicaFetchResponse response;
        try {
            response = channel.fetch(request).get(config.fetchWaitMaxMs() + config.socketTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            if (running) {
                LOG.info("{}: fetch from broker {} failed ({}); reconnecting after {} ms", name, leaderId,
                        cause.getMessage(), config.fetchBackoffMs());
            }
            closeChannel();
            pause(config.fetchBackoffMs());
            return;
        }
        leaseToken = response.getLeaseToken();
        if (response.getError() != ErrorCode.NONE) {
            LOG.warn("{}: broker {} refused the fetch: {} {}", name, leaderId, response.getError(), response.getErrorMessage());
            pause(config.fetchBackoffMs());
            return;
        }
        handle(response, sent);
    }

    private ReplicaFetchRequest buildRequest(Map<TopicPartition, FollowerFetch> sent) {
        long now = nowMs();
        Map<String, ReplicaFetchTopic.Builder> topics = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Partition> entry : partitions.entrySet()) {
            TopicPartition tp = entry.getKey();
            Long until = backoffUntilMs.get(tp);
            if (until != null && until > now || throttle.skip(tp)) {
                continue;
            }
            FollowerFetch fetch = entry.getValue().nextFetch(leaderId);
            if (fetch == null) {
                continue; // it no longer follows this leader: the manager moves or drops it
            }
            sent.put(tp, fetch);
            topics.computeIfAbsent(tp.topic(), t -> ReplicaFetchTopic.newBuilder().setTopic(t))
                    .addPartitions(ReplicaFetchPartition.newBuilder().setPartition(tp.partition())
                            .setCurrentLeaderEpoch(fetch.leaderEpoch()).setFetchOffset(fetch.fetchOffset())
                            .setLastFetchedEpoch(fetch.lastFetchedEpoch()).setLogStartOffset(fetch.logStartOffset())
                            .setPartitionMaxBytes(config.fetchMaxBytes()).setEstablishedEpoch(fetch.establishedEpoch()));
        }
        ReplicaFetchRequest.Builder request = ReplicaFetchRequest.newBuilder().setReplicaId(brokerId)
                .setBrokerEpoch(brokerEpoch.getAsLong()).setMaxWaitMs(config.fetchWaitMaxMs())
                .setMinBytes(config.fetchMinBytes()).setMaxBytes(config.fetchResponseMaxBytes());
        if (leaseToken != null) {
            request.setLeaseToken(leaseToken);
        }
        topics.values().forEach(request::addTopics);
        return request.build();
    }

    private void handle(ReplicaFetchResponse response, Map<TopicPartition, FollowerFetch> sent) {
        for (ReplicaFetchTopicResponse topic : response.getTopicsList()) {
            for (ReplicaFetchPartitionResponse answer : topic.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(topic.getTopic(), answer.getPartition());
                Partition partition = partitions.get(tp);
                FollowerFetch fetch = sent.get(tp);
                if (partition == null || fetch == null) {
                    continue;
                }
                try {
                    throttle.record(tp, answer.getRecords().size());
                    FollowerStep step = partition.onFetchAnswer(fetch, answer);
                    if (step.kind() == FollowerStep.Kind.RETRY_LATER) {
                        backoffUntilMs.put(tp, nowMs() + config.fetchBackoffMs());
                        LOG.debug("{}: {} from broker {}: {}", name, tp, leaderId, step.reason());
                    } else {
                        backoffUntilMs.remove(tp);
                        if (step.kind() == FollowerStep.Kind.TRUNCATE || step.kind() == FollowerStep.Kind.RESET) {
                            LOG.info("{}: {} {} to offset {}: {}", name, tp, step.kind() == FollowerStep.Kind.TRUNCATE
                                    ? "truncated" : "restarted empty", step.offset(), step.reason());
                        }
                    }
                } catch (StorageException e) {
                    // The log is offline (an I/O failure fenced it): stop fetching it until the broker restarts.
                    LOG.error("{}: {} cannot store what broker {} sent; no longer fetching it", name, tp, leaderId, e);
                    partitions.remove(tp);
                } catch (RuntimeException e) {
                    // A batch the log refuses (corrupt, or not where it must be): fetch again after a pause.
                    LOG.warn("{}: {} from broker {}: {}", name, tp, leaderId, e.toString());
                    backoffUntilMs.put(tp, nowMs() + config.fetchBackoffMs());
                }
            }
        }
        backoffUntilMs.keySet().retainAll(partitions.keySet());
    }

    private void waitForWork() throws InterruptedException {
        long wait = IDLE_WAIT_MS;
        long now = nowMs();
        for (Long until : backoffUntilMs.values()) {
            wait = Math.max(1, Math.min(wait, until - now));
        }
        synchronized (wakeup) {
            if (running) {
                wakeup.wait(wait);
            }
        }
    }

    private void pause(long ms) {
        synchronized (wakeup) {
            try {
                if (running) {
                    wakeup.wait(ms);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeChannel() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    private long nowMs() {
        return TimeUnit.NANOSECONDS.toMillis(time.nanoseconds());
    }

    @Override
    public String toString() {
        return name + " (" + partitions.size() + " partitions)";
    }
}
