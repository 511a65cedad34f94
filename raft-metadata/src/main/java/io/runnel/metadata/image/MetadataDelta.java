package io.runnel.metadata.image;

import com.google.protobuf.TextFormat;
import io.runnel.proto.ResourceType;
import io.runnel.proto.metadata.ConfigRecord;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.ProducerIdsRecord;

/**
 * Records replayed, in log order, on top of a base {@link MetadataImage}; {@link #apply} turns them
 * into the next image. Pure and deterministic: no clock, no randomness, no I/O, so every controller
 * and broker builds the same image from the same records.
 *
 * <p>A record that breaks an invariant (a PartitionChange of an unknown topic, a leader outside the
 * ISR, a fencing record with a stale broker epoch, ...) is a programmer error of whoever wrote it:
 * {@link #replay} throws IllegalStateException naming the record, and the delta must be discarded.
 * Checks run before the record changes anything, so the delta is unchanged when replay throws.
 *
 * <p>Not thread-safe: one thread replays and applies.
 */
public final class MetadataDelta {

    private final MetadataImage base;
    private ClusterDelta clusterDelta;
    private TopicsDelta topicsDelta;
    private ConfigurationsDelta configsDelta;
    private Long nextProducerId;

    public MetadataDelta(MetadataImage base) {
        this.base = base;
    }

    public MetadataImage base() {
        return base;
    }

    /** Broker changes, or null if no broker record was replayed. */
    public ClusterDelta clusterDelta() {
        return clusterDelta;
    }

    /** Topic and partition changes, or null if no topic record was replayed. */
    public TopicsDelta topicsDelta() {
        return topicsDelta;
    }

    /** Dynamic-config changes, or null if no config changed. */
    public ConfigurationsDelta configsDelta() {
        return configsDelta;
    }

    /** Replays each record in order. */
    public void replayAll(Iterable<MetadataRecord> records) {
        for (MetadataRecord record : records) {
            replay(record);
        }
    }

    /** Replays one record; throws IllegalStateException naming it when it breaks an invariant. */
    public void replay(MetadataRecord record) {
        try {
            dispatch(record);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("cannot replay " + describe(record) + ": " + e.getMessage(), e);
        }
    }

    private void dispatch(MetadataRecord record) {
        switch (record.getRecordCase()) {
            case REGISTER_BROKER -> cluster().replay(record.getRegisterBroker());
            case UNREGISTER_BROKER -> cluster().replay(record.getUnregisterBroker());
            case FENCE_BROKER -> cluster().replay(record.getFenceBroker());
            case UNFENCE_BROKER -> cluster().replay(record.getUnfenceBroker());
            case BROKER_REGISTRATION_CHANGE -> cluster().replay(record.getBrokerRegistrationChange());
            case TOPIC -> topics().replay(record.getTopic());
            case PARTITION -> topics().replay(record.getPartition());
            case PARTITION_CHANGE -> topics().replay(record.getPartitionChange());
            case REMOVE_TOPIC -> {
                String name = topics().replay(record.getRemoveTopic());
                configs().deleteResource(ConfigResourceKey.topic(name));
            }
            case CONFIG -> replayConfig(record.getConfig());
            case PRODUCER_IDS -> replayProducerIds(record.getProducerIds());
            case NO_OP -> {
                // A new active controller's first entry: it changes nothing.
            }
            case RECORD_NOT_SET -> throw new IllegalStateException("the record is empty");
        }
    }

    private void replayConfig(ConfigRecord record) {
        if (record.getResourceType() == ResourceType.TOPIC && topicId(record.getResourceName()) == null) {
            throw new IllegalStateException("topic '" + record.getResourceName() + "' does not exist");
        }
        configs().replay(record);
    }

    private void replayProducerIds(ProducerIdsRecord record) {
        long current = nextProducerId != null ? nextProducerId : base.producerIds().nextProducerId();
        if (record.getNextProducerId() <= current) {
            throw new IllegalStateException("the next producer id " + record.getNextProducerId()
                    + " is not above the current " + current);
        }
        nextProducerId = record.getNextProducerId();
    }

    private java.util.UUID topicId(String name) {
        if (topicsDelta != null) {
            return topicsDelta.topicId(name);
        }
        TopicImage topic = base.topics().getTopic(name);
        return topic == null ? null : topic.id();
    }

    private ClusterDelta cluster() {
        if (clusterDelta == null) {
            clusterDelta = new ClusterDelta(base.cluster());
        }
        return clusterDelta;
    }

    private TopicsDelta topics() {
        if (topicsDelta == null) {
            topicsDelta = new TopicsDelta(base.topics());
        }
        return topicsDelta;
    }

    private ConfigurationsDelta configs() {
        if (configsDelta == null) {
            configsDelta = new ConfigurationsDelta(base.configs());
        }
        return configsDelta;
    }

    /**
     * The image after every replayed record, at metadata offset {@code offset}; unchanged sub-images
     * are the base's own objects.
     */
    public MetadataImage apply(long offset) {
        if (offset < base.offset()) {
            throw new IllegalArgumentException("offset " + offset + " is below the base image's " + base.offset());
        }
        return new MetadataImage(offset,
                clusterDelta == null ? base.cluster() : clusterDelta.apply(),
                topicsDelta == null ? base.topics() : topicsDelta.apply(),
                configsDelta == null ? base.configs() : configsDelta.apply(),
                nextProducerId == null ? base.producerIds() : new ProducerIdsImage(nextProducerId));
    }

    /** One line naming the record, for error messages. */
    public static String describe(MetadataRecord record) {
        return record.getRecordCase() + "{" + TextFormat.shortDebugString(record) + "}";
    }
}
