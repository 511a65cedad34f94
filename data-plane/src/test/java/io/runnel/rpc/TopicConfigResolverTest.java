package io.runnel.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.InternalTopics;
import io.runnel.common.config.ServerConfig;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.ConfigSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicConfigResolverTest {

    @Test
    void theConsumerOffsetsTopicIsCompactedWhateverTheBrokerDefault() {
        TopicConfigResolver resolver = new TopicConfigResolver(
                ServerConfig.parse(Map.of("log.cleanup.policy", "delete", "log.segment.bytes", "2097152")));

        assertThat(resolver.resolve(MetadataImage.EMPTY, InternalTopics.CONSUMER_OFFSETS).get("cleanup.policy"))
                .isEqualTo(new TopicConfigResolver.Resolved("compact", ConfigSource.DEFAULT_CONFIG));
        assertThat(resolver.logConfig(MetadataImage.EMPTY, InternalTopics.CONSUMER_OFFSETS).compact()).isTrue();
        assertThat(resolver.logConfig(MetadataImage.EMPTY, InternalTopics.CONSUMER_OFFSETS).segmentBytes())
                .isEqualTo(InternalTopics.SEGMENT_BYTES);
        assertThat(resolver.logConfig(MetadataImage.EMPTY, InternalTopics.TRANSACTION_STATE).compact()).isTrue();

        assertThat(resolver.logConfig(MetadataImage.EMPTY, "orders").compact()).isFalse();
        assertThat(resolver.logConfig(MetadataImage.EMPTY, "orders").segmentBytes()).isEqualTo(2_097_152);
    }
}
