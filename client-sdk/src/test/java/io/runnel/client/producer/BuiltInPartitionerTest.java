package io.runnel.client.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.client.Node;
import io.runnel.client.PartitionInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BuiltInPartitionerTest {

    /** Vectors of Kafka's UtilsTest.testMurmur2 (Kafka's own published values). */
    @ParameterizedTest
    @CsvSource({
            "21, -973932308",
            "foobar, -790332482",
            "a-little-bit-long-string, -985981536",
            "a-little-bit-longer-string, -1486304829",
            "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8, -58897971",
            "abc, 479470107",
    })
    void murmur2MatchesKafka(String key, int expected) {
        assertThat(BuiltInPartitioner.murmur2(key.getBytes(StandardCharsets.UTF_8))).isEqualTo(expected);
    }

    @Test
    void keyedPartitionIsToPositiveMurmur2ModuloCount() {
        // toPositive(-790332482) = 1357151166; 1357151166 % 50 = 16, the partition Kafka picks for "foobar".
        assertThat(BuiltInPartitioner.partitionForKey("foobar".getBytes(StandardCharsets.UTF_8), 50)).isEqualTo(16);
        assertThat(BuiltInPartitioner.toPositive(Integer.MIN_VALUE)).isZero();
        assertThat(BuiltInPartitioner.toPositive(-1)).isEqualTo(Integer.MAX_VALUE);
        // The same key always lands on the same partition, whatever the partitioner's sticky state.
        BuiltInPartitioner partitioner = new BuiltInPartitioner();
        byte[] key = "customer-42".getBytes(StandardCharsets.UTF_8);
        int expected = BuiltInPartitioner.toPositive(BuiltInPartitioner.murmur2(key)) % 6;
        for (int i = 0; i < 10; i++) {
            assertThat(partitioner.partition("t", "customer-42", key, null, null, partitions(6))).isEqualTo(expected);
            partitioner.onNewBatch("t", partitions(6), expected);
        }
    }

    @Test
    void stickyPartitionHoldsUntilItsBatchCompletesThenMovesToAnother() {
        BuiltInPartitioner partitioner = new BuiltInPartitioner();
        List<PartitionInfo> partitions = partitions(4);
        int first = partitioner.partition("t", null, null, null, null, partitions);
        for (int i = 0; i < 20; i++) {
            assertThat(partitioner.partition("t", null, null, null, null, partitions)).isEqualTo(first);
        }
        Set<Integer> seen = new HashSet<>();
        int previous = first;
        for (int i = 0; i < 40; i++) {
            partitioner.onNewBatch("t", partitions, previous);
            int next = partitioner.partition("t", null, null, null, null, partitions);
            assertThat(next).isNotEqualTo(previous);
            seen.add(next);
            previous = next;
        }
        assertThat(seen).hasSizeGreaterThan(1);
    }

    @Test
    void onNewBatchForAnOutdatedPartitionDoesNotMoveTheStickyOne() {
        BuiltInPartitioner partitioner = new BuiltInPartitioner();
        List<PartitionInfo> partitions = partitions(3);
        int sticky = partitioner.partition("t", null, null, null, null, partitions);
        partitioner.onNewBatch("t", partitions, (sticky + 1) % 3);
        assertThat(partitioner.partition("t", null, null, null, null, partitions)).isEqualTo(sticky);
    }

    @Test
    void stickyPrefersPartitionsWithALeader() {
        BuiltInPartitioner partitioner = new BuiltInPartitioner();
        List<PartitionInfo> partitions = new ArrayList<>(partitions(3));
        Node leader = new Node(1, "h", 1, "");
        partitions.set(0, new PartitionInfo("t", 0, null, 0, List.of(), List.of(), List.of()));
        partitions.set(2, new PartitionInfo("t", 2, null, 0, List.of(), List.of(), List.of()));
        partitions.set(1, new PartitionInfo("t", 1, leader, 0, List.of(leader), List.of(leader), List.of()));
        assertThat(partitioner.partition("t", null, null, null, null, partitions)).isEqualTo(1);
    }

    private static List<PartitionInfo> partitions(int count) {
        List<PartitionInfo> list = new ArrayList<>();
        Node node = new Node(0, "localhost", 9092, "");
        for (int p = 0; p < count; p++) {
            list.add(new PartitionInfo("t", p, node, 0, List.of(node), List.of(node), List.of()));
        }
        return list;
    }
}
