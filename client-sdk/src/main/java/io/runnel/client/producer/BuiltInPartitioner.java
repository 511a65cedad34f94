package io.runnel.client.producer;

import io.runnel.client.PartitionInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The default partitioner, Kafka-compatible: a record with a key goes to
 * {@code toPositive(murmur2(keyBytes)) % numPartitions}, so a key lands on the same partition as with
 * Kafka's Java client; a record without a key goes to a "sticky" partition per topic that changes only
 * when its batch is complete ({@link #onNewBatch}), so keyless records fill whole batches instead of
 * spreading one-record batches over every partition. The new sticky partition is chosen at random among
 * partitions with a known leader (all partitions when none has one), never the previous one when there
 * is another. Thread-safe.
 */
public final class BuiltInPartitioner implements Partitioner {

    private final ConcurrentMap<String, Integer> stickyByTopic = new ConcurrentHashMap<>();

    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes,
                         List<PartitionInfo> partitions) {
        if (keyBytes != null) {
            return partitionForKey(keyBytes, partitions.size());
        }
        Integer sticky = stickyByTopic.get(topic);
        if (sticky != null && sticky < partitions.size()) {
            return sticky;
        }
        return nextSticky(topic, partitions, -1);
    }

    @Override
    public void onNewBatch(String topic, List<PartitionInfo> partitions, int previousPartition) {
        Integer sticky = stickyByTopic.get(topic);
        // Only the first thread to see the batch complete moves the partition; the others then use the new one.
        if (sticky == null || sticky == previousPartition) {
            nextSticky(topic, partitions, previousPartition);
        }
    }

    private int nextSticky(String topic, List<PartitionInfo> partitions, int previousPartition) {
        List<Integer> candidates = new ArrayList<>();
        for (PartitionInfo p : partitions) {
            if (p.leader() != null && p.partition() != previousPartition) {
                candidates.add(p.partition());
            }
        }
        if (candidates.isEmpty()) {
            for (PartitionInfo p : partitions) {
                if (p.partition() != previousPartition) {
                    candidates.add(p.partition());
                }
            }
        }
        int chosen = candidates.isEmpty() ? Math.max(previousPartition, 0)
                : candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
        stickyByTopic.put(topic, chosen);
        return chosen;
    }

    /** Kafka's key placement: {@code toPositive(murmur2(keyBytes)) % numPartitions}. */
    public static int partitionForKey(byte[] keyBytes, int numPartitions) {
        return toPositive(murmur2(keyBytes)) % numPartitions;
    }

    /** Clears the sign bit (not Math.abs, which leaves Integer.MIN_VALUE negative), as Kafka does. */
    public static int toPositive(int number) {
        return number & 0x7fffffff;
    }

    /** 32-bit MurmurHash2 with Kafka's seed 0x9747b28c, byte for byte Kafka's {@code Utils.murmur2}. */
    public static int murmur2(byte[] data) {
        int length = data.length;
        int seed = 0x9747b28c;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = seed ^ length;
        int length4 = length / 4;
        for (int i = 0; i < length4; i++) {
            int i4 = i * 4;
            int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16)
                    + ((data[i4 + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int tail = length & ~3;
        switch (length % 4) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through: the tail bytes are folded in from the highest down, as in Kafka
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= m;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
