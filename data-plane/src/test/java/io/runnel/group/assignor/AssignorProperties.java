package io.runnel.group.assignor;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.TopicPartition;
import io.runnel.common.testing.Gen;
import io.runnel.common.testing.PropertyCheck;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Seeded random groups of many shapes (members, topics, partition counts, subscriptions equal or not,
 * previous assignments) against what every assignor must do, and what the sticky one promises: balance
 * within one partition, and keeping survivors' partitions. docs/testing.md says how to replay a seed.
 */
class AssignorProperties {

    private static final List<PartitionAssignor> ASSIGNORS =
            List.of(new RangeAssignor(), new RoundRobinAssignor(), new StickyAssignor());

    /** A random group: topics t0..tN with their partition counts, members with subscriptions. */
    private record Shape(Map<String, Integer> counts, List<AssignmentMember> members) {
        int count(String topic) {
            return counts.getOrDefault(topic, -1);
        }
    }

    private static Shape shape(Gen gen, boolean sameSubscriptions) {
        Map<String, Integer> counts = new HashMap<>();
        int topics = gen.intBetween(1, 6);
        for (int t = 0; t < topics; t++) {
            counts.put("t" + t, gen.intBetween(1, 24));
        }
        List<String> names = new ArrayList<>(counts.keySet());
        Set<String> shared = subscription(gen, names);
        List<AssignmentMember> members = new ArrayList<>();
        int size = gen.intBetween(1, 12);
        for (int m = 0; m < size; m++) {
            Set<String> topicsOfMember = sameSubscriptions ? shared : subscription(gen, names);
            String instance = gen.chance(0.3) ? "i" + m : null;
            members.add(new AssignmentMember("m" + gen.intBetween(0, 1_000_000) + "-" + m, instance, topicsOfMember, Set.of()));
        }
        return new Shape(counts, members);
    }

    private static Set<String> subscription(Gen gen, List<String> names) {
        Set<String> topics = new LinkedHashSet<>();
        int n = gen.intBetween(1, names.size());
        for (int i = 0; i < n; i++) {
            topics.add(gen.pick(names));
        }
        if (gen.chance(0.1)) {
            topics.add("missing");  // subscribed but not existing: never assigned
        }
        return topics;
    }

    /** Every existing subscribed partition has exactly one owner, which subscribes to its topic. */
    private static void assertValid(Shape shape, Map<String, Set<TopicPartition>> result, String assignor) {
        assertThat(result.keySet()).as(assignor + ": a result for every member")
                .containsExactlyInAnyOrderElementsOf(shape.members().stream().map(AssignmentMember::memberId).toList());
        Map<TopicPartition, String> owners = new HashMap<>();
        for (AssignmentMember member : shape.members()) {
            for (TopicPartition tp : result.get(member.memberId())) {
                assertThat(member.subscribedTopics()).as(assignor + ": " + member.memberId() + " owns " + tp).contains(tp.topic());
                assertThat(tp.partition()).isLessThan(shape.count(tp.topic()));
                assertThat(owners.put(tp, member.memberId())).as(assignor + ": " + tp + " has two owners").isNull();
            }
        }
        Set<TopicPartition> expected = new HashSet<>();
        shape.members().forEach(m -> m.subscribedTopics().forEach(topic -> {
            for (int p = 0; p < shape.count(topic); p++) {
                expected.add(new TopicPartition(topic, p));
            }
        }));
        assertThat(owners.keySet()).as(assignor + ": every subscribed partition assigned").isEqualTo(expected);
    }

    /** No member owns a partition that a member with two or more fewer partitions subscribes to. */
    private static void assertBalanced(Shape shape, Map<String, Set<TopicPartition>> result) {
        for (AssignmentMember from : shape.members()) {
            for (TopicPartition tp : result.get(from.memberId())) {
                for (AssignmentMember to : shape.members()) {
                    if (to.subscribedTopics().contains(tp.topic())) {
                        assertThat(result.get(from.memberId()).size())
                                .as("%s (%d partitions) owns %s that %s (%d) could take", from.memberId(),
                                        result.get(from.memberId()).size(), tp, to.memberId(), result.get(to.memberId()).size())
                                .isLessThanOrEqualTo(result.get(to.memberId()).size() + 1);
                    }
                }
            }
        }
    }

    @Test
    void everyAssignorAssignsEveryPartitionToExactlyOneSubscriber() {
        PropertyCheck.forAll(300, gen -> {
            Shape shape = shape(gen, gen.bool());
            for (PartitionAssignor assignor : ASSIGNORS) {
                assertValid(shape, assignor.assign(shape.members(), shape::count), assignor.name());
            }
        });
    }

    @Test
    void withEqualSubscriptionsRoundRobinAndStickyDifferByAtMostOnePartition() {
        PropertyCheck.forAll(300, gen -> {
            Shape shape = shape(gen, true);
            for (PartitionAssignor assignor : List.of(new RoundRobinAssignor(), new StickyAssignor())) {
                Map<String, Set<TopicPartition>> result = assignor.assign(shape.members(), shape::count);
                int max = result.values().stream().mapToInt(Set::size).max().orElse(0);
                int min = result.values().stream().mapToInt(Set::size).min().orElse(0);
                assertThat(max - min).as(assignor.name()).isLessThanOrEqualTo(1);
            }
        });
    }

    @Test
    void stickyIsBalancedWithinOnePartitionForAnySubscriptions() {
        PropertyCheck.forAll(300, gen -> {
            Shape shape = shape(gen, false);
            assertBalanced(shape, new StickyAssignor().assign(shape.members(), shape::count));
        });
    }

    @Test
    void stickyKeepsSurvivorsPartitionsAndMovesOnlyFromMembersAboveTheNewQuota() {
        PropertyCheck.forAll(300, gen -> {
            Shape shape = shape(gen, gen.chance(0.7));
            StickyAssignor sticky = new StickyAssignor();
            Map<String, Set<TopicPartition>> before = sticky.assign(shape.members(), shape::count);
            // Members leave and join; partition counts grow; survivors keep their subscriptions.
            List<AssignmentMember> next = new ArrayList<>();
            for (AssignmentMember member : shape.members()) {
                if (next.isEmpty() || !gen.chance(0.3)) {
                    next.add(new AssignmentMember(member.memberId(), member.instanceId(), member.subscribedTopics(),
                            before.get(member.memberId())));
                }
            }
            int joining = gen.intBetween(0, 3);
            for (int j = 0; j < joining; j++) {
                next.add(new AssignmentMember("new-" + j, null, shape.members().get(0).subscribedTopics(), Set.of()));
            }
            Map<String, Integer> grown = new HashMap<>(shape.counts());
            if (gen.chance(0.3)) {
                grown.replaceAll((topic, count) -> count + gen.intBetween(0, 4));
            }
            Shape after = new Shape(grown, next);
            Map<String, Set<TopicPartition>> result = sticky.assign(next, after::count);

            assertValid(after, result, "sticky");
            assertBalanced(after, result);
            boolean equalSubscriptions = next.stream().map(AssignmentMember::subscribedTopics).distinct().count() == 1;
            if (equalSubscriptions && joining == 0) {
                // Nobody joined: the survivors' share only grew, so each keeps every partition it had.
                for (AssignmentMember member : next) {
                    assertThat(result.get(member.memberId())).as(member.memberId()).containsAll(member.previousTarget());
                }
            } else if (equalSubscriptions) {
                // Someone joined: a survivor loses partitions only down to the new ceiling quota.
                int total = result.values().stream().mapToInt(Set::size).sum();
                int ceiling = (total + next.size() - 1) / next.size();
                for (AssignmentMember member : next) {
                    long kept = member.previousTarget().stream().filter(result.get(member.memberId())::contains).count();
                    assertThat(kept).as(member.memberId()).isGreaterThanOrEqualTo(
                            Math.min(member.previousTarget().size(), ceiling - 1));
                }
            }
        });
    }

    @Test
    void assignorsAreDeterministic() {
        PropertyCheck.forAll(100, gen -> {
            Shape shape = shape(gen, gen.bool());
            List<AssignmentMember> reversed = new ArrayList<>(shape.members());
            java.util.Collections.reverse(reversed);
            for (PartitionAssignor assignor : ASSIGNORS) {
                assertThat(assignor.assign(reversed, shape::count)).as(assignor.name())
                        .isEqualTo(assignor.assign(shape.members(), shape::count));
            }
        });
    }
}
