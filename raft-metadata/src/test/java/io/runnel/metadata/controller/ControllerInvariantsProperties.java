package io.runnel.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.AllocateProducerIdsRequest;
import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterPartitionData;
import io.runnel.proto.AlterPartitionRequest;
import io.runnel.proto.AlterPartitionTopic;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.BrokerHeartbeatRequest;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ElectionType;
import io.runnel.proto.ResourceType;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import io.runnel.common.testing.PropertyCheck;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of controller decisions, each applied through replay as the metadata log would, keep
 * the partition invariants: replicas distinct, leader in ISR and ISR within replicas, ISR never empty,
 * every leader an eligible broker, epochs never going back and bumped on every change.
 */
class ControllerInvariantsProperties {

    private static final String[] TOPICS = {"a", "b", "c", "d"};
    private static final int BROKERS = 5;

    @Test
    void randomOperationsKeepPartitionInvariants() {
        PropertyCheck.forAll(200, gen -> randomOperationsKeepPartitionInvariants(
                gen.listOf(1, 60, () -> gen.intBetween(0, 11)), gen.anyLong()));
    }

    private static void randomOperationsKeepPartitionInvariants(List<Integer> ops, long seed) {
        ControllerFixture fixture = new ControllerFixture(seed);
        Random random = new Random(seed);
        for (int id = 1; id <= BROKERS; id++) {
            fixture.addBroker(id, id % 2 == 0 ? "even" : "odd");
        }
        for (int op : ops) {
            MetadataImage before = fixture.image;
            step(fixture, random, op);
            checkInvariants(before, fixture.image);
        }
        MetadataDelta rebuilt = new MetadataDelta(MetadataImage.EMPTY);
        rebuilt.replayAll(fixture.image.toRecords());
        assertThat(rebuilt.apply(fixture.image.offset())).isEqualTo(fixture.image);
        assertThat(replayedOneRecordPerDelta(fixture.log, fixture.image.offset())).isEqualTo(fixture.image);
    }

    /** How records are grouped into deltas (batches) must not change the image they build. */
    private static MetadataImage replayedOneRecordPerDelta(List<MetadataRecord> log, long finalOffset) {
        MetadataImage image = MetadataImage.EMPTY;
        for (int i = 0; i < log.size(); i++) {
            MetadataDelta delta = new MetadataDelta(image);
            delta.replay(log.get(i));
            image = delta.apply(i == log.size() - 1 ? finalOffset : Math.min(i, finalOffset));
        }
        return image;
    }

    private static void step(ControllerFixture f, Random random, int op) {
        QuorumControllerLogic logic = f.logic;
        String topic = TOPICS[random.nextInt(TOPICS.length)];
        int broker = 1 + random.nextInt(BROKERS);
        switch (op) {
            case 0, 1 -> f.apply(logic.createTopics(f.image, CreateTopicsRequest.newBuilder()
                    .addTopics(ControllerFixture.topic(topic, 1 + random.nextInt(4), 1 + random.nextInt(3))).build(), f.ctx()));
            case 2 -> f.apply(logic.deleteTopics(f.image, DeleteTopicsRequest.newBuilder().addNames(topic).build(), f.ctx()));
            case 3 -> {
                TopicImage image = f.image.topics().getTopic(topic);
                int count = (image == null ? 0 : image.partitionCount()) + random.nextInt(3);
                f.apply(logic.createPartitions(f.image, CreatePartitionsRequest.newBuilder().addTopics(
                        CreatePartitionsTopic.newBuilder().setName(topic).setCount(count)).build(), f.ctx()));
            }
            case 4 -> f.heartbeat(broker, f.image.offset() - random.nextInt(2), random.nextInt(4) == 0);
            case 5 -> {
                f.nowMs += random.nextInt((int) ControllerFixture.SESSION_TIMEOUT_MS);
                f.apply(logic.fenceStaleBrokers(f.image, f.tracker, f.ctx()));
            }
            case 6 -> {
                var result = logic.registerBroker(f.image, f.registration(broker, broker % 2 == 0 ? "even" : "odd"),
                        ControllerFixture.CLUSTER_ID, f.nextOffset(), f.tracker, f.ctx());
                f.apply(result);
                f.brokerEpochs.put(broker, result.response().getBrokerEpoch());
            }
            case 7, 8 -> alterIsr(f, random, topic);
            case 9 -> f.apply(logic.electLeaders(f.image, ElectLeadersRequest.newBuilder()
                    .setElectionType(random.nextBoolean() ? ElectionType.PREFERRED : ElectionType.UNCLEAN).build(), f.ctx()));
            case 10 -> f.apply(logic.incrementalAlterConfigs(f.image, AlterConfigsRequest.newBuilder().addResources(
                    AlterConfigsResource.newBuilder().setType(ResourceType.TOPIC).setName(topic).addConfigs(
                            AlterableConfig.newBuilder().setName("unclean.leader.election.enable")
                                    .setOp(AlterConfigOp.SET).setValue(String.valueOf(random.nextBoolean())))).build(), f.ctx()));
            case 11 -> f.apply(logic.allocateProducerIds(f.image, AllocateProducerIdsRequest.newBuilder()
                    .setBrokerId(broker).setBrokerEpoch(f.brokerEpochs.get(broker)).build(), f.ctx()));
            default -> throw new IllegalArgumentException("no operation " + op);
        }
    }

    /** The leader of a random partition proposes a random ISR made of itself and some replicas. */
    private static void alterIsr(ControllerFixture f, Random random, String topic) {
        TopicImage image = f.image.topics().getTopic(topic);
        if (image == null) {
            return;
        }
        int partition = random.nextInt(image.partitionCount());
        PartitionRegistration current = image.partition(partition);
        if (!current.hasLeader()) {
            return;
        }
        List<Integer> isr = new ArrayList<>();
        for (int replica : current.replicas()) {
            if (replica == current.leader() || random.nextBoolean()) {
                isr.add(replica);
            }
        }
        f.apply(f.logic.alterPartition(f.image, AlterPartitionRequest.newBuilder().setBrokerId(current.leader())
                .setBrokerEpoch(f.brokerEpochs.get(current.leader())).addTopics(AlterPartitionTopic.newBuilder()
                        .setTopic(topic).addPartitions(AlterPartitionData.newBuilder().setPartition(partition)
                                .setLeaderEpoch(current.leaderEpoch()).setPartitionEpoch(current.partitionEpoch())
                                .addAllNewIsr(isr))).build(), f.ctx()));
    }

    private static void checkInvariants(MetadataImage before, MetadataImage after) {
        for (TopicImage topic : after.topics().topicsById().values()) {
            TopicImage old = before.topics().getTopicById(topic.id());
            topic.partitions().forEach((partition, p) -> {
                String name = topic.name() + "-" + partition + " " + p;
                assertThat(p.replicas()).as(name).isNotEmpty().doesNotHaveDuplicates();
                assertThat(new HashSet<>(p.replicas())).as(name).containsAll(p.isr());
                assertThat(p.isr()).as(name).isNotEmpty().doesNotHaveDuplicates();
                if (p.hasLeader()) {
                    assertThat(p.isr()).as(name).contains(p.leader());
                    BrokerRegistration leader = after.cluster().broker(p.leader());
                    assertThat(leader).as(name).isNotNull();
                    assertThat(leader.fenced() || leader.inControlledShutdown()).as(name + " leader eligible").isFalse();
                }
                PartitionRegistration previous = old == null ? null : old.partition(partition);
                if (previous != null) {
                    checkEpochs(name, previous, p);
                }
            });
        }
        assertThat(after.producerIds().nextProducerId()).isGreaterThanOrEqualTo(before.producerIds().nextProducerId());
        for (Map.Entry<UUID, TopicImage> entry : before.topics().topicsById().entrySet()) {
            TopicImage now = after.topics().getTopicById(entry.getKey());
            if (now != null) {
                assertThat(now.partitionCount()).isGreaterThanOrEqualTo(entry.getValue().partitionCount());
            }
        }
    }

    private static void checkEpochs(String name, PartitionRegistration previous, PartitionRegistration current) {
        assertThat(current.leaderEpoch()).as(name).isGreaterThanOrEqualTo(previous.leaderEpoch());
        assertThat(current.partitionEpoch()).as(name).isGreaterThanOrEqualTo(previous.partitionEpoch());
        if (current.leader() != previous.leader()) {
            assertThat(current.leaderEpoch()).as(name + " leader changed").isGreaterThan(previous.leaderEpoch());
        }
        if (!current.equals(previous)) {
            assertThat(current.partitionEpoch()).as(name + " changed").isGreaterThan(previous.partitionEpoch());
        }
    }
}
