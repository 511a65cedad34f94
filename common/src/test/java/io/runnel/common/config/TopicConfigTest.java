package io.runnel.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicConfigTest {

    @Test
    void defaultsAreKafkas() {
        Map<String, Object> values = TopicConfig.DEFINITION.parse(Map.of());
        assertThat(values.get(TopicConfig.SEGMENT_BYTES)).isEqualTo(1_073_741_824);
        assertThat(values.get(TopicConfig.RETENTION_MS)).isEqualTo(604_800_000L);
        assertThat(values.get(TopicConfig.MAX_MESSAGE_BYTES)).isEqualTo(1_048_588);
        assertThat(values.get(TopicConfig.CLEANUP_POLICY)).isEqualTo(List.of("delete"));
        assertThat(values.get(TopicConfig.MIN_IN_SYNC_REPLICAS)).isEqualTo(1);
        assertThat(values.get(TopicConfig.INDEX_INTERVAL_BYTES)).isEqualTo(4096);
    }

    @Test
    void parsesTypedValues() {
        Map<String, Object> typed = TopicConfig.validate(Map.of(
                "retention.ms", "-1", "cleanup.policy", "compact,delete", "unclean.leader.election.enable", "TRUE"));
        assertThat(typed).containsEntry("retention.ms", -1L)
                .containsEntry("cleanup.policy", List.of("compact", "delete"))
                .containsEntry("unclean.leader.election.enable", true);
    }

    @Test
    void unknownKeysAndBadValuesAreNamed() {
        assertThatThrownBy(() -> TopicConfig.validate(Map.of("retention.mss", "1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown configuration 'retention.mss'");
        assertThatThrownBy(() -> TopicConfig.validate(Map.of("segment.bytes", "lots")))
                .hasMessageContaining("'lots'").hasMessageContaining("segment.bytes").hasMessageContaining("32-bit integer");
        // Kafka 4's floor (KIP-1030): 1 MiB.
        assertThatThrownBy(() -> TopicConfig.validate(Map.of("segment.bytes", "1048575")))
                .hasMessageContaining("segment.bytes").hasMessageContaining("must be at least 1048576");
        assertThat(TopicConfig.validate(Map.of("segment.bytes", "1048576"))).containsEntry("segment.bytes", 1_048_576);
        assertThatThrownBy(() -> TopicConfig.validate(Map.of("internal.segment.bytes", "1000")))
                .as("not a topic key").hasMessageContaining("unknown configuration 'internal.segment.bytes'");
        assertThatThrownBy(() -> TopicConfig.validate(Map.of("cleanup.policy", "forever")))
                .hasMessageContaining("'forever' is not one of [delete, compact]");
        assertThatThrownBy(() -> TopicConfig.validate(Map.of("message.timestamp.type", "createtime")))
                .hasMessageContaining("must be one of [CreateTime, LogAppendTime]");
    }

    @Test
    void everyTopicKeyButTheThrottleListsHasAServerDefaultKey() {
        java.util.Set<String> withDefaults = new java.util.HashSet<>(TopicConfig.DEFINITION.names());
        // Kafka has no cluster-wide default for which replicas are throttled: it is per topic by nature.
        withDefaults.remove(TopicConfig.LEADER_REPLICATION_THROTTLED_REPLICAS);
        withDefaults.remove(TopicConfig.FOLLOWER_REPLICATION_THROTTLED_REPLICAS);
        assertThat(TopicConfig.serverDefaultKeys().keySet()).containsExactlyInAnyOrderElementsOf(withDefaults);
        assertThat(TopicConfig.serverDefaultKey("retention.ms")).contains("log.retention.ms");
    }
}
