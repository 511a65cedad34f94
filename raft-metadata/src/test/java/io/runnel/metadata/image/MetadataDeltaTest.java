package io.runnel.metadata.image;

import static io.runnel.metadata.image.PartitionRegistration.intList;
import static io.runnel.metadata.image.Records.change;
import static io.runnel.metadata.image.Records.fence;
import static io.runnel.metadata.image.Records.partition;
import static io.runnel.metadata.image.Records.producerIds;
import static io.runnel.metadata.image.Records.registerBroker;
import static io.runnel.metadata.image.Records.removeTopic;
import static io.runnel.metadata.image.Records.replay;
import static io.runnel.metadata.image.Records.topic;
import static io.runnel.metadata.image.Records.topicConfig;
import static io.runnel.metadata.image.Records.unfence;
import static io.runnel.metadata.image.Records.uuid;
import static io.runnel.metadata.image.Records.wrap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.proto.metadata.BrokerRegistrationChangeRecord;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.NoOpRecord;
import io.runnel.proto.metadata.UnregisterBrokerRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MetadataDeltaTest {

    private static final UUID ORDERS = uuid(1);
    private static final UUID PAYMENTS = uuid(2);

    /** Three unfenced brokers and topic orders with two partitions of RF 3. */
    static MetadataImage threeBrokersAndOrders() {
        return replay(MetadataImage.EMPTY, 10,
                registerBroker(1, 1, "a", false), registerBroker(2, 2, "b", false), registerBroker(3, 3, null, false),
                topic("orders", ORDERS),
                partition(ORDERS, 0, List.of(1, 2, 3), List.of(1, 2, 3), 1),
                partition(ORDERS, 1, List.of(2, 3, 1), List.of(2, 3, 1), 2));
    }

    @Test
    void registerBrokerRecordsEveryField() {
        MetadataImage image = replay(MetadataImage.EMPTY, 5, registerBroker(1, 4, "rack-a", true));

        BrokerRegistration broker = image.cluster().broker(1);
        assertThat(broker.epoch()).isEqualTo(4);
        assertThat(broker.incarnationId()).isEqualTo(uuid(1001));
        assertThat(broker.rack()).contains("rack-a");
        assertThat(broker.fenced()).isTrue();
        assertThat(broker.endpoint("PLAINTEXT")).contains(new Endpoint("PLAINTEXT", "localhost", 9093));
        assertThat(broker.endpoint("CONTROLLER")).isEmpty();
        assertThat(image.cluster().activeBrokers()).isEmpty();
        assertThat(image.offset()).isEqualTo(5);
    }

    @Test
    void reRegistrationNeedsALargerEpoch() {
        MetadataImage image = replay(MetadataImage.EMPTY, 5, registerBroker(1, 4, null, false));

        MetadataImage again = replay(image, 9, registerBroker(1, 9, null, true));
        assertThat(again.cluster().broker(1).epoch()).isEqualTo(9);
        assertThatThrownBy(() -> replay(image, 9, registerBroker(1, 4, null, true)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("REGISTER_BROKER").hasMessageContaining("already registered with epoch 4");
    }

    @Test
    void fenceUnfenceAndRegistrationChangeFollowTheEpoch() {
        MetadataImage image = threeBrokersAndOrders();

        MetadataImage fenced = replay(image, 11, fence(2, 2));
        assertThat(fenced.cluster().broker(2).fenced()).isTrue();
        assertThat(fenced.cluster().activeBrokers()).extracting(BrokerRegistration::id).containsExactly(1, 3);

        MetadataImage unfenced = replay(fenced, 12, unfence(2, 2));
        assertThat(unfenced.cluster().broker(2).fenced()).isFalse();

        MetadataImage shuttingDown = replay(unfenced, 13, MetadataRecord.newBuilder().setBrokerRegistrationChange(
                BrokerRegistrationChangeRecord.newBuilder().setBrokerId(2).setBrokerEpoch(2)
                        .setInControlledShutdown(true)).build());
        assertThat(shuttingDown.cluster().broker(2).inControlledShutdown()).isTrue();
        assertThat(shuttingDown.cluster().broker(2).fenced()).isFalse();

        assertThatThrownBy(() -> replay(image, 11, fence(2, 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("has epoch 2, not 1");
        assertThatThrownBy(() -> replay(image, 11, unfence(7, 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("broker 7 is not registered");
    }

    @Test
    void unregisterRemovesTheBroker() {
        MetadataImage image = replay(threeBrokersAndOrders(), 11, MetadataRecord.newBuilder().setUnregisterBroker(
                UnregisterBrokerRecord.newBuilder().setBrokerId(3).setBrokerEpoch(3)).build());

        assertThat(image.cluster().broker(3)).isNull();
        assertThat(image.cluster().brokers()).containsOnlyKeys(1, 2);
    }

    @Test
    void topicAndPartitionRecordsBuildTheTopic() {
        MetadataImage image = threeBrokersAndOrders();

        TopicImage orders = image.topics().getTopic("orders");
        assertThat(orders.id()).isEqualTo(ORDERS);
        assertThat(image.topics().getTopicById(ORDERS)).isSameAs(orders);
        assertThat(orders.partitions()).containsOnlyKeys(0, 1);
        PartitionRegistration p1 = orders.partition(1);
        assertThat(p1.replicas()).containsExactly(2, 3, 1);
        assertThat(p1.leader()).isEqualTo(2);
        assertThat(p1.hasLeader()).isTrue();
        assertThat(p1.hasReplica(3)).isTrue();
        assertThat(p1.hasReplica(4)).isFalse();
        assertThat(p1.leaderEpoch()).isZero();
        assertThat(p1.partitionEpoch()).isZero();
    }

    @Test
    void partitionChangeBumpsPartitionEpochAlwaysAndLeaderEpochOnLeaderChange() {
        MetadataImage image = threeBrokersAndOrders();

        MetadataImage shrunk = replay(image, 11, wrap(change(ORDERS, 0).setIsr(intList(List.of(1, 2)))));
        PartitionRegistration p0 = shrunk.topics().getTopic("orders").partition(0);
        assertThat(p0.isr()).containsExactly(1, 2);
        assertThat(p0.leader()).isEqualTo(1);
        assertThat(p0.leaderEpoch()).isZero();
        assertThat(p0.partitionEpoch()).isEqualTo(1);

        MetadataImage moved = replay(shrunk, 12, wrap(change(ORDERS, 0).setLeader(2).setIsr(intList(List.of(2)))));
        p0 = moved.topics().getTopic("orders").partition(0);
        assertThat(p0.leader()).isEqualTo(2);
        assertThat(p0.leaderEpoch()).isEqualTo(1);
        assertThat(p0.partitionEpoch()).isEqualTo(2);

        MetadataImage sameLeader = replay(moved, 13, wrap(change(ORDERS, 0).setLeader(2)));
        assertThat(sameLeader.topics().getTopic("orders").partition(0).leaderEpoch()).isEqualTo(1);
        assertThat(sameLeader.topics().getTopic("orders").partition(0).partitionEpoch()).isEqualTo(3);
    }

    @Test
    void brokenPartitionInvariantsAreRejectedNamingTheRecord() {
        MetadataImage image = threeBrokersAndOrders();

        assertThatThrownBy(() -> replay(image, 11, wrap(change(ORDERS, 0).setLeader(3).setIsr(intList(List.of(1, 2))))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PARTITION_CHANGE").hasMessageContaining("leader 3 is not in ISR [1, 2]");
        assertThatThrownBy(() -> replay(image, 11, wrap(change(ORDERS, 0).setIsr(intList(List.of(1, 4))))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not a subset of replicas");
        assertThatThrownBy(() -> replay(image, 11, wrap(change(ORDERS, 5))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("has no partition 5");
        assertThatThrownBy(() -> replay(image, 11, wrap(change(PAYMENTS, 0))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no topic has id " + PAYMENTS);
        assertThatThrownBy(() -> replay(image, 11, partition(ORDERS, 1, List.of(1), List.of(1), 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already exists");
        assertThatThrownBy(() -> replay(image, 11, partition(ORDERS, 3, List.of(1), List.of(1), 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("the next one is 2, not 3");
        assertThatThrownBy(() -> replay(image, 11, partition(ORDERS, 2, List.of(1, 1), List.of(1), 1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not distinct");
        assertThatThrownBy(() -> replay(image, 11, topic("orders", PAYMENTS)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("topic 'orders' already exists");
        assertThatThrownBy(() -> replay(image, 11, topic("payments", ORDERS)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already in use");
        assertThatThrownBy(() -> replay(image, 11, topic("bad name", PAYMENTS)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not a legal topic name");
        assertThatThrownBy(() -> replay(image, 11, MetadataRecord.getDefaultInstance()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("empty");
    }

    @Test
    void removeTopicDeletesTheTopicAndItsConfigs() {
        MetadataImage image = replay(threeBrokersAndOrders(), 11, topicConfig("orders", "retention.ms", "1000"));

        MetadataImage removed = replay(image, 12, removeTopic(ORDERS));
        assertThat(removed.topics().getTopic("orders")).isNull();
        assertThat(removed.topics().getTopicById(ORDERS)).isNull();
        assertThat(removed.configs().topicConfigs("orders")).isEmpty();

        assertThatThrownBy(() -> replay(removed, 13, removeTopic(ORDERS)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no topic has id");
    }

    @Test
    void topicDeletedAndRecreatedInOneDelta() {
        MetadataDelta delta = new MetadataDelta(threeBrokersAndOrders());
        delta.replayAll(List.of(removeTopic(ORDERS), topic("orders", PAYMENTS),
                partition(PAYMENTS, 0, List.of(3), List.of(3), 3)));
        MetadataImage image = delta.apply(11);

        assertThat(image.topics().getTopic("orders").id()).isEqualTo(PAYMENTS);
        assertThat(image.topics().getTopicById(ORDERS)).isNull();
        assertThat(delta.topicsDelta().deletedTopicNames()).containsExactly(Map.entry(ORDERS, "orders"));
        assertThat(delta.topicsDelta().createdTopicIds()).containsExactly(PAYMENTS);
    }

    @Test
    void topicCreatedAndDeletedInOneDeltaLeavesNoTrace() {
        MetadataDelta delta = new MetadataDelta(threeBrokersAndOrders());
        delta.replayAll(List.of(topic("payments", PAYMENTS), partition(PAYMENTS, 0, List.of(3), List.of(3), 3),
                removeTopic(PAYMENTS)));

        assertThat(delta.topicsDelta().deletedTopicIds()).isEmpty();
        assertThat(delta.topicsDelta().changedTopics()).isEmpty();
        assertThat(delta.apply(11).topics()).isEqualTo(delta.base().topics());
    }

    @Test
    void configRecordsSetAndRemoveKeys() {
        MetadataImage image = replay(threeBrokersAndOrders(), 11,
                topicConfig("orders", "retention.ms", "1000"), topicConfig("orders", "cleanup.policy", "compact"));
        assertThat(image.configs().topicConfigs("orders"))
                .containsExactly(Map.entry("cleanup.policy", "compact"), Map.entry("retention.ms", "1000"));

        MetadataDelta delta = new MetadataDelta(image);
        delta.replay(topicConfig("orders", "retention.ms", null));
        assertThat(delta.configsDelta().changedResources()).containsExactly(ConfigResourceKey.topic("orders"));
        assertThat(delta.apply(12).configs().topicConfigs("orders")).containsOnlyKeys("cleanup.policy");

        assertThatThrownBy(() -> replay(image, 12, topicConfig("payments", "retention.ms", "1")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("topic 'payments' does not exist");
    }

    @Test
    void producerIdsOnlyMoveForward() {
        MetadataImage image = replay(MetadataImage.EMPTY, 1, producerIds(1000));
        assertThat(image.producerIds().nextProducerId()).isEqualTo(1000);
        assertThat(replay(image, 2, producerIds(2000)).producerIds().nextProducerId()).isEqualTo(2000);
        assertThatThrownBy(() -> replay(image, 2, producerIds(1000)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not above the current 1000");
    }

    @Test
    void applySharesUnchangedParts() {
        MetadataImage image = replay(threeBrokersAndOrders(), 11, topic("payments", PAYMENTS),
                partition(PAYMENTS, 0, List.of(3), List.of(3), 3), topicConfig("orders", "retention.ms", "5"));

        MetadataImage next = replay(image, 12, wrap(change(PAYMENTS, 0).setLeader(-1)));
        assertThat(next.cluster()).isSameAs(image.cluster());
        assertThat(next.configs()).isSameAs(image.configs());
        assertThat(next.producerIds()).isSameAs(image.producerIds());
        assertThat(next.topics().getTopic("orders")).isSameAs(image.topics().getTopic("orders"));
        assertThat(next.topics().getTopic("payments")).isNotSameAs(image.topics().getTopic("payments"));

        MetadataImage noOp = replay(image, 13, MetadataRecord.newBuilder().setNoOp(NoOpRecord.getDefaultInstance()).build());
        assertThat(noOp.topics()).isSameAs(image.topics());
        assertThat(noOp.offset()).isEqualTo(13);
    }

    @Test
    void toRecordsRebuildsAnEqualImage() {
        MetadataImage image = replay(threeBrokersAndOrders(), 20, fence(3, 3), topic("payments", PAYMENTS),
                partition(PAYMENTS, 0, List.of(3, 1), List.of(3, 1), 3),
                wrap(change(PAYMENTS, 0).setLeader(1).setIsr(intList(List.of(1)))),
                topicConfig("payments", "retention.ms", "5"), producerIds(3000));

        MetadataImage rebuilt = replay(MetadataImage.EMPTY, image.offset(), image.toRecords().toArray(MetadataRecord[]::new));
        assertThat(rebuilt).isEqualTo(image);
        assertThat(rebuilt.hashCode()).isEqualTo(image.hashCode());
        assertThat(rebuilt.topics().getTopic("payments").partition(0).leaderEpoch()).isEqualTo(1);
        assertThat(MetadataImage.EMPTY.toRecords()).isEmpty();
        assertThat(replay(MetadataImage.EMPTY, -1).equals(MetadataImage.EMPTY)).isTrue();
        assertThat(image.cluster().broker(3).rack()).isEqualTo(Optional.empty());
    }
}
