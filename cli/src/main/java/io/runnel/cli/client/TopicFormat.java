package io.runnel.cli.client;

import io.runnel.proto.ConfigEntry;
import io.runnel.proto.ConfigSource;
import io.runnel.proto.PartitionMetadata;
import io.runnel.proto.TopicMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How {@code topics describe} and {@code configs describe} print, in the layout of Kafka's
 * {@code kafka-topics --describe}: fields separated by a tab, a header line per topic, then one line
 * per partition starting with a tab. Pure functions; thread-safe.
 */
public final class TopicFormat {

    private TopicFormat() {
    }

    /**
     * {@code Topic: orders<TAB>TopicId: …<TAB>PartitionCount: 3<TAB>ReplicationFactor: 1<TAB>CleanupPolicy: delete<TAB>Configs: k=v,…}:
     * Kafka's header plus the effective {@code cleanup.policy} (whether the topic is compacted, whatever set
     * it); {@code entries} are all of the topic's config entries, of which Configs shows the topic's own.
     */
    public static String header(TopicMetadata topic, List<ConfigEntry> entries) {
        List<PartitionMetadata> partitions = sorted(topic);
        int replicationFactor = partitions.isEmpty() ? 0 : partitions.get(0).getReplicasCount();
        String cleanupPolicy = entries.stream().filter(entry -> entry.getName().equals("cleanup.policy"))
                .map(TopicFormat::displayValue).findFirst().orElse("unknown");
        return "Topic: " + topic.getName()
                + "\tTopicId: " + topic.getTopicId()
                + "\tPartitionCount: " + partitions.size()
                + "\tReplicationFactor: " + replicationFactor
                + "\tCleanupPolicy: " + cleanupPolicy
                + "\tConfigs: " + topicOverrides(entries).stream()
                        .map(entry -> entry.getName() + "=" + displayValue(entry))
                        .collect(Collectors.joining(","));
    }

    /** {@code <TAB>Topic: orders<TAB>Partition: 0<TAB>Leader: 1<TAB>Replicas: 1,2<TAB>Isr: 1,2}; "none" for no leader. */
    public static String partitionLine(String topicName, PartitionMetadata partition) {
        String line = "\tTopic: " + topicName
                + "\tPartition: " + partition.getPartition()
                + "\tLeader: " + (partition.getLeaderId() < 0 ? "none" : Integer.toString(partition.getLeaderId()))
                + "\tReplicas: " + ids(partition.getReplicasList())
                + "\tIsr: " + ids(partition.getIsrList());
        if (partition.getOfflineReplicasCount() > 0) {
            line += "\tOffline: " + ids(partition.getOfflineReplicasList());
        }
        return line;
    }

    /** The header line and the partition lines of one topic; {@code entries}: all its config entries. */
    public static List<String> describe(TopicMetadata topic, List<ConfigEntry> entries) {
        List<String> lines = new ArrayList<>();
        lines.add(header(topic, entries));
        for (PartitionMetadata partition : sorted(topic)) {
            lines.add(partitionLine(topic.getName(), partition));
        }
        return lines;
    }

    /**
     * Which partitions {@code topics describe} shows when filtered, as {@code kafka-topics --describe} does:
     * under-replicated (ISR smaller than the replica set), unavailable (no leader), under min ISR (no
     * leader, or an ISR smaller than the topic's effective min.insync.replicas) and at min ISR (an ISR of
     * exactly that size). A partition matching any asked filter is shown. Immutable.
     */
    public record PartitionFilter(boolean underReplicated, boolean unavailable, boolean underMinIsr, boolean atMinIsr) {

        public boolean any() {
            return underReplicated || unavailable || underMinIsr || atMinIsr;
        }

        boolean matches(PartitionMetadata partition, int minIsr) {
            boolean hasLeader = partition.getLeaderId() >= 0;
            int isr = partition.getIsrCount();
            return (underReplicated && isr < partition.getReplicasCount())
                    || (unavailable && !hasLeader)
                    || (underMinIsr && (!hasLeader || isr < minIsr))
                    || (atMinIsr && isr == minIsr);
        }
    }

    /** The partition lines of {@code topic} that match {@code filter}, with {@code minIsr} its min.insync.replicas. */
    public static List<String> filteredPartitionLines(TopicMetadata topic, PartitionFilter filter, int minIsr) {
        List<String> lines = new ArrayList<>();
        for (PartitionMetadata partition : sorted(topic)) {
            if (filter.matches(partition, minIsr)) {
                lines.add(partitionLine(topic.getName(), partition));
            }
        }
        return lines;
    }

    /** The topic's effective min.insync.replicas from its DescribeConfigs entries (Kafka's default, 1, if absent). */
    public static int minInsyncReplicas(List<ConfigEntry> entries) {
        for (ConfigEntry entry : entries) {
            if (entry.getName().equals("min.insync.replicas")) {
                try {
                    return Integer.parseInt(entry.getValue().trim());
                } catch (NumberFormatException e) {
                    throw new IllegalStateException("the broker reported min.insync.replicas='" + entry.getValue()
                            + "', which is not a number", e);
                }
            }
        }
        return 1;
    }

    /** Entries set on the topic itself (not defaults), as the Configs field shows. */
    public static List<ConfigEntry> topicOverrides(List<ConfigEntry> entries) {
        return entries.stream().filter(entry -> entry.getSource() == ConfigSource.DYNAMIC_TOPIC_CONFIG).toList();
    }

    /** {@code name=value<TAB>source=SOURCE} as {@code configs describe} prints each entry. */
    public static String configLine(ConfigEntry entry) {
        return entry.getName() + "=" + displayValue(entry) + "\tsource=" + sourceName(entry.getSource());
    }

    static String sourceName(ConfigSource source) {
        return source == ConfigSource.UNRECOGNIZED ? "SOURCE_UNKNOWN" : source.name();
    }

    static String displayValue(ConfigEntry entry) {
        return entry.getSensitive() ? "<sensitive>" : entry.getValue();
    }

    static String ids(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static List<PartitionMetadata> sorted(TopicMetadata topic) {
        return topic.getPartitionsList().stream()
                .sorted(Comparator.comparingInt(PartitionMetadata::getPartition)).toList();
    }
}
