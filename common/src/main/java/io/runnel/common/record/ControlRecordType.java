package io.runnel.common.record;

import io.runnel.common.errors.CorruptRecordException;
import java.nio.ByteBuffer;

/**
 * The type of a control record, read from its key. A control record lives in a batch whose control
 * attribute bit is set; its key is
 * <pre>
 * version  int16  0 (readers accept later versions: fields are only ever appended)
 * type     int16  0 ABORT, 1 COMMIT (other values are Kafka's KRaft-internal types, read as UNKNOWN)
 * </pre>
 * and its value depends on the type ({@link EndTransactionMarker} for ABORT and COMMIT). Immutable.
 */
public enum ControlRecordType {
    ABORT((short) 0),
    COMMIT((short) 1),
    /** A type this version does not know; readers skip such records. */
    UNKNOWN((short) -1);

    public static final short CURRENT_KEY_VERSION = 0;
    /** Bytes of a version-0 control record key. */
    public static final int KEY_SIZE_BYTES = 4;

    public final short id;

    ControlRecordType(short id) {
        this.id = id;
    }

    /** The type with {@code id}, or UNKNOWN. */
    public static ControlRecordType forId(short id) {
        return switch (id) {
            case 0 -> ABORT;
            case 1 -> COMMIT;
            default -> UNKNOWN;
        };
    }

    /** A new buffer holding this type's version-0 key, positioned 0..4. */
    public ByteBuffer keyBytes() {
        if (this == UNKNOWN) {
            throw new IllegalStateException("UNKNOWN is not a control record type that can be written");
        }
        ByteBuffer key = ByteBuffer.allocate(KEY_SIZE_BYTES);
        key.putShort(CURRENT_KEY_VERSION).putShort(id).flip();
        return key;
    }

    /** The type of a control record, from its key. */
    public static ControlRecordType parse(Record record) {
        if (!record.hasKey()) {
            throw new CorruptRecordException("control record at offset " + record.offset() + " has no key");
        }
        return parse(record.key());
    }

    /** The type a control record key names; reads from the key's position without moving it. */
    public static ControlRecordType parse(ByteBuffer key) {
        if (key.remaining() < KEY_SIZE_BYTES) {
            throw new CorruptRecordException("control record key has " + key.remaining() + " bytes; needs at least "
                    + KEY_SIZE_BYTES);
        }
        short version = key.getShort(key.position());
        if (version < 0) {
            throw new CorruptRecordException("control record key version " + version + " is negative");
        }
        return forId(key.getShort(key.position() + 2));
    }
}
