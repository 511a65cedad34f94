package io.runnel.common.record;

import io.runnel.common.errors.CorruptRecordException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A transaction's commit or abort marker, the single record of a control batch that a transaction
 * coordinator has written to each partition of the transaction. Key: see {@link ControlRecordType}.
 * Value:
 * <pre>
 * version           int16  0 (readers accept later versions and ignore bytes they do not know)
 * coordinatorEpoch  int32  epoch of the coordinator that wrote the marker, for fencing stale ones
 * </pre>
 * The batch carries the transaction's producerId and producerEpoch, and has both the transactional and
 * the control attribute bits set; see {@link RecordBatchBuilder#buildEndTransactionMarker}. Immutable.
 */
public record EndTransactionMarker(ControlRecordType type, int coordinatorEpoch) {

    public static final short CURRENT_VALUE_VERSION = 0;
    /** Bytes of a version-0 value. */
    public static final int VALUE_SIZE_BYTES = 6;

    public EndTransactionMarker {
        Objects.requireNonNull(type, "type");
        if (type != ControlRecordType.ABORT && type != ControlRecordType.COMMIT) {
            throw new IllegalArgumentException("an end-transaction marker is ABORT or COMMIT, not " + type);
        }
    }

    /** The marker's value bytes, in a new buffer positioned 0..6. */
    public ByteBuffer valueBytes() {
        ByteBuffer value = ByteBuffer.allocate(VALUE_SIZE_BYTES);
        value.putShort(CURRENT_VALUE_VERSION).putInt(coordinatorEpoch).flip();
        return value;
    }

    /** Reads the marker a control record holds. */
    public static EndTransactionMarker deserialize(Record record) {
        ControlRecordType type = ControlRecordType.parse(record);
        if (type != ControlRecordType.ABORT && type != ControlRecordType.COMMIT) {
            throw new CorruptRecordException("control record at offset " + record.offset() + " is " + type
                    + ", not an end-transaction marker");
        }
        ByteBuffer value = record.value();
        if (value == null || value.remaining() < VALUE_SIZE_BYTES) {
            throw new CorruptRecordException("end-transaction marker at offset " + record.offset() + " has a value of "
                    + (value == null ? "null" : value.remaining() + " bytes") + "; needs at least " + VALUE_SIZE_BYTES);
        }
        short version = value.getShort(value.position());
        if (version < 0) {
            throw new CorruptRecordException("end-transaction marker at offset " + record.offset() + " has version "
                    + version);
        }
        return new EndTransactionMarker(type, value.getInt(value.position() + 2));
    }
}
