package io.runnel.client.producer;

import io.runnel.common.record.Header;
import java.util.List;
import java.util.Objects;

/**
 * A record to send: topic, optional partition (null: the partitioner chooses), optional timestamp (null:
 * the producer's clock at send time), key, value and headers. Immutable apart from the header list,
 * which serializers may add to before the record is appended.
 */
public record ProducerRecord<K, V>(String topic, Integer partition, Long timestamp, K key, V value,
                                   List<Header> headers) {

    public ProducerRecord {
        Objects.requireNonNull(topic, "topic");
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must not be negative: " + partition);
        }
        if (timestamp != null && timestamp < 0) {
            throw new IllegalArgumentException("timestamp must not be negative: " + timestamp);
        }
        headers = headers == null ? new java.util.ArrayList<>() : new java.util.ArrayList<>(headers);
    }

    public ProducerRecord(String topic, Integer partition, K key, V value) {
        this(topic, partition, null, key, value, null);
    }

    public ProducerRecord(String topic, K key, V value) {
        this(topic, null, null, key, value, null);
    }

    public ProducerRecord(String topic, V value) {
        this(topic, null, null, null, value, null);
    }
}
