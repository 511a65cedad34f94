package io.runnel.metadata.server;

import static io.runnel.metadata.image.PartitionRegistration.intList;
import static io.runnel.metadata.image.Records.change;
import static io.runnel.metadata.image.Records.fence;
import static io.runnel.metadata.image.Records.partition;
import static io.runnel.metadata.image.Records.registerBroker;
import static io.runnel.metadata.image.Records.removeTopic;
import static io.runnel.metadata.image.Records.replay;
import static io.runnel.metadata.image.Records.topic;
import static io.runnel.metadata.image.Records.unfence;
import static io.runnel.metadata.image.Records.uuid;
import static io.runnel.metadata.image.Records.wrap;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.metadata.MetadataBatch;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StateChangeLogTest {

    private static final UUID ORDERS = uuid(1);

    /** The changes a batch of {@code records} makes to {@code before}, as (event, message) pairs. */
    private static List<StateChangeLog.StateChange> changes(MetadataImage before, MetadataRecord... records) {
        MetadataImage after = replay(before, before.offset() + 1, records);
        return StateChangeLog.describe(before, after, MetadataBatch.newBuilder().addAllRecords(List.of(records)).build());
    }

    private static MetadataImage cluster() {
        return replay(MetadataImage.EMPTY, 10, registerBroker(1, 1, "a", false), registerBroker(2, 2, null, false),
                registerBroker(3, 3, null, false), topic("orders", ORDERS),
                partition(ORDERS, 0, List.of(1, 2, 3), List.of(1, 2, 3), 1),
                partition(ORDERS, 1, List.of(2, 3, 1), List.of(2, 3, 1), 2));
    }

    @Test
    void brokerLifecycleIsOneLineEachWithTheBrokerId() {
        List<StateChangeLog.StateChange> changes = changes(MetadataImage.EMPTY, registerBroker(7, 40, "rack-b", true));
        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.event()).isEqualTo("broker_registered");
            assertThat(c.message()).isEqualTo("broker 7 registered with epoch 40 in rack rack-b (fenced until caught up)");
            assertThat(c.fields()).containsEntry("broker", 7);
        });
        assertThat(changes(cluster(), fence(2, 2))).extracting(StateChangeLog.StateChange::event).containsExactly("broker_fenced");
        assertThat(changes(cluster(), unfence(2, 2))).extracting(StateChangeLog.StateChange::message).containsExactly("broker 2 unfenced");
    }

    @Test
    void topicCreationIsOneLineNotOnePerPartition() {
        UUID payments = uuid(2);
        List<StateChangeLog.StateChange> changes = changes(cluster(), topic("payments", payments),
                partition(payments, 0, List.of(1, 2), List.of(1, 2), 1), partition(payments, 1, List.of(2, 3), List.of(2, 3), 2));
        assertThat(changes).singleElement().satisfies(c -> {
            assertThat(c.event()).isEqualTo("topic_created");
            assertThat(c.message()).isEqualTo("topic payments created (id " + payments + ") with 2 partition(s) of 2 replica(s)");
            assertThat(c.fields()).containsEntry("topic", "payments");
        });
        assertThat(changes(cluster(), removeTopic(ORDERS))).extracting(StateChangeLog.StateChange::message)
                .containsExactly("topic orders deleted (id " + ORDERS + ")");
    }

    @Test
    void leaderElectionAndIsrChangesNameThePartitionAndBothSides() {
        List<StateChangeLog.StateChange> failover = changes(cluster(),
                wrap(change(ORDERS, 0).setLeader(2).setIsr(intList(List.of(2, 3)))));
        assertThat(failover).singleElement().satisfies(c -> {
            assertThat(c.event()).isEqualTo("leader_elected");
            assertThat(c.message()).isEqualTo("partition orders-0: leader 1 -> 2 at leader epoch 1, ISR [1, 2, 3] -> [2, 3]");
            assertThat(c.fields()).containsEntry("topic", "orders").containsEntry("partition", 0).containsEntry("leader", 2);
        });
        assertThat(changes(cluster(), wrap(change(ORDERS, 1).setIsr(intList(List.of(2))))))
                .extracting(StateChangeLog.StateChange::event, StateChangeLog.StateChange::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("isr_changed",
                        "partition orders-1: ISR [2, 3, 1] -> [2] (leader 2, leader epoch 0)"));
        assertThat(changes(cluster(), wrap(change(ORDERS, 0).setLeader(-1).setIsr(intList(List.of(1))))))
                .extracting(StateChangeLog.StateChange::event).containsExactly("partition_offline");
    }

    @Test
    void aChangeThatMovesNothingSignificantIsNotLogged() {
        assertThat(changes(cluster(), wrap(change(ORDERS, 0)))).isEmpty();
    }
}
