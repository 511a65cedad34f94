package io.runnel.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kafka's throttled-replica list format: '*' or partitionId:brokerId entries; nothing else. */
class ThrottledReplicasTest {

    private static final String KEY = TopicConfig.LEADER_REPLICATION_THROTTLED_REPLICAS;

    @Test
    void parsesEntriesTheWildcardAndNothing() {
        ThrottledReplicas entries = ThrottledReplicas.parse(KEY, "0:101, 0:102,3:101");
        assertThat(entries.contains(0, 101)).isTrue();
        assertThat(entries.contains(0, 102)).isTrue();
        assertThat(entries.contains(3, 101)).isTrue();
        assertThat(entries.contains(3, 102)).isFalse();
        assertThat(entries.contains(1, 101)).isFalse();
        assertThat(entries.toString()).isEqualTo("0:101,0:102,3:101");

        assertThat(ThrottledReplicas.parse(KEY, "*").contains(42, 7)).isTrue();
        assertThat(ThrottledReplicas.parse(KEY, " * ").isWildcard()).isTrue();
        assertThat(ThrottledReplicas.parse(KEY, "")).isEqualTo(ThrottledReplicas.NONE);
        assertThat(ThrottledReplicas.parse(KEY, List.of())).isEqualTo(ThrottledReplicas.NONE);
        assertThat(ThrottledReplicas.NONE.contains(0, 0)).isFalse();
    }

    @Test
    void refusesAnythingElseNamingTheEntry() {
        for (String bad : List.of("0", "0:", ":1", "a:1", "1:b", "-1:2", "1:-2", "0:1:2", "*,0:1", "0:1,,0:2", " , ",
                "0:99999999999")) {
            assertThatThrownBy(() -> ThrottledReplicas.parse(KEY, bad)).as(bad)
                    .isInstanceOf(ConfigException.class).hasMessageContaining(KEY);
        }
        assertThatThrownBy(() -> ThrottledReplicas.parse(KEY, "0:1,x:2")).hasMessageContaining("'x:2'");
    }

    @Test
    void theTopicConfigValidatesWithIt() {
        assertThat(TopicConfig.validate(Map.of(KEY, "0:1,1:2"))).containsEntry(KEY, List.of("0:1", "1:2"));
        assertThat(TopicConfig.DEFINITION.parse(Map.of()).get(TopicConfig.FOLLOWER_REPLICATION_THROTTLED_REPLICAS))
                .isEqualTo(List.of());
        assertThatThrownBy(() -> TopicConfig.validate(Map.of(TopicConfig.FOLLOWER_REPLICATION_THROTTLED_REPLICAS, "all")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'all'");
    }
}
