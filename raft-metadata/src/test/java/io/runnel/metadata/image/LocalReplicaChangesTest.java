package io.runnel.metadata.image;

import static io.runnel.metadata.image.PartitionRegistration.intList;
import static io.runnel.metadata.image.Records.change;
import static io.runnel.metadata.image.Records.partition;
import static io.runnel.metadata.image.Records.registerBroker;
import static io.runnel.metadata.image.Records.removeTopic;
import static io.runnel.metadata.image.Records.replay;
import static io.runnel.metadata.image.Records.topic;
import static io.runnel.metadata.image.Records.uuid;
import static io.runnel.metadata.image.Records.wrap;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LocalReplicaChangesTest {

    private static final UUID ORDERS = uuid(1);
    private static final UUID PAYMENTS = uuid(2);

    private static final MetadataImage BASE = replay(MetadataImage.EMPTY, 10,
            registerBroker(1, 1, null, false), registerBroker(2, 2, null, false), registerBroker(3, 3, null, false),
            topic("orders", ORDERS),
            partition(ORDERS, 0, List.of(1, 2), List.of(1, 2), 1),
            partition(ORDERS, 1, List.of(2, 3), List.of(2, 3), 2),
            topic("payments", PAYMENTS),
            partition(PAYMENTS, 0, List.of(3, 1), List.of(3, 1), 3));

    private static TopicIdPartition orders(int partition) {
        return new TopicIdPartition(ORDERS, "orders", partition);
    }

    @Test
    void newTopicMakesLeadersAndFollowers() {
        MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
        delta.replayAll(BASE.toRecords());

        LocalReplicaChanges broker1 = delta.topicsDelta().localChanges(1);
        assertThat(broker1.leaders()).containsOnlyKeys(orders(0));
        assertThat(broker1.followers()).containsOnlyKeys(new TopicIdPartition(PAYMENTS, "payments", 0));
        assertThat(broker1.deletes()).isEmpty();
        assertThat(delta.topicsDelta().localChanges(4).isEmpty()).isTrue();
    }

    @Test
    void leaderChangeAndIsrChangeAreReportedToEveryReplica() {
        MetadataDelta delta = new MetadataDelta(BASE);
        delta.replay(wrap(change(ORDERS, 0).setLeader(2).setIsr(intList(List.of(2)))));

        LocalReplicaChanges broker2 = delta.topicsDelta().localChanges(2);
        assertThat(broker2.leaders()).containsOnlyKeys(orders(0));
        assertThat(broker2.leaders().get(orders(0)).leaderEpoch()).isEqualTo(1);
        LocalReplicaChanges broker1 = delta.topicsDelta().localChanges(1);
        assertThat(broker1.leaders()).isEmpty();
        assertThat(broker1.followers()).containsOnlyKeys(orders(0));
        assertThat(delta.topicsDelta().localChanges(3).isEmpty()).isTrue();
    }

    @Test
    void removedReplicasAndDeletedTopicsAreDeletes() {
        MetadataDelta delta = new MetadataDelta(BASE);
        delta.replay(wrap(change(ORDERS, 1).setReplicas(intList(List.of(2))).setIsr(intList(List.of(2)))));
        delta.replay(removeTopic(PAYMENTS));

        LocalReplicaChanges broker3 = delta.topicsDelta().localChanges(3);
        assertThat(broker3.deletes()).containsExactlyInAnyOrder(orders(1), new TopicIdPartition(PAYMENTS, "payments", 0));
        assertThat(broker3.leaders()).isEmpty();
        assertThat(delta.topicsDelta().localChanges(1).deletes())
                .containsExactly(new TopicIdPartition(PAYMENTS, "payments", 0));
        assertThat(delta.topicsDelta().localChanges(2).leaders()).containsOnlyKeys(orders(1));
    }
}
