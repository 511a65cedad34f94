package io.runnel.common.rpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Finds an enum field holding a number its enum does not define, anywhere in a message, by walking the
 * message's protobuf descriptor. proto3 enums are open: a client may send any int32, which the Java
 * message keeps as a number ({@code getXValue()}) and reports as {@code UNRECOGNIZED} ({@code getX()}).
 *
 * <p>Only fields whose type can hold an enum are visited: which message types can is computed once per
 * type and cached, so requests without enums (Produce) cost one map lookup. Thread-safe.
 */
public final class UnknownEnumValues {

    /** Per message type: whether it or a message it contains has an enum field. Bounded by the types of the schema. */
    private static final ConcurrentHashMap<Descriptor, Boolean> MAY_HOLD_ENUMS = new ConcurrentHashMap<>();

    private UnknownEnumValues() {
    }

    /**
     * The first enum field of {@code message} that holds an undefined value, described for the client: its
     * path ({@code resources[1].type}), the value, and the values the enum defines. Empty when there is none.
     */
    public static Optional<String> find(Message message) {
        if (!mayHoldEnums(message.getDescriptorForType())) {
            return Optional.empty();
        }
        return Optional.ofNullable(find(message, ""));
    }

    private static String find(Message message, String prefix) {
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            String path = prefix + field.getName();
            if (field.getJavaType() == FieldDescriptor.JavaType.ENUM) {
                String problem = field.isRepeated() ? findInRepeatedEnum(message, field, path)
                        : check(field, (EnumValueDescriptor) message.getField(field), path);
                if (problem != null) {
                    return problem;
                }
            } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && mayHoldEnums(field.getMessageType())) {
                String problem = findInMessageField(message, field, path);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    private static String findInRepeatedEnum(Message message, FieldDescriptor field, String path) {
        int count = message.getRepeatedFieldCount(field);
        for (int i = 0; i < count; i++) {
            String problem = check(field, (EnumValueDescriptor) message.getRepeatedField(field, i), path + "[" + i + "]");
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private static String findInMessageField(Message message, FieldDescriptor field, String path) {
        if (!field.isRepeated()) {
            return message.hasField(field) ? find((Message) message.getField(field), path + ".") : null;
        }
        int count = message.getRepeatedFieldCount(field);
        for (int i = 0; i < count; i++) {
            // A map field is a repeated entry message; its entries are named by index like any list.
            String problem = find((Message) message.getRepeatedField(field, i), path + "[" + i + "].");
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    private static String check(FieldDescriptor field, EnumValueDescriptor value, String path) {
        EnumDescriptor type = field.getEnumType();
        if (type.findValueByNumber(value.getNumber()) != null) {
            return null;
        }
        String known = type.getValues().stream().map(v -> v.getName() + "=" + v.getNumber())
                .collect(Collectors.joining(", "));
        return "field " + path + " has value " + value.getNumber() + ", which is not a " + type.getName()
                + " this server knows (" + known + ")";
    }

    static boolean mayHoldEnums(Descriptor type) {
        Boolean cached = MAY_HOLD_ENUMS.get(type);
        if (cached != null) {
            return cached;
        }
        boolean result = mayHoldEnums(type, new HashSet<>());
        MAY_HOLD_ENUMS.put(type, result);
        return result;
    }

    /** {@code visiting}: types on the current path, so that a recursive type ends the descent. */
    private static boolean mayHoldEnums(Descriptor type, Set<Descriptor> visiting) {
        if (!visiting.add(type)) {
            return false;
        }
        for (FieldDescriptor field : type.getFields()) {
            if (field.getJavaType() == FieldDescriptor.JavaType.ENUM) {
                return true;
            }
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && mayHoldEnums(field.getMessageType(), visiting)) {
                return true;
            }
        }
        visiting.remove(type);
        return false;
    }
}
