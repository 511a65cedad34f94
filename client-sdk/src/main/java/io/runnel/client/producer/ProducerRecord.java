package io.runnel.client.producer;

import io.runnel.common.record.Header;
import io.runnel.common.record.Headers;
import java.util.Objects;

/**
 * A record to send, with Kafka's constructors and accessors: topic, optional partition (null: the
 * partitioner chooses), optional timestamp (null: the producer's clock at send time), key, value and
 * {@link Headers}. Immutable apart from the headers, which the program and serializers may add to until the
 * producer has serialized the record (then they become read-only, as in Kafka). Not thread-safe while its
 * headers are being changed.
 */
public final class ProducerRecord<K, V> {

    private final String topic;
    private final Integer partition;
    private final Long timestamp;
    private final K key;
    private final V value;
    private final Headers headers;

    /**
     * @param headers copied into this record's own {@link Headers}; null: none
     * @throws NullPointerException when {@code topic} is null
     * @throws IllegalArgumentException when {@code partition} or {@code timestamp} is negative
     */
    public ProducerRecord(String topic, Integer partition, Long timestamp, K key, V value, Iterable<Header> headers) {
        this.topic = Objects.requireNonNull(topic, "topic");
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must not be negative: " + partition);
        }
        if (timestamp != null && timestamp < 0) {
            throw new IllegalArgumentException("timestamp must not be negative: " + timestamp);
        }
        this.partition = partition;
        this.timestamp = timestamp;
        this.key = key;
        this.value = value;
        this.headers = new Headers(headers);
    }

    /** @throws IllegalArgumentException when {@code partition} or {@code timestamp} is negative */
    public ProducerRecord(String topic, Integer partition, Long timestamp, K key, V value) {
        this(topic, partition, timestamp, key, value, null);
    }

    /** @throws IllegalArgumentException when {@code partition} is negative */
    public ProducerRecord(String topic, Integer partition, K key, V value, Iterable<Header> headers) {
        this(topic, partition, null, key, value, headers);
    }

    /** @throws IllegalArgumentException when {@code partition} is negative */
    public ProducerRecord(String topic, Integer partition, K key, V value) {
        this(topic, partition, null, key, value, null);
    }

    public ProducerRecord(String topic, K key, V value) {
        this(topic, null, null, key, value, null);
    }

    public ProducerRecord(String topic, V value) {
        this(topic, null, null, null, value, null);
    }

    public String topic() {
        return topic;
    }

    /** The partition asked for, or null when the partitioner chooses. */
    public Integer partition() {
        return partition;
    }

    /** The timestamp asked for, or null when the producer stamps the record at send time. */
    public Long timestamp() {
        return timestamp;
    }

    public K key() {
        return key;
    }

    public V value() {
        return value;
    }

    /** This record's headers (the same instance on every call, to add to before sending). */
    public Headers headers() {
        return headers;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProducerRecord<?, ?> other && topic.equals(other.topic)
                && Objects.equals(partition, other.partition) && Objects.equals(timestamp, other.timestamp)
                && Objects.equals(key, other.key) && Objects.equals(value, other.value)
                && headers.equals(other.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, timestamp, key, value, headers);
    }

    @Override
    public String toString() {
        return "ProducerRecord(topic=" + topic + ", partition=" + partition + ", timestamp=" + timestamp
                + ", key=" + key + ", value=" + value + ", headers=" + headers + ")";
    }
}
