package io.runnel.metadata.image;

import io.runnel.proto.ResourceType;
import io.runnel.proto.metadata.ConfigRecord;
import io.runnel.proto.metadata.FenceBrokerRecord;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.PartitionChangeRecord;
import io.runnel.proto.metadata.PartitionRecord;
import io.runnel.proto.metadata.ProducerIdsRecord;
import io.runnel.proto.metadata.RegisterBrokerRecord;
import io.runnel.proto.metadata.RemoveTopicRecord;
import io.runnel.proto.metadata.TopicRecord;
import io.runnel.proto.metadata.UnfenceBrokerRecord;
import java.util.List;
import java.util.UUID;

/** Short builders of metadata records for tests. */
public final class Records {

    private Records() {
    }

    public static UUID uuid(int n) {
        return new UUID(0x5EED, n);
    }

    public static MetadataRecord registerBroker(int id, long epoch, String rack, boolean fenced) {
        return MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch).setIncarnationId(uuid(1000 + id).toString())
                .setRack(rack == null ? "" : rack).setFenced(fenced)
                .addEndpoints(io.runnel.proto.Endpoint.newBuilder().setListener("PLAINTEXT")
                        .setHost("localhost").setPort(9092 + id))).build();
    }

    public static MetadataRecord fence(int id, long epoch) {
        return MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch)).build();
    }

    public static MetadataRecord unfence(int id, long epoch) {
        return MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch)).build();
    }

    public static MetadataRecord topic(String name, UUID id) {
        return MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder()
                .setName(name).setTopicId(id.toString())).build();
    }

    public static MetadataRecord removeTopic(UUID id) {
        return MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder()
                .setTopicId(id.toString())).build();
    }

    public static MetadataRecord partition(UUID topicId, int partition, List<Integer> replicas, List<Integer> isr,
                                           int leader) {
        return MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder()
                .setTopicId(topicId.toString()).setPartitionId(partition).addAllReplicas(replicas)
                .addAllIsr(isr).setLeader(leader)).build();
    }

    public static PartitionChangeRecord.Builder change(UUID topicId, int partition) {
        return PartitionChangeRecord.newBuilder().setTopicId(topicId.toString()).setPartitionId(partition);
    }

    public static MetadataRecord wrap(PartitionChangeRecord.Builder change) {
        return MetadataRecord.newBuilder().setPartitionChange(change).build();
    }

    public static MetadataRecord topicConfig(String topic, String key, String value) {
        ConfigRecord.Builder config = ConfigRecord.newBuilder().setResourceType(ResourceType.TOPIC)
                .setResourceName(topic).setName(key);
        if (value != null) {
            config.setValue(value);
        }
        return MetadataRecord.newBuilder().setConfig(config).build();
    }

    public static MetadataRecord producerIds(long next) {
        return MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                .setBrokerId(1).setBrokerEpoch(1).setNextProducerId(next)).build();
    }

    public static MetadataImage replay(MetadataImage base, long offset, MetadataRecord... records) {
        MetadataDelta delta = new MetadataDelta(base);
        delta.replayAll(List.of(records));
        return delta.apply(offset);
    }
}
