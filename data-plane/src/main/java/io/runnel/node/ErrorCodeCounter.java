package io.runnel.node;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.runnel.proto.ErrorCode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Finds every {@link ErrorCode} a response carries, at any depth (a produce or fetch answer has one per
 * partition, some answers one at the top too), as Kafka's {@code errorCounts()} does for each API by
 * hand. Driven by the protobuf descriptors, so responses added later are covered without code: for each
 * message type it works out once which fields are ErrorCode enums and which message fields can lead to
 * one, and then reads only those (record bytes are never touched).
 *
 * <p>Thread-safe: the per-type field lists are computed once and cached in a concurrent map, bounded by
 * the number of message types in the proto files.
 */
final class ErrorCodeCounter {

    private static final com.google.protobuf.Descriptors.EnumDescriptor ERROR_CODE = ErrorCode.getDescriptor();

    /** Per message type: the fields to read (ErrorCode fields, and message fields that may hold one). */
    private final Map<Descriptor, List<FieldDescriptor>> plans = new ConcurrentHashMap<>();

    /** Calls {@code sink} with the name of each ErrorCode value in {@code message}, in field order. */
    void forEachErrorCode(Message message, Consumer<String> sink) {
        for (FieldDescriptor field : plan(message.getDescriptorForType())) {
            if (field.isRepeated()) {
                int count = message.getRepeatedFieldCount(field);
                for (int i = 0; i < count; i++) {
                    visit(field, message.getRepeatedField(field, i), sink);
                }
            } else if (field.getJavaType() == FieldDescriptor.JavaType.ENUM || message.hasField(field)) {
                visit(field, message.getField(field), sink);
            }
        }
    }

    private void visit(FieldDescriptor field, Object value, Consumer<String> sink) {
        if (field.getJavaType() == FieldDescriptor.JavaType.ENUM) {
            sink.accept(((EnumValueDescriptor) value).getName());
        } else {
            forEachErrorCode((Message) value, sink);
        }
    }

    private List<FieldDescriptor> plan(Descriptor type) {
        List<FieldDescriptor> plan = plans.get(type);
        if (plan == null) {
            plan = plans.computeIfAbsent(type, t -> computePlan(t, new HashSet<>()));
        }
        return plan;
    }

    private static List<FieldDescriptor> computePlan(Descriptor type, Set<Descriptor> visiting) {
        List<FieldDescriptor> fields = new ArrayList<>();
        for (FieldDescriptor field : type.getFields()) {
            if (isErrorCode(field) || field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    && mayHoldErrorCode(field.getMessageType(), visiting)) {
                fields.add(field);
            }
        }
        return List.copyOf(fields);
    }

    private static boolean isErrorCode(FieldDescriptor field) {
        return field.getJavaType() == FieldDescriptor.JavaType.ENUM && field.getEnumType().equals(ERROR_CODE);
    }

    /** Whether a message of {@code type} can contain an ErrorCode field; a type already being visited (recursion) counts as yes. */
    private static boolean mayHoldErrorCode(Descriptor type, Set<Descriptor> visiting) {
        if (!visiting.add(type)) {
            return true;
        }
        try {
            for (FieldDescriptor field : type.getFields()) {
                if (isErrorCode(field) || field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                        && mayHoldErrorCode(field.getMessageType(), visiting)) {
                    return true;
                }
            }
            return false;
        } finally {
            visiting.remove(type);
        }
    }
}
