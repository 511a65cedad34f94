package io.runnel.client.producer;

import io.runnel.common.TopicPartition;

/**
 * Where an acknowledged record landed: its partition and offset (-1 with acks=0, which learns no offset),
 * its timestamp (the broker's log-append time when the topic uses LogAppendTime, else the record's), and
 * the serialized key and value sizes (-1 for a null key or value). Immutable.
 */
public record RecordMetadata(TopicPartition topicPartition, long offset, long timestamp, int serializedKeySize,
                             int serializedValueSize) {

    public String topic() {
        return topicPartition.topic();
    }

    public int partition() {
        return topicPartition.partition();
    }

    public boolean hasOffset() {
        return offset >= 0;
    }
}
