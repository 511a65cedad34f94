package io.runnel.metadata.image;

import io.runnel.proto.metadata.ConfigRecord;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.ProducerIdsRecord;
import io.runnel.proto.metadata.TopicRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole cluster metadata at one offset of the metadata log: brokers, topics and partitions,
 * dynamic configs and the producer-id counter. Built only by {@link MetadataDelta#apply}, the same
 * code on controllers and brokers, so they cannot disagree about what a record means. Immutable and
 * thread-safe; a new image shares every unchanged sub-image with its predecessor.
 *
 * <p>{@code offset} is the metadata-log offset of the last record included, -1 for {@link #EMPTY}.
 */
public final class MetadataImage {

    public static final MetadataImage EMPTY = new MetadataImage(-1L, ClusterImage.EMPTY, TopicsImage.EMPTY,
            ConfigurationsImage.EMPTY, ProducerIdsImage.EMPTY);

    private final long offset;
    private final ClusterImage cluster;
    private final TopicsImage topics;
    private final ConfigurationsImage configs;
    private final ProducerIdsImage producerIds;

    public MetadataImage(long offset, ClusterImage cluster, TopicsImage topics, ConfigurationsImage configs,
                         ProducerIdsImage producerIds) {
        this.offset = offset;
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.configs = Objects.requireNonNull(configs, "configs");
        this.producerIds = Objects.requireNonNull(producerIds, "producerIds");
    }

    public long offset() {
        return offset;
    }

    public ClusterImage cluster() {
        return cluster;
    }

    public TopicsImage topics() {
        return topics;
    }

    public ConfigurationsImage configs() {
        return configs;
    }

    public ProducerIdsImage producerIds() {
        return producerIds;
    }

    /** True if no record has been applied that left anything behind. */
    public boolean isEmpty() {
        return cluster.brokers().isEmpty() && topics.isEmpty() && configs.resources().isEmpty()
                && producerIds.nextProducerId() == 0;
    }

    /**
     * A snapshot as records: replaying them into {@code new MetadataDelta(EMPTY)} and applying at
     * {@link #offset()} yields an image equal to this one. Order is deterministic: brokers by id, then
     * each topic (by name) followed by its partitions, then configs, then the producer-id counter.
     */
    public List<MetadataRecord> toRecords() {
        List<MetadataRecord> records = new ArrayList<>();
        for (BrokerRegistration broker : cluster.brokers().values()) {
            records.add(MetadataRecord.newBuilder().setRegisterBroker(broker.toRecord()).build());
        }
        List<TopicImage> sortedTopics = new ArrayList<>(topics.topicsById().values());
        sortedTopics.sort(Comparator.comparing(TopicImage::name));
        for (TopicImage topic : sortedTopics) {
            records.add(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder()
                    .setName(topic.name()).setTopicId(topic.id().toString())).build());
            topic.partitions().forEach((partition, registration) -> records.add(MetadataRecord.newBuilder()
                    .setPartition(registration.toRecord(topic.id(), partition)).build()));
        }
        List<ConfigResourceKey> resources = new ArrayList<>(configs.resources().keySet());
        resources.sort(Comparator.comparing((ConfigResourceKey k) -> k.type().getNumber())
                .thenComparing(ConfigResourceKey::name));
        for (ConfigResourceKey resource : resources) {
            for (Map.Entry<String, String> entry : configs.configs(resource).entrySet()) {
                records.add(MetadataRecord.newBuilder().setConfig(ConfigRecord.newBuilder()
                        .setResourceType(resource.type()).setResourceName(resource.name())
                        .setName(entry.getKey()).setValue(entry.getValue())).build());
            }
        }
        if (producerIds.nextProducerId() != ProducerIdsImage.EMPTY.nextProducerId()) {
            records.add(MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                    .setBrokerId(-1).setBrokerEpoch(-1).setNextProducerId(producerIds.nextProducerId())).build());
        }
        return Collections.unmodifiableList(records);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MetadataImage other && offset == other.offset && cluster.equals(other.cluster)
                && topics.equals(other.topics) && configs.equals(other.configs)
                && producerIds.equals(other.producerIds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(offset, cluster, topics, configs, producerIds);
    }

    @Override
    public String toString() {
        return "MetadataImage(offset=" + offset + ", " + cluster + ", " + topics + ", " + configs + ", "
                + producerIds + ")";
    }
}
