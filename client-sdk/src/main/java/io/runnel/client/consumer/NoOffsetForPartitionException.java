package io.runnel.client.consumer;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;
import java.util.Set;

/**
 * A partition has no position and {@code auto.offset.reset} is {@code none}, or its position fell out of
 * the log's range with reset {@code none}. Carries the code OFFSET_OUT_OF_RANGE. Immutable.
 */
public class NoOffsetForPartitionException extends ApiException {

    private static final long serialVersionUID = 1L;

    private final Set<TopicPartition> partitions;

    public NoOffsetForPartitionException(Set<TopicPartition> partitions, String message) {
        super(ErrorCode.OFFSET_OUT_OF_RANGE, message);
        this.partitions = Set.copyOf(partitions);
    }

    public Set<TopicPartition> partitions() {
        return partitions;
    }
}
