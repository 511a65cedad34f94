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
 * Kafka's round-robin assignor: every partition of every subscribed topic, in (topic, partition) order, goes
 * to the next member in a circle of members ordered as in {@link RangeAssignor}, skipping members not
 * subscribed to the partition's topic. With t0, t1, t2 of 1, 2, 3 partitions and C0 {t0}, C1 {t0, t1},
 * C2 {t0, t1, t2}: C0 {t0-0}, C1 {t1-0}, C2 {t1-1, t2-0, t2-1, t2-2}. Even when every member subscribes
 * to the same topics; uneven otherwise. Stateless.
 */
public final class RoundRobinAssignor implements PartitionAssignor {

    public static final String NAME = "roundrobin";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Set<TopicPartition>> assign(Collection<AssignmentMember> members, ToIntFunction<String> partitionCounts) {
        Map<String, Set<TopicPartition>> result = new TreeMap<>();
        List<AssignmentMember> circle = new ArrayList<>(members);
        circle.sort(Comparator.comparing(AssignmentMember::sortKey));
        Set<String> topics = new TreeSet<>();
        for (AssignmentMember member : circle) {
            result.put(member.memberId(), new TreeSet<>());
            topics.addAll(member.subscribedTopics());
        }
        int next = 0;
        for (String topic : topics) {
            int partitions = partitionCounts.applyAsInt(topic);
            for (int p = 0; p < partitions; p++) {
                // Some member subscribes to the topic (it came from a subscription), so this ends within one turn.
                while (!circle.get(next).subscribedTopics().contains(topic)) {
                    next = (next + 1) % circle.size();
                }
                result.get(circle.get(next).memberId()).add(new TopicPartition(topic, p));
                next = (next + 1) % circle.size();
            }
        }
        return result;
    }
}
