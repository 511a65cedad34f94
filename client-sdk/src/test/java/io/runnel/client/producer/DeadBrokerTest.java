package io.runnel.client.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runnel.client.serialization.StringSerializer;
import io.runnel.client.testing.FakeBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A broker that accepts connections but never answers (hung, paused, or behind a network that drops its
 * replies) must not hold up sends to the other leaders: while its partitions' sends are still pending
 * (its requests wait out request.timeout.ms), every send to the live leaders completes. Metadata is
 * refreshed often, so refreshes do go out while the dead broker is in the cluster's list.
 */
class DeadBrokerTest {

    private FakeBroker broker;
    private RunnelProducer<String, String> producer;

    @BeforeEach
    void start() throws Exception {
        broker = FakeBroker.start(3); // partition p is led by broker p % 3
        broker.createTopic("spread", 6);
    }

    @AfterEach
    void stop() throws Exception {
        producer.close(Duration.ZERO);
        broker.close();
    }

    @Test
    void sendsToLiveLeadersCompleteWhileTheSilentBrokersSendsAreStillPending() throws Exception {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", broker.bootstrap());
        config.put("linger.ms", 1);
        config.put("metadata.max.age.ms", 20);
        config.put("retry.backoff.ms", 10);
        // Longer than the test may take: a call to the silent broker is still waiting when the test ends.
        config.put("request.timeout.ms", 120_000);
        config.put("delivery.timeout.ms", 240_000);
        producer = new RunnelProducer<>(config, new StringSerializer(), new StringSerializer());
        producer.partitionsFor("spread");
        broker.blackHole(2); // leads partitions 2 and 5

        List<Future<RecordMetadata>> live = new ArrayList<>();
        List<Future<RecordMetadata>> silent = new ArrayList<>();
        for (int round = 0; round < 50; round++) {
            for (int p = 0; p < 6; p++) {
                Future<RecordMetadata> future = producer.send(new ProducerRecord<>("spread", p, "k", "r" + round));
                (p % 3 == 2 ? silent : live).add(future);
            }
            // Metadata refreshes keep being due while records flow.
            Thread.sleep(5);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> live.stream().allMatch(Future::isDone));
        for (Future<RecordMetadata> future : live) {
            assertThat(future.get().offset()).isNotNegative();
        }
        assertThat(silent).noneMatch(Future::isDone);
        assertThat(broker.swallowedCalls()).isPositive();
        for (int p : new int[] {0, 1, 3, 4}) {
            assertThat(broker.logEndOffset(new io.runnel.common.TopicPartition("spread", p))).isEqualTo(50);
        }
    }
}
