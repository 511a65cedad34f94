package io.runnel.group.assignor;

import io.runnel.common.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * Kafka's range assignor: topic by topic, the members subscribed to the topic in order (static members by
 * instance id, then dynamic ones by member id) each get a contiguous range of its partitions; the first
 * {@code partitions % members} get one more. Members of a topic with n partitions and c members get the
 * same partition numbers of every topic with n partitions (co-partitioning). With C0 and C1 subscribed to
 * t0 and t1 of three partitions each: C0 {t0-0, t0-1, t1-0, t1-1}, C1 {t0-2, t1-2}. Stateless.
 */
public final class RangeAssignor implements PartitionAssignor {

    public static final String NAME = "range";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Set<TopicPartition>> assign(Collection<AssignmentMember> members, ToIntFunction<String> partitionCounts) {
        Map<String, Set<TopicPartition>> result = new TreeMap<>();
        Map<String, List<AssignmentMember>> membersByTopic = new TreeMap<>();
        for (AssignmentMember member : members) {
            result.put(member.memberId(), new TreeSet<>());
            for (String topic : member.subscribedTopics()) {
                membersByTopic.computeIfAbsent(topic, t -> new ArrayList<>()).add(member);
            }
        }
        membersByTopic.forEach((topic, subscribers) -> {
            int partitions = partitionCounts.applyAsInt(topic);
            if (partitions < 1) {
                return;
            }
            subscribers.sort(Comparator.comparing(AssignmentMember::sortKey));
            int perMember = partitions / subscribers.size();
            int withExtra = partitions % subscribers.size();
            for (int i = 0; i < subscribers.size(); i++) {
                int start = perMember * i + Math.min(i, withExtra);
                int length = perMember + (i < withExtra ? 1 : 0);
                Set<TopicPartition> owned = result.get(subscribers.get(i).memberId());
                for (int p = start; p < start + length; p++) {
                    owned.add(new TopicPartition(topic, p));
                }
            }
        });
        return result;
    }
}
