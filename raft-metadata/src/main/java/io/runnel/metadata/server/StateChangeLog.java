package io.runnel.metadata.server;

import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.metadata.ratis.CommittedBatch;
import io.runnel.metadata.ratis.MetadataStateMachine;
import io.runnel.proto.metadata.BrokerRegistrationChangeRecord;
import io.runnel.proto.metadata.MetadataBatch;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One log line per significant cluster state change, with the ids involved, written by the controller
 * that decided it when it applies the batch (so each change is logged once in the cluster, whichever
 * controller is active): broker registered, fenced, unfenced, in controlled shutdown, unregistered;
 * topic created or deleted; partition leader elected (or lost), ISR changed, replicas changed. Each line
 * also carries its fields as SLF4J key-value pairs ({@code event}, {@code broker}, {@code topic},
 * {@code partition}, {@code leader}, {@code leader_epoch}, {@code isr}, {@code offset}), which the JSON
 * log format prints as fields (docs/operations.md).
 *
 * <p>Bound: at most {@value #PARTITION_LINES_MAX} partition lines per batch at INFO (a broker failure in a
 * large cluster changes many partitions in one batch); the rest go to DEBUG, with one INFO line counting them.
 *
 * <p>Logger name {@code io.runnel.metadata.server.StateChangeLog}, so a log pipeline can route these lines.
 * Thread-safety: called on the Ratis apply thread only, which owns {@link #previous}. {@link #describe} is
 * a pure function of two images and a batch.
 */
final class StateChangeLog implements MetadataStateMachine.ApplyListener {

    private static final Logger LOG = LoggerFactory.getLogger(StateChangeLog.class);
    static final int PARTITION_LINES_MAX = 100;

    /** One change: what kind ({@code event}), a sentence for people, and the ids as key-value pairs. */
    record StateChange(String event, String message, Map<String, Object> fields, boolean partitionLevel) {
    }

    private final int nodeId;
    /** Apply thread only: the image before the batch being applied. */
    private MetadataImage previous = MetadataImage.EMPTY;

    StateChangeLog(int nodeId) {
        this.nodeId = nodeId;
    }

    @Override
    public void onApplied(CommittedBatch batch, MetadataImage image) {
        MetadataImage before = previous;
        previous = image;
        if (batch.batch().getControllerId() != nodeId) {
            return;
        }
        int partitionLines = 0;
        int partitionLinesSkipped = 0;
        for (StateChange change : describe(before, image, batch.batch())) {
            boolean info = !change.partitionLevel() || partitionLines++ < PARTITION_LINES_MAX;
            if (!info) {
                partitionLinesSkipped++;
            }
            LoggingEventBuilder line = info ? LOG.atInfo() : LOG.atDebug();
            line = line.addKeyValue("event", change.event());
            for (Map.Entry<String, Object> field : change.fields().entrySet()) {
                line = line.addKeyValue(field.getKey(), field.getValue());
            }
            line.addKeyValue("offset", batch.offset()).log("{} (metadata offset {})", change.message(), batch.offset());
        }
        if (partitionLinesSkipped > 0) {
            LOG.atInfo().addKeyValue("event", "partition_changes_summarized").addKeyValue("offset", batch.offset())
                    .log("{} more partition changes at metadata offset {} (logged at DEBUG)", partitionLinesSkipped, batch.offset());
        }
    }

    @Override
    public void onReset(MetadataImage image) {
        previous = image;
    }

    /** The significant changes from {@code before} to {@code after} that {@code batch} made, in record order. */
    static List<StateChange> describe(MetadataImage before, MetadataImage after, MetadataBatch batch) {
        List<StateChange> changes = new ArrayList<>();
        Set<String> changedPartitions = new LinkedHashSet<>();
        Set<UUID> createdTopics = new LinkedHashSet<>();
        for (MetadataRecord record : batch.getRecordsList()) {
            switch (record.getRecordCase()) {
                case REGISTER_BROKER -> {
                    int id = record.getRegisterBroker().getBrokerId();
                    BrokerRegistration broker = after.cluster().broker(id);
                    changes.add(broker(id, "broker_registered", "broker " + id + " registered with epoch "
                            + record.getRegisterBroker().getBrokerEpoch()
                            + (broker != null && broker.rack().isPresent() ? " in rack " + broker.rack().get() : "")
                            + (record.getRegisterBroker().getFenced() ? " (fenced until caught up)" : "")));
                }
                case UNREGISTER_BROKER -> changes.add(broker(record.getUnregisterBroker().getBrokerId(), "broker_unregistered",
                        "broker " + record.getUnregisterBroker().getBrokerId() + " unregistered"));
                case FENCE_BROKER -> changes.add(broker(record.getFenceBroker().getBrokerId(), "broker_fenced",
                        "broker " + record.getFenceBroker().getBrokerId() + " fenced"));
                case UNFENCE_BROKER -> changes.add(broker(record.getUnfenceBroker().getBrokerId(), "broker_unfenced",
                        "broker " + record.getUnfenceBroker().getBrokerId() + " unfenced"));
                case BROKER_REGISTRATION_CHANGE -> registrationChange(record.getBrokerRegistrationChange(), changes);
                case TOPIC -> {
                    UUID id = UUID.fromString(record.getTopic().getTopicId());
                    createdTopics.add(id);
                    TopicImage topic = after.topics().getTopicById(id);
                    int partitions = topic == null ? 0 : topic.partitionCount();
                    int replicas = topic == null || topic.partitions().isEmpty() ? 0
                            : topic.partitions().values().iterator().next().replicas().size();
                    changes.add(new StateChange("topic_created", "topic " + record.getTopic().getName() + " created (id " + id
                            + ") with " + partitions + " partition(s) of " + replicas + " replica(s)",
                            fields("topic", record.getTopic().getName(), "topic_id", id.toString()), false));
                }
                case REMOVE_TOPIC -> {
                    UUID id = UUID.fromString(record.getRemoveTopic().getTopicId());
                    TopicImage topic = before.topics().getTopicById(id);
                    String name = topic == null ? id.toString() : topic.name();
                    changes.add(new StateChange("topic_deleted", "topic " + name + " deleted (id " + id + ")",
                            fields("topic", name, "topic_id", id.toString()), false));
                }
                case PARTITION -> {
                    UUID id = UUID.fromString(record.getPartition().getTopicId());
                    if (!createdTopics.contains(id)) {
                        changedPartitions.add(id + ":" + record.getPartition().getPartitionId());
                    }
                }
                case PARTITION_CHANGE -> changedPartitions.add(record.getPartitionChange().getTopicId() + ":"
                        + record.getPartitionChange().getPartitionId());
                default -> {
                }
            }
        }
        for (String key : changedPartitions) {
            int colon = key.lastIndexOf(':');
            partitionChange(before, after, UUID.fromString(key.substring(0, colon)), Integer.parseInt(key.substring(colon + 1)))
                    .ifPresent(changes::add);
        }
        return changes;
    }

    private static void registrationChange(BrokerRegistrationChangeRecord change, List<StateChange> changes) {
        int id = change.getBrokerId();
        if (change.hasFenced()) {
            changes.add(broker(id, change.getFenced() ? "broker_fenced" : "broker_unfenced",
                    "broker " + id + (change.getFenced() ? " fenced" : " unfenced")));
        }
        if (change.hasInControlledShutdown() && change.getInControlledShutdown()) {
            changes.add(broker(id, "broker_controlled_shutdown", "broker " + id + " began a controlled shutdown"));
        }
    }

    private static StateChange broker(int id, String event, String message) {
        return new StateChange(event, message, fields("broker", id), false);
    }

    /** One line for a partition whose leader, ISR or replicas differ between the two images; empty if none do. */
    private static java.util.Optional<StateChange> partitionChange(MetadataImage before, MetadataImage after, UUID topicId, int partition) {
        TopicImage topic = after.topics().getTopicById(topicId);
        PartitionRegistration now = topic == null ? null : topic.partition(partition);
        if (now == null) {
            return java.util.Optional.empty();
        }
        TopicImage oldTopic = before.topics().getTopicById(topicId);
        PartitionRegistration was = oldTopic == null ? null : oldTopic.partition(partition);
        String name = topic.name() + "-" + partition;
        Map<String, Object> fields = fields("topic", topic.name(), "partition", partition, "leader", now.leader(),
                "leader_epoch", now.leaderEpoch(), "isr", now.isr().toString());
        if (was == null) {
            return java.util.Optional.of(new StateChange("partition_created", "partition " + name + " created: replicas "
                    + now.replicas() + ", leader " + now.leader() + ", ISR " + now.isr(), fields, true));
        }
        if (was.leader() != now.leader()) {
            String event = now.hasLeader() ? "leader_elected" : "partition_offline";
            String leader = now.hasLeader() ? "leader " + was.leader() + " -> " + now.leader() + " at leader epoch " + now.leaderEpoch()
                    : "no leader (was " + was.leader() + ")";
            String isr = was.isr().equals(now.isr()) ? ", ISR " + now.isr() : ", ISR " + was.isr() + " -> " + now.isr();
            return java.util.Optional.of(new StateChange(event, "partition " + name + ": " + leader + isr, fields, true));
        }
        if (!was.isr().equals(now.isr())) {
            return java.util.Optional.of(new StateChange("isr_changed", "partition " + name + ": ISR " + was.isr() + " -> "
                    + now.isr() + " (leader " + now.leader() + ", leader epoch " + now.leaderEpoch() + ")", fields, true));
        }
        if (!was.replicas().equals(now.replicas()) || !was.addingReplicas().equals(now.addingReplicas())
                || !was.removingReplicas().equals(now.removingReplicas())) {
            return java.util.Optional.of(new StateChange("replicas_changed", "partition " + name + ": replicas " + was.replicas()
                    + " -> " + now.replicas() + (now.isReassigning() ? " (reassigning: adding " + now.addingReplicas()
                    + ", removing " + now.removingReplicas() + ")" : ""), fields, true));
        }
        return java.util.Optional.empty();
    }

    private static Map<String, Object> fields(Object... keyValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            fields.put((String) keyValues[i], keyValues[i + 1]);
        }
        return fields;
    }
}
