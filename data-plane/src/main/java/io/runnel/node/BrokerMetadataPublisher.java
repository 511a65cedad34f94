package io.runnel.node;

import io.runnel.common.TopicPartition;
import io.runnel.metadata.client.MetadataPublisher;
import io.runnel.metadata.image.ConfigResourceKey;
import io.runnel.metadata.image.LocalReplicaChanges;
import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.ResourceType;
import io.runnel.replication.ReplicaManager;
import io.runnel.rpc.TopicConfigResolver;
import io.runnel.storage.LogManager;
import io.runnel.storage.PartitionLog;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the broker act on each metadata change: leads, follows, creates and deletes replicas as the
 * image assigns them, applies topic config changes to the logs, and on the first complete image deletes
 * logs on disk that belong to no topic of the cluster any more (deleted while the broker was down).
 * Updates arrive on the metadata loader's single thread; {@link #publishedImage()} and
 * {@link #awaitPublished(long)} may be called from any thread.
 */
public final class BrokerMetadataPublisher implements MetadataPublisher {

    private static final Logger log = LoggerFactory.getLogger(BrokerMetadataPublisher.class);

    private final int brokerId;
    private final ReplicaManager replicaManager;
    private final LogManager logManager;
    private final TopicConfigResolver topicConfigs;
    private final BooleanSupplier caughtUp;
    private boolean strayLogsChecked;
    private volatile MetadataImage published = MetadataImage.EMPTY;
    private final PriorityQueue<Waiter> waiters = new PriorityQueue<>(java.util.Comparator.comparingLong(Waiter::offset));

    private record Waiter(long offset, CompletableFuture<MetadataImage> future) {
    }

    /**
     * @param caughtUp whether the loader has applied the metadata log up to the controller's committed
     *                 offset as of its subscription; stray logs are judged only against such an image,
     *                 never against a partial one that merely has not replayed a topic yet
     */
    public BrokerMetadataPublisher(int brokerId, ReplicaManager replicaManager, LogManager logManager,
                                   TopicConfigResolver topicConfigs, BooleanSupplier caughtUp) {
        this.caughtUp = caughtUp;
        this.brokerId = brokerId;
        this.replicaManager = replicaManager;
        this.logManager = logManager;
        this.topicConfigs = topicConfigs;
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        if (delta.base() == MetadataImage.EMPTY && published.offset() >= 0) {
            // A snapshot replaced the image (this broker fell far behind): topics deleted meanwhile appear
            // in no delta, so judge the logs on disk again once caught up.
            strayLogsChecked = false;
        }
        if (!strayLogsChecked && caughtUp.getAsBoolean()) {
            deleteStrayLogs(newImage);
            strayLogsChecked = true;
        }
        if (delta.topicsDelta() != null) {
            LocalReplicaChanges changes = delta.topicsDelta().localChanges(brokerId);
            replicaManager.applyDelta(changes, newImage, topic -> topicConfigs.logConfig(newImage, topic));
        } else {
            replicaManager.updateImage(newImage);
        }
        if (delta.configsDelta() != null) {
            applyConfigChanges(delta, newImage);
        }
        published = newImage;
        completeWaiters();
    }

    /**
     * The newest image whose changes the broker has acted on (replicas created, configs applied).
     * RPCs read this one rather than the loader's, so a client never sees a topic in metadata before
     * its partitions are being served.
     */
    public MetadataImage publishedImage() {
        return published;
    }

    /** Completes once the broker has acted on the metadata log up to {@code offset}. Thread-safe. */
    public CompletableFuture<MetadataImage> awaitPublished(long offset) {
        CompletableFuture<MetadataImage> future = new CompletableFuture<>();
        synchronized (waiters) {
            if (published.offset() >= offset) {
                future.complete(published);
            } else {
                waiters.add(new Waiter(offset, future));
            }
        }
        return future;
    }

    private void completeWaiters() {
        synchronized (waiters) {
            while (!waiters.isEmpty() && waiters.peek().offset() <= published.offset()) {
                waiters.poll().future().complete(published);
            }
        }
    }

    private void applyConfigChanges(MetadataDelta delta, MetadataImage newImage) {
        for (ConfigResourceKey resource : delta.configsDelta().changedResources()) {
            if (resource.type() == ResourceType.TOPIC) {
                if (newImage.topics().getTopic(resource.name()) != null) {
                    replicaManager.updateLogConfig(resource.name(), topicConfigs.logConfig(newImage, resource.name()));
                }
            } else if (resource.type() == ResourceType.BROKER && resource.name().isEmpty()) {
                // A cluster-wide default changed: every topic without its own override may be affected.
                for (String topic : newImage.topics().topicsByName().keySet()) {
                    replicaManager.updateLogConfig(topic, topicConfigs.logConfig(newImage, topic));
                }
            }
        }
    }

    private void deleteStrayLogs(MetadataImage image) {
        List<PartitionLog> logs = List.copyOf(logManager.allLogs());
        for (PartitionLog partitionLog : logs) {
            TopicPartition tp = partitionLog.topicPartition();
            TopicImage topic = image.topics().getTopic(tp.topic());
            boolean stray = topic == null
                    || !topic.id().equals(partitionLog.topicId())
                    || topic.partition(tp.partition()) == null
                    || !topic.partition(tp.partition()).hasReplica(brokerId);
            if (stray) {
                log.info("Deleting stray log {} (topic id {}): the cluster no longer assigns it to broker {}",
                        tp, partitionLog.topicId(), brokerId);
                replicaManager.deleteReplica(tp);
            }
        }
    }
}
