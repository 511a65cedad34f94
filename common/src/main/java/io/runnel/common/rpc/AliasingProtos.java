package io.runnel.common.rpc;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Parsing of large gRPC messages (produce requests, fetch answers) with one copy of their bytes instead of
 * two, and access to a parsed {@code bytes} field without a third.
 *
 * <p>gRPC's own protobuf marshaller reads a message into a reused buffer and copies every {@code bytes}
 * field out of it: the records of a produce request or a fetch answer are copied twice on arrival, and
 * {@link ByteString#asReadOnlyByteBuffer()} then gives a read-only heap buffer, through which the JDK's
 * CRC32C and a log append each copy them again. Here a message is read once into an array of its own
 * and parsed with aliasing, so its {@code bytes} fields are views of that array; {@link #view} hands one
 * out as a buffer over the array. The array belongs to the message alone (gRPC never sees it), so
 * whoever holds the message may read the view and, like the log writing offsets into a batch it
 * appends, write it.
 *
 * <p>Stateless and thread-safe.
 */
public final class AliasingProtos {

    private AliasingProtos() {
    }

    /** A marshaller for {@code prototype}'s type that parses as the class comment says and writes as gRPC's. */
    public static <T extends Message> MethodDescriptor.PrototypeMarshaller<T> marshaller(T prototype) {
        MethodDescriptor.PrototypeMarshaller<T> standard = (MethodDescriptor.PrototypeMarshaller<T>) ProtoUtils.marshaller(prototype);
        @SuppressWarnings("unchecked")
        Parser<T> parser = (Parser<T>) prototype.getParserForType();
        return new MethodDescriptor.PrototypeMarshaller<>() {
            @Override
            public Class<T> getMessageClass() {
                return standard.getMessageClass();
            }

            @Override
            public T getMessagePrototype() {
                return standard.getMessagePrototype();
            }

            @Override
            public InputStream stream(T value) {
                return standard.stream(value);
            }

            @Override
            public T parse(InputStream stream) {
                return AliasingProtos.parse(parser, stream);
            }
        };
    }

    /**
     * Parses a request with {@code method}'s message type as the class comment says, or with the method's
     * own marshaller when it is not a protobuf one. A malformed message fails as gRPC's marshaller fails:
     * a RuntimeException (Status INTERNAL) whose cause says what is wrong.
     */
    @SuppressWarnings("unchecked")
    public static <Q> Q parseRequest(MethodDescriptor<Q, ?> method, InputStream stream) {
        if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> prototype
                && prototype.getMessagePrototype() instanceof MessageLite message) {
            return (Q) parse((Parser<MessageLite>) message.getParserForType(), stream);
        }
        return method.parseRequest(stream);
    }

    static <T extends MessageLite> T parse(Parser<T> parser, InputStream stream) {
        byte[] bytes;
        try {
            bytes = stream instanceof KnownLength ? stream.readNBytes(stream.available()) : stream.readAllBytes();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("cannot read the message").withCause(e).asRuntimeException();
        }
        // Wrapping marks the array immutable, which is what lets the parser alias instead of copying.
        CodedInputStream input = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
        input.enableAliasing(true);
        try {
            T message = parser.parseFrom(input);
            input.checkLastTagWas(0);
            return message;
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("invalid protobuf byte sequence").withCause(e).asRuntimeException();
        }
    }

    /**
     * The bytes as a buffer (position 0, limit = size) over the array they live in when they are one
     * slice of one array, as the fields of a message parsed here are; otherwise (a field built in
     * memory from several pieces, or over a direct buffer) a read-only buffer as
     * {@link ByteString#asReadOnlyByteBuffer()} gives.
     */
    public static ByteBuffer view(ByteString bytes) {
        if (bytes.isEmpty()) {
            return bytes.asReadOnlyByteBuffer();
        }
        ArrayCapture capture = new ArrayCapture();
        try {
            UnsafeByteOperations.unsafeWriteTo(bytes, capture);
        } catch (IOException e) {
            return bytes.asReadOnlyByteBuffer();
        }
        if (capture.pieces == 1 && capture.array != null && capture.length == bytes.size()) {
            return ByteBuffer.wrap(capture.array, capture.offset, capture.length).slice();
        }
        return bytes.asReadOnlyByteBuffer();
    }

    /** Learns the backing array of a ByteString that writes itself as one array slice. */
    private static final class ArrayCapture extends ByteOutput {
        byte[] array;
        int offset;
        int length;
        int pieces;

        @Override
        public void write(byte value) {
            pieces = 2; // written byte by byte: not one slice
        }

        @Override
        public void write(byte[] value, int offset, int length) {
            capture(value, offset, length);
        }

        @Override
        public void writeLazy(byte[] value, int offset, int length) {
            capture(value, offset, length);
        }

        @Override
        public void write(ByteBuffer value) {
            pieces = 2; // a buffer (direct, or a copy): not an array to wrap
        }

        @Override
        public void writeLazy(ByteBuffer value) {
            pieces = 2;
        }

        private void capture(byte[] value, int offset, int length) {
            pieces++;
            this.array = value;
            this.offset = offset;
            this.length = length;
        }
    }
}
