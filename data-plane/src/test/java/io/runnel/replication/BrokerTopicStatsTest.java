package io.runnel.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.TopicPartition;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BrokerTopicStatsTest {

    private final Set<TopicPartition> hosted = new HashSet<>(Set.of(new TopicPartition("orders", 0)));
    private final BrokerTopicStats stats = new BrokerTopicStats(hosted::contains);

    @Test
    void countsPerHostedTopicAndInTotal() {
        stats.recordProduce(new TopicPartition("orders", 0), false, 100, 3);
        stats.recordProduce(new TopicPartition("orders", 0), true, 0, 0);
        stats.recordFetch(new TopicPartition("orders", 0), false, 60);
        stats.recordFetch(new TopicPartition("orders", 0), true, 0);

        BrokerTopicStats.Counters orders = stats.topics().get("orders");
        for (BrokerTopicStats.Counters counters : new BrokerTopicStats.Counters[] {orders, stats.allTopics()}) {
            assertThat(counters.bytesIn()).isEqualTo(100);
            assertThat(counters.messagesIn()).isEqualTo(3);
            assertThat(counters.produceRequests()).isEqualTo(2);
            assertThat(counters.failedProduceRequests()).isEqualTo(1);
            assertThat(counters.bytesOut()).isEqualTo(60);
            assertThat(counters.fetchRequests()).isEqualTo(2);
            assertThat(counters.failedFetchRequests()).isEqualTo(1);
        }
    }

    @Test
    void topicsWithoutAReplicaHereCountOnlyInTheTotal() {
        for (int i = 0; i < 1_000; i++) {
            stats.recordProduce(new TopicPartition("random-" + i, 0), true, 0, 0);
        }
        assertThat(stats.topics()).isEmpty();
        assertThat(stats.allTopics().failedProduceRequests()).isEqualTo(1_000);
    }

    @Test
    void forgetsTopicsNoLongerHosted() {
        stats.recordProduce(new TopicPartition("orders", 0), false, 10, 1);
        hosted.clear();
        stats.retainTopics(Set.of());
        assertThat(stats.topics()).isEmpty();
        assertThat(stats.allTopics().bytesIn()).isEqualTo(10);
    }
}
