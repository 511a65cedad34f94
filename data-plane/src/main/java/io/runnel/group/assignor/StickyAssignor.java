package io.runnel.group.assignor;

import io.runnel.common.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * Kafka's sticky goals, server side: the assignment is as balanced as possible and, within that, as close to
 * the previous target as possible; balance wins when the two conflict.
 *
 * <ol>
 *   <li>Every member keeps the partitions of its previous target that still exist and that it still
 *       subscribes to.</li>
 *   <li>Each partition nobody keeps goes to the member with the fewest partitions among those subscribed
 *       to its topic (ties: member order as in {@link RangeAssignor}).</li>
 *   <li>While a member owns a partition that a member with at least two fewer partitions subscribes to,
 *       the partition moves there (from the most loaded member first). Each move lowers the sum of squared
 *       counts, so this ends; when it ends, no single move improves balance: with equal subscriptions the
 *       counts differ by at most one.</li>
 * </ol>
 *
 * <p>Hence with equal subscriptions a member leaving costs no survivor a partition, and a member joining
 * takes partitions only from members above the new quota. Cost: O(P x M) for P partitions and M members
 * per pass of step 3, bounded by the group size limit (docs/limits.md). Stateless.
 */
public final class StickyAssignor implements PartitionAssignor {

    public static final String NAME = "sticky";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Set<TopicPartition>> assign(Collection<AssignmentMember> members, ToIntFunction<String> partitionCounts) {
        List<AssignmentMember> ordered = new ArrayList<>(members);
        ordered.sort(Comparator.comparing(AssignmentMember::sortKey));
        Map<String, TreeSet<TopicPartition>> owned = new HashMap<>();
        Map<String, List<AssignmentMember>> eligible = new TreeMap<>();
        Map<TopicPartition, String> owner = new HashMap<>();
        for (AssignmentMember member : ordered) {
            owned.put(member.memberId(), new TreeSet<>());
            for (String topic : member.subscribedTopics()) {
                if (partitionCounts.applyAsInt(topic) > 0) {
                    eligible.computeIfAbsent(topic, t -> new ArrayList<>()).add(member);
                }
            }
        }
        keepPrevious(ordered, partitionCounts, owned, owner);
        assignUnowned(eligible, partitionCounts, owned, owner);
        balance(ordered, eligible, owned);
        Map<String, Set<TopicPartition>> result = new TreeMap<>();
        owned.forEach((memberId, partitions) -> result.put(memberId, partitions));
        return result;
    }

    private static void keepPrevious(List<AssignmentMember> ordered, ToIntFunction<String> partitionCounts,
                                     Map<String, TreeSet<TopicPartition>> owned, Map<TopicPartition, String> owner) {
        for (AssignmentMember member : ordered) {
            for (TopicPartition tp : member.previousTarget()) {
                boolean valid = member.subscribedTopics().contains(tp.topic())
                        && tp.partition() < partitionCounts.applyAsInt(tp.topic());
                // A partition two previous targets name (never written by this assignor) stays with the first.
                if (valid && owner.putIfAbsent(tp, member.memberId()) == null) {
                    owned.get(member.memberId()).add(tp);
                }
            }
        }
    }

    private static void assignUnowned(Map<String, List<AssignmentMember>> eligible, ToIntFunction<String> partitionCounts,
                                      Map<String, TreeSet<TopicPartition>> owned, Map<TopicPartition, String> owner) {
        eligible.forEach((topic, candidates) -> {
            int partitions = partitionCounts.applyAsInt(topic);
            for (int p = 0; p < partitions; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                if (owner.containsKey(tp)) {
                    continue;
                }
                AssignmentMember least = candidates.get(0);
                for (AssignmentMember candidate : candidates) {
                    if (owned.get(candidate.memberId()).size() < owned.get(least.memberId()).size()) {
                        least = candidate;
                    }
                }
                owned.get(least.memberId()).add(tp);
                owner.put(tp, least.memberId());
            }
        });
    }

    private static void balance(List<AssignmentMember> ordered, Map<String, List<AssignmentMember>> eligible,
                                Map<String, TreeSet<TopicPartition>> owned) {
        boolean moved = true;
        while (moved) {
            moved = false;
            List<AssignmentMember> byLoad = new ArrayList<>(ordered);
            byLoad.sort(Comparator.comparingInt((AssignmentMember m) -> -owned.get(m.memberId()).size())
                    .thenComparing(AssignmentMember::sortKey));
            for (AssignmentMember from : byLoad) {
                if (moveOne(from, eligible, owned)) {
                    moved = true;
                    break;
                }
            }
        }
    }

    /** Moves one partition of {@code from} to the least loaded member two or more below it, if any may take one. */
    private static boolean moveOne(AssignmentMember from, Map<String, List<AssignmentMember>> eligible,
                                   Map<String, TreeSet<TopicPartition>> owned) {
        TreeSet<TopicPartition> source = owned.get(from.memberId());
        int sourceCount = source.size();
        // The highest partitions move first, so a member keeps the low-numbered ones it has longest.
        for (TopicPartition tp : source.descendingSet()) {
            AssignmentMember target = null;
            for (AssignmentMember candidate : eligible.getOrDefault(tp.topic(), List.of())) {
                int count = owned.get(candidate.memberId()).size();
                if (count < sourceCount - 1 && (target == null || count < owned.get(target.memberId()).size())) {
                    target = candidate;
                }
            }
            if (target != null) {
                source.remove(tp);
                owned.get(target.memberId()).add(tp);
                return true;
            }
        }
        return false;
    }
}
