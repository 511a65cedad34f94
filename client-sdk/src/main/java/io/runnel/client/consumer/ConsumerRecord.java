package io.runnel.client.consumer;

import io.runnel.common.TopicPartition;
import io.runnel.common.record.Headers;
import io.runnel.common.record.TimestampType;

/**
 * One fetched record: where it is (topic, partition, offset), its timestamp and timestamp type, its
 * deserialized key and value, its read-only {@link Headers}, and its serialized key/value sizes (-1 when null). Immutable.
 */
public record ConsumerRecord<K, V>(String topic, int partition, long offset, long timestamp,
                                   TimestampType timestampType, int serializedKeySize, int serializedValueSize,
                                   K key, V value, Headers headers, int leaderEpoch) {

    /** The headers are kept read-only (a copy when {@code headers} is not read-only already). */
    public ConsumerRecord {
        headers = headers == null ? Headers.readOnly(null) : headers.isReadOnly() ? headers : Headers.readOnly(headers.toArray());
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }
}
