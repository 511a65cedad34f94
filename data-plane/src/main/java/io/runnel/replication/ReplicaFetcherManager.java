package io.runnel.replication;

import io.runnel.common.TopicPartition;
import io.runnel.common.time.Time;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The follower side of replication: one {@link ReplicaFetcher} thread per (leader broker, fetcher id),
 * {@code num.replica.fetchers} of them per leader at most, each partition hashed to one. A partition
 * that becomes a follower is added to its leader's fetcher; one that becomes leader, or leaves this
 * broker, is removed. A fetcher left without partitions stops.
 *
 * <p>Thread-safe: the metadata thread changes assignments under this object's monitor; the fetchers run
 * on their own threads.
 */
public final class ReplicaFetcherManager implements AutoCloseable {

    private record FetcherKey(int leaderId, int fetcherId) {
    }

    private final int brokerId;
    private final ReplicationConfig config;
    private final LeaderChannels channels;
    private final LongSupplier brokerEpoch;
    private final Time time;
    private final ReplicaFetcher.Throttle throttle;
    private final Map<FetcherKey, ReplicaFetcher> fetchers = new HashMap<>();
    private final Map<TopicPartition, FetcherKey> assignment = new HashMap<>();
    private boolean closed;

    public ReplicaFetcherManager(int brokerId, ReplicationConfig config, LeaderChannels channels, LongSupplier brokerEpoch,
                                 Time time, ReplicaFetcher.Throttle throttle) {
        this.brokerId = brokerId;
        this.config = config;
        this.channels = channels;
        this.brokerEpoch = brokerEpoch;
        this.time = time;
        this.throttle = throttle;
    }

    /** Fetches {@code partition} from {@code leaderId} from now on (moving it from any other leader's fetcher). */
    public synchronized void follow(Partition partition, int leaderId) {
        if (closed) {
            return;
        }
        TopicPartition tp = partition.topicPartition();
        FetcherKey key = new FetcherKey(leaderId, Math.floorMod(tp.hashCode(), Math.max(1, config.numFetchers())));
        FetcherKey previous = assignment.put(tp, key);
        if (previous != null && !previous.equals(key)) {
            detach(tp, previous);
        }
        fetchers.computeIfAbsent(key, k -> {
            ReplicaFetcher fetcher = new ReplicaFetcher(brokerId, k.leaderId(), k.fetcherId(), config, channels, brokerEpoch,
                    time, throttle);
            fetcher.start();
            return fetcher;
        }).add(partition);
    }

    /** Stops fetching {@code tp} (it leads now, has no leader, or left this broker). */
    public synchronized void unfollow(TopicPartition tp) {
        FetcherKey key = assignment.remove(tp);
        if (key != null) {
            detach(tp, key);
        }
    }

    private void detach(TopicPartition tp, FetcherKey key) {
        ReplicaFetcher fetcher = fetchers.get(key);
        if (fetcher != null) {
            fetcher.remove(tp);
            if (fetcher.isEmpty()) {
                fetchers.remove(key);
                fetcher.shutdown();
            }
        }
    }

    /** The running fetchers (for metrics and tests). */
    public synchronized int fetcherCount() {
        return fetchers.size();
    }

    /** Partitions being fetched. */
    public synchronized int partitionCount() {
        return assignment.size();
    }

    @Override
    public void close() {
        List<ReplicaFetcher> stopping;
        synchronized (this) {
            closed = true;
            stopping = List.copyOf(fetchers.values());
            fetchers.clear();
            assignment.clear();
        }
        stopping.forEach(ReplicaFetcher::shutdown);
    }
}
