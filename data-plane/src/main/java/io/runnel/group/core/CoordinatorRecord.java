package io.runnel.group.core;

import com.google.protobuf.Message;
import java.util.Objects;

/**
 * One record of {@code __consumer_offsets} in typed form: its type (Kafka's numbers, see
 * {@link GroupRecords}), the key message, and the value message or null for a tombstone. Immutable.
 */
public record CoordinatorRecord(short type, Message key, Message value) {

    public CoordinatorRecord {
        Objects.requireNonNull(key, "key");
    }

    public boolean isTombstone() {
        return value == null;
    }
}
