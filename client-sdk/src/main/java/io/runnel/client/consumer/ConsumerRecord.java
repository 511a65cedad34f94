package io.runnel.client.consumer;

import io.runnel.common.TopicPartition;
import io.runnel.common.record.Header;
import io.runnel.common.record.TimestampType;
import java.util.List;

/**
 * One fetched record: where it is (topic, partition, offset), its timestamp and timestamp type, its
 * deserialized key and value, its headers, and its serialized key/value sizes (-1 when null). Immutable.
 */
public record ConsumerRecord<K, V>(String topic, int partition, long offset, long timestamp,
                                   TimestampType timestampType, int serializedKeySize, int serializedValueSize,
                                   K key, V value, List<Header> headers, int leaderEpoch) {

    public ConsumerRecord {
        headers = List.copyOf(headers);
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }
}
