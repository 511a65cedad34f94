package io.runnel.group.assignor;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The worked examples of the source notes, and the behaviours each assignor promises by name. */
class AssignorTest {

    private static AssignmentMember member(String id, Set<String> topics) {
        return new AssignmentMember(id, null, topics, Set.of());
    }

    private static AssignmentMember member(String id, Set<String> topics, Set<TopicPartition> previous) {
        return new AssignmentMember(id, null, topics, previous);
    }

    private static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }

    @Test
    void rangeGivesTheFirstMemberTheExtraPartitionOfEachTopic() {
        Map<String, Set<TopicPartition>> result = new RangeAssignor().assign(
                List.of(member("C1", Set.of("t0", "t1")), member("C0", Set.of("t0", "t1"))),
                topic -> 3);

        assertThat(result.get("C0")).containsExactlyInAnyOrder(tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1));
        assertThat(result.get("C1")).containsExactlyInAnyOrder(tp("t0", 2), tp("t1", 2));
    }

    @Test
    void roundRobinSkipsMembersNotSubscribedToTheTopic() {
        Map<String, Integer> counts = Map.of("t0", 1, "t1", 2, "t2", 3);
        Map<String, Set<TopicPartition>> result = new RoundRobinAssignor().assign(List.of(
                member("C0", Set.of("t0")),
                member("C1", Set.of("t0", "t1")),
                member("C2", Set.of("t0", "t1", "t2"))), topic -> counts.getOrDefault(topic, 0));

        assertThat(result.get("C0")).containsExactly(tp("t0", 0));
        assertThat(result.get("C1")).containsExactly(tp("t1", 0));
        assertThat(result.get("C2")).containsExactlyInAnyOrder(tp("t1", 1), tp("t2", 0), tp("t2", 1), tp("t2", 2));
    }

    @Test
    void stickyKeepsEverySurvivorsPartitionsWhenAMemberLeaves() {
        Map<String, Set<TopicPartition>> before = new StickyAssignor().assign(List.of(
                member("C0", Set.of("t")), member("C1", Set.of("t")), member("C2", Set.of("t"))), topic -> 6);
        assertThat(before.values()).allSatisfy(partitions -> assertThat(partitions).hasSize(2));

        Map<String, Set<TopicPartition>> after = new StickyAssignor().assign(List.of(
                member("C0", Set.of("t"), before.get("C0")),
                member("C2", Set.of("t"), before.get("C2"))), topic -> 6);

        assertThat(after.get("C0")).containsAll(before.get("C0")).hasSize(3);
        assertThat(after.get("C2")).containsAll(before.get("C2")).hasSize(3);
        assertThat(after.get("C0")).doesNotContainAnyElementsOf(after.get("C2"));
    }

    @Test
    void stickyMovesOnlyWhatANewMemberNeeds() {
        Map<String, Set<TopicPartition>> before = new StickyAssignor().assign(List.of(
                member("C0", Set.of("t")), member("C1", Set.of("t")), member("C2", Set.of("t"))), topic -> 6);

        Map<String, Set<TopicPartition>> after = new StickyAssignor().assign(List.of(
                member("C0", Set.of("t"), before.get("C0")),
                member("C1", Set.of("t"), before.get("C1")),
                member("C2", Set.of("t"), before.get("C2")),
                member("C3", Set.of("t"))), topic -> 6);

        List<Integer> sizes = new ArrayList<>();
        int kept = 0;
        for (String id : List.of("C0", "C1", "C2")) {
            sizes.add(after.get(id).size());
            kept += (int) after.get(id).stream().filter(before.get(id)::contains).count();
        }
        sizes.add(after.get("C3").size());
        assertThat(sizes).containsExactlyInAnyOrder(2, 2, 1, 1);
        // Six partitions, four members (2, 2, 1, 1): the newcomer's one partition is the only one that moves.
        assertThat(kept).isEqualTo(5);
    }

    @Test
    void aTopicThatDoesNotExistIsNotAssigned() {
        for (PartitionAssignor assignor : List.of(new RangeAssignor(), new RoundRobinAssignor(), new StickyAssignor())) {
            Map<String, Set<TopicPartition>> result = assignor.assign(List.of(member("C0", Set.of("gone", "t"))),
                    topic -> topic.equals("t") ? 2 : -1);
            assertThat(result.get("C0")).as(assignor.name()).containsExactlyInAnyOrder(tp("t", 0), tp("t", 1));
        }
    }

    @Test
    void staticMembersAreOrderedByInstanceIdSoARestartKeepsTheirRanges() {
        List<AssignmentMember> first = List.of(new AssignmentMember("zz-uuid", "a", Set.of("t"), Set.of()),
                new AssignmentMember("aa-uuid", "b", Set.of("t"), Set.of()));
        List<AssignmentMember> restarted = List.of(new AssignmentMember("00-new-uuid", "b", Set.of("t"), Set.of()),
                new AssignmentMember("zz-uuid", "a", Set.of("t"), Set.of()));

        Map<String, Set<TopicPartition>> before = new RangeAssignor().assign(first, topic -> 4);
        Map<String, Set<TopicPartition>> after = new RangeAssignor().assign(restarted, topic -> 4);

        assertThat(before.get("zz-uuid")).containsExactly(tp("t", 0), tp("t", 1));
        assertThat(after.get("zz-uuid")).isEqualTo(before.get("zz-uuid"));
        assertThat(after.get("00-new-uuid")).isEqualTo(before.get("aa-uuid"));
    }

    @Test
    void kafkaClassNamesSelectTheSameStrategies() {
        assertThat(Assignors.byName("org.apache.kafka.clients.consumer.RangeAssignor")).containsInstanceOf(RangeAssignor.class);
        assertThat(Assignors.byName("org.apache.kafka.clients.consumer.CooperativeStickyAssignor"))
                .containsInstanceOf(StickyAssignor.class);
        assertThat(Assignors.byName("roundrobin")).containsInstanceOf(RoundRobinAssignor.class);
        assertThat(Assignors.byName("Range")).isEmpty();
    }
}
