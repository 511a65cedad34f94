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
import io.runnel.storage.LogConfig;
import io.runnel.storage.LogManager;
import io.runnel.storage.PartitionLog;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the broker act on each metadata change: leads, follows, creates and deletes replicas as the
 * image assigns them, applies topic config changes to the logs, and on the first complete image deletes
 * logs on disk that belong to no topic of the cluster any more (deleted while the broker was down).
 * Called on the metadata loader's single thread, before the loader publishes the new image, so
 * readers of the loader's image see only changes the broker already serves. Not thread-safe.
 */
public final class BrokerMetadataPublisher implements MetadataPublisher {

    private static final Logger log = LoggerFactory.getLogger(BrokerMetadataPublisher.class);

    private final int brokerId;
    private final ReplicaManager replicaManager;
    private final LogManager logManager;
    private final TopicConfigResolver topicConfigs;
    private final LongSupplier committedOffset;
    private boolean strayLogsChecked;
    private boolean seenImage;

    /**
     * @param committedOffset the controller's committed offset as the loader last heard it (-1: none yet);
     *                        stray logs are judged only against an image that reached it, never against a
     *                        partial one that merely has not replayed a topic yet
     */
    public BrokerMetadataPublisher(int brokerId, ReplicaManager replicaManager, LogManager logManager,
                                   TopicConfigResolver topicConfigs, LongSupplier committedOffset) {
        this.committedOffset = committedOffset;
        this.brokerId = brokerId;
        this.replicaManager = replicaManager;
        this.logManager = logManager;
        this.topicConfigs = topicConfigs;
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        if (delta.base() == MetadataImage.EMPTY && seenImage) {
            // A snapshot replaced the image (this broker fell far behind): topics deleted meanwhile appear
            // in no delta, so judge the logs on disk again once caught up.
            strayLogsChecked = false;
        }
        long committed = committedOffset.getAsLong();
        if (!strayLogsChecked && committed >= 0 && newImage.offset() >= committed) {
            deleteStrayLogs(newImage);
            strayLogsChecked = true;
        }
        // Every delta goes to the replica manager, topics changed or not: one that only registers this broker
        // is the one that lets it act on its partition roles (ReplicaManager.applyDelta).
        LocalReplicaChanges changes = delta.topicsDelta() != null ? delta.topicsDelta().localChanges(brokerId)
                : new LocalReplicaChanges(Map.of(), Map.of(), java.util.Set.of());
        // Resolved once per topic of this change, not once per partition (a topic may bring thousands).
        Map<String, LogConfig> logConfigs = new ConcurrentHashMap<>();
        replicaManager.applyDelta(changes, newImage,
                topic -> logConfigs.computeIfAbsent(topic, name -> topicConfigs.logConfig(newImage, name)));
        if (delta.configsDelta() != null) {
            applyConfigChanges(delta, newImage);
        }
        seenImage = true;
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
