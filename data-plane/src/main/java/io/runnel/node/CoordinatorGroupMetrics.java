package io.runnel.node;

import io.runnel.group.GroupCoordinator;
import io.runnel.replication.Partition;
import io.runnel.replication.ReplicaManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The group coordinator as the metrics' {@link ConsumerGroupMetricsSource}: the groups this broker coordinates,
 * and each committed offset's lag behind the high watermark of its partition.
 *
 * <p>Lag is known only for partitions this broker hosts (as leader, or as a follower whose high watermark
 * trails the leader's by a fetch); a committed offset on a partition hosted elsewhere has no row here
 * (docs/metrics.md). Each scrape asks the coordinator's event thread for a snapshot and waits at most
 * {@value #SNAPSHOT_WAIT_MS} ms for it; a busier coordinator leaves the previous snapshot in place.
 *
 * <p>Thread-safe: called on the scrape thread; the last snapshot is a volatile field.
 */
final class CoordinatorGroupMetrics implements ConsumerGroupMetricsSource {

    static final long SNAPSHOT_WAIT_MS = 1_000;

    private final GroupCoordinator coordinator;
    private final ReplicaManager replicas;
    private volatile GroupCoordinator.GroupStats last = GroupCoordinator.GroupStats.EMPTY;

    CoordinatorGroupMetrics(GroupCoordinator coordinator, ReplicaManager replicas) {
        this.coordinator = coordinator;
        this.replicas = replicas;
    }

    private GroupCoordinator.GroupStats snapshot() {
        try {
            last = coordinator.stats().get(SNAPSHOT_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Keep the previous snapshot: a gauge a second old beats a scrape that hangs.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return last;
    }

    @Override
    public int groupCount() {
        return last.groupCount();
    }

    @Override
    public List<GroupPartitionLag> lags() {
        // The scrape refreshes lags first (BrokerMetrics.refresh), so the count read after it is of the same snapshot.
        GroupCoordinator.GroupStats stats = snapshot();
        List<GroupPartitionLag> lags = new ArrayList<>(stats.committed().size());
        for (GroupCoordinator.CommittedPosition position : stats.committed()) {
            Optional<Partition> partition = replicas.partition(position.partition());
            if (partition.isPresent()) {
                long lag = Math.max(0, partition.get().highWatermark() - position.offset());
                lags.add(new GroupPartitionLag(position.groupId(), position.partition().topic(),
                        position.partition().partition(), lag));
            }
        }
        return lags;
    }
}
