package io.runnel.common.record;

import io.runnel.common.errors.CorruptRecordException;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The variable-length and fixed-width integer encodings of the record format.
 *
 * <p>A <em>varint</em> is a 32-bit signed integer, a <em>varlong</em> a 64-bit one, each first
 * zig-zag mapped ({@code (n << 1) ^ (n >> 31)}, so small magnitudes of either sign become small unsigned
 * numbers) and then written seven bits per byte, least significant group first, with the high bit of
 * each byte set when another byte follows. A varint takes 1 to 5 bytes, a varlong 1 to 10; this is the
 * encoding Protocol Buffers uses for {@code sint32}/{@code sint64}.
 *
 * <p>Readers throw {@link CorruptRecordException} for an encoding longer than its type allows and let
 * {@link java.nio.BufferUnderflowException} escape when the buffer ends inside one; callers that parse
 * untrusted bytes translate the latter into a message naming the field.
 *
 * <p>Stateless and thread-safe.
 */
public final class ByteUtils {

    /** Longest encoding of a varint, in bytes. */
    public static final int VARINT_BYTES_MAX = 5;
    /** Longest encoding of a varlong, in bytes. */
    public static final int VARLONG_BYTES_MAX = 10;

    private ByteUtils() {
    }

    // ---- zig-zag varint / varlong -------------------------------------------------------------

    /** Reads a zig-zag varint at the buffer's position and advances it. */
    public static int readVarint(ByteBuffer buffer) {
        int raw = 0;
        int shift = 0;
        while (true) {
            byte b = buffer.get();
            raw |= (b & 0x7f) << shift;
            if (b >= 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
            shift += 7;
            if (shift >= 7 * VARINT_BYTES_MAX) {
                throw new CorruptRecordException("varint is longer than " + VARINT_BYTES_MAX + " bytes");
            }
        }
    }

    /** Reads a zig-zag varlong at the buffer's position and advances it. */
    public static long readVarlong(ByteBuffer buffer) {
        long raw = 0;
        int shift = 0;
        while (true) {
            byte b = buffer.get();
            raw |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
            shift += 7;
            if (shift >= 7 * VARLONG_BYTES_MAX) {
                throw new CorruptRecordException("varlong is longer than " + VARLONG_BYTES_MAX + " bytes");
            }
        }
    }

    /** Writes {@code value} as a zig-zag varint at the buffer's position and advances it. */
    public static void writeVarint(int value, ByteBuffer buffer) {
        int raw = (value << 1) ^ (value >> 31);
        while ((raw & 0xffffff80) != 0) {
            buffer.put((byte) ((raw & 0x7f) | 0x80));
            raw >>>= 7;
        }
        buffer.put((byte) raw);
    }

    /** Writes {@code value} as a zig-zag varlong at the buffer's position and advances it. */
    public static void writeVarlong(long value, ByteBuffer buffer) {
        long raw = (value << 1) ^ (value >> 63);
        while ((raw & 0xffffffffffffff80L) != 0) {
            buffer.put((byte) ((raw & 0x7f) | 0x80));
            raw >>>= 7;
        }
        buffer.put((byte) raw);
    }

    /** Writes {@code value} as a zig-zag varint to a stream-like sink. */
    public static void writeVarint(int value, DataOutput out) throws IOException {
        int raw = (value << 1) ^ (value >> 31);
        while ((raw & 0xffffff80) != 0) {
            out.writeByte((raw & 0x7f) | 0x80);
            raw >>>= 7;
        }
        out.writeByte(raw);
    }

    /** Writes {@code value} as a zig-zag varlong to a stream-like sink. */
    public static void writeVarlong(long value, DataOutput out) throws IOException {
        long raw = (value << 1) ^ (value >> 63);
        while ((raw & 0xffffffffffffff80L) != 0) {
            out.writeByte((int) ((raw & 0x7f) | 0x80));
            raw >>>= 7;
        }
        out.writeByte((int) raw);
    }

    /** Bytes {@link #writeVarint(int, ByteBuffer)} uses for {@code value}: 1 to 5. */
    public static int sizeOfVarint(int value) {
        int raw = (value << 1) ^ (value >> 31);
        // Seven payload bits per byte; an all-zero value still takes one byte.
        int significantBits = 32 - Integer.numberOfLeadingZeros(raw | 1);
        return (significantBits + 6) / 7;
    }

    /** Bytes {@link #writeVarlong(long, ByteBuffer)} uses for {@code value}: 1 to 10. */
    public static int sizeOfVarlong(long value) {
        long raw = (value << 1) ^ (value >> 63);
        int significantBits = 64 - Long.numberOfLeadingZeros(raw | 1);
        return (significantBits + 6) / 7;
    }

    // ---- fixed-width unsigned ----------------------------------------------------------------

    /** Reads the big-endian 32-bit unsigned integer at {@code index}, without moving the position. */
    public static long readUnsignedInt(ByteBuffer buffer, int index) {
        return Integer.toUnsignedLong(buffer.getInt(index));
    }

    /** Writes the low 32 bits of {@code value} big-endian at {@code index}, without moving the position. */
    public static void writeUnsignedInt(ByteBuffer buffer, int index, long value) {
        buffer.putInt(index, (int) value);
    }

    /** Reads a little-endian 32-bit integer from {@code bytes[offset..offset+3]} (the lz4 frame's byte order). */
    public static int readIntLE(byte[] bytes, int offset) {
        return (bytes[offset] & 0xff)
                | (bytes[offset + 1] & 0xff) << 8
                | (bytes[offset + 2] & 0xff) << 16
                | (bytes[offset + 3] & 0xff) << 24;
    }

    /** Writes {@code value} little-endian into {@code bytes[offset..offset+3]}. */
    public static void writeIntLE(byte[] bytes, int offset, int value) {
        bytes[offset] = (byte) value;
        bytes[offset + 1] = (byte) (value >>> 8);
        bytes[offset + 2] = (byte) (value >>> 16);
        bytes[offset + 3] = (byte) (value >>> 24);
    }

    // ---- UTF-8 without a temporary array ------------------------------------------------------

    /** Bytes of {@code s} in UTF-8 (unpaired surrogates count as the one-byte '?' the JDK encoder writes). */
    public static int utf8Length(String s) {
        int length = s.length();
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) >= 0x80) {
                return utf8LengthSlow(s);
            }
        }
        return length;
    }

    private static int utf8LengthSlow(String s) {
        // Rare path (non-ASCII header keys): let the JDK encoder decide, so writer and size always agree.
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Writes {@code s} as UTF-8 at the buffer's position; exactly {@link #utf8Length(String)} bytes. */
    public static void writeUtf8(String s, ByteBuffer buffer) {
        int length = s.length();
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) >= 0x80) {
                buffer.put(s.getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        for (int i = 0; i < length; i++) {
            buffer.put((byte) s.charAt(i));
        }
    }
}
