package io.runnel.node.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.runnel.common.config.TopicConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Builds requests of any protobuf message type by walking its descriptor, so that a field added to a
 * request later is fuzzed without anyone writing code for it. Every scalar gets either a plausible value
 * or a boundary value of its type (0, ±1, the extremes, powers of two); every enum a defined or an
 * undefined number; every string a name from the worker's pool or an odd string (empty, 10,000
 * characters, control characters, outside the BMP); {@code records} gets batches from {@link BatchFuzzer}.
 *
 * <p>Field names steer the plausible values (a {@code partition} is small, a {@code topic} comes from the
 * pool, a {@code timeout_ms} is sometimes {@code Integer.MAX_VALUE}), and keep out values that are valid
 * but expensive for a single test node: partition counts between 4 and 10,000 (each partition is a
 * directory). Everything comes from the given {@link Random}. Not thread-safe.
 */
final class RequestGenerator {

    /** Stands for invalid UTF-8: replaced, in the serialized request, by as many bytes that are not UTF-8. */
    static final String INVALID_UTF8_MARKER = "\u0001BADUTF8\u0001";
    static final byte[] INVALID_UTF8_BYTES = {(byte) 0xc3, 0x28, (byte) 0xa0, (byte) 0xa1, (byte) 0xe2, 0x28,
            (byte) 0xa1, (byte) 0xf0, 0x28};

    static final String FIRE = new String(Character.toChars(0x1F525));
    /** Odd strings: empty, long, control characters, outside the BMP, path-like, internal names. */
    static final List<String> ODD_STRINGS = List.of("", " ", ".", "..", "a b", "tab\there", "line\nbreak", "\u0000",
            "x".repeat(250), "y".repeat(10_000), FIRE, "a" + FIRE + "b", "caf\u00e9", "%n%s%x", "../../etc/passwd",
            "__consumer_offsets", "__cluster_metadata", "\u202eright-to-left", "\ufeffbom");
    static final List<String> CONFIG_VALUES = List.of("", "0", "1", "-1", "-2", "14", "100", "1000", "60000",
            "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
            "-9223372036854775808", "true", "false", "delete", "compact", "delete,compact", "compact,compact",
            "producer", "gzip", "zstd", "uncompressed", "LogAppendTime", "CreateTime", "0.5", "1.5", "NaN", "1e9",
            "0x10", " 100 ");
    private static final int[] INT_BOUNDARIES = {Integer.MIN_VALUE, Integer.MIN_VALUE + 1, -65_536, -2, -1, 0, 1, 2,
            127, 128, 255, 256, 65_535, 65_536, Integer.MAX_VALUE - 1, Integer.MAX_VALUE};
    private static final long[] LONG_BOUNDARIES = {Long.MIN_VALUE, Long.MIN_VALUE + 1, -(1L << 32), -4, -3, -2, -1, 0,
            1, 2, 1L << 31, 1L << 32, Long.MAX_VALUE - 1, Long.MAX_VALUE};
    private static final int[] UNDEFINED_ENUM_NUMBERS = {-1, 3, 5, 7, 99, 1000, Integer.MIN_VALUE, Integer.MAX_VALUE};
    private static final int DEPTH_MAX = 5;

    private final Random random;
    private final List<String> topicPool;
    private final BatchFuzzer batches;
    private final List<String> configKeys;
    /** When true, some strings become {@link #INVALID_UTF8_MARKER}. */
    private boolean invalidUtf8;

    RequestGenerator(Random random, List<String> topicPool) {
        this.random = random;
        this.topicPool = List.copyOf(topicPool);
        this.batches = new BatchFuzzer(random);
        List<String> keys = new ArrayList<>(new java.util.TreeSet<>(TopicConfig.DEFINITION.names()));
        keys.addAll(List.of("log.retention.ms", "log.segment.bytes", "unknown.key", "message.max.bytes", ""));
        this.configKeys = List.copyOf(keys);
    }

    /** A request of {@code prototype}'s type; with {@code invalidUtf8}, some of its strings are the marker. */
    Message generate(Message prototype, boolean invalidUtf8) {
        this.invalidUtf8 = invalidUtf8;
        return fill(prototype.newBuilderForType(), 0).build();
    }

    private Message.Builder fill(Message.Builder builder, int depth) {
        Descriptor type = builder.getDescriptorForType();
        for (FieldDescriptor field : type.getFields()) {
            if (field.isMapField()) {
                int entries = count(field);
                for (int i = 0; i < entries; i++) {
                    Message.Builder entry = builder.newBuilderForField(field);
                    FieldDescriptor key = entry.getDescriptorForType().findFieldByName("key");
                    FieldDescriptor value = entry.getDescriptorForType().findFieldByName("value");
                    entry.setField(key, mapKey(field, key));
                    entry.setField(value, mapValue(field, value));
                    builder.addRepeatedField(field, entry.build());
                }
            } else if (field.isRepeated()) {
                int values = depth >= DEPTH_MAX ? 0 : count(field);
                for (int i = 0; i < values; i++) {
                    builder.addRepeatedField(field, value(builder, field, depth));
                }
            } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (depth < DEPTH_MAX && random.nextInt(10) < 8) {
                    builder.setField(field, value(builder, field, depth));
                }
            } else if (!field.hasPresence() || random.nextBoolean()) {
                // proto3 scalars without presence are sometimes left at their default, as a client would.
                if (field.hasPresence() || random.nextInt(10) < 8) {
                    builder.setField(field, value(builder, field, depth));
                }
            }
        }
        return builder;
    }

    private Object value(Message.Builder parent, FieldDescriptor field, int depth) {
        return switch (field.getJavaType()) {
            case INT -> int32(field);
            case LONG -> int64(field);
            case BOOLEAN -> random.nextBoolean();
            case FLOAT -> (float) random.nextGaussian();
            case DOUBLE -> random.nextGaussian();
            case STRING -> string(field);
            case BYTE_STRING -> bytes(field);
            case ENUM -> enumValue(field.getEnumType());
            case MESSAGE -> fill(parent.newBuilderForField(field), depth + 1).build();
        };
    }

    private int count(FieldDescriptor field) {
        String name = field.getName();
        int roll = random.nextInt(100);
        if (name.equals("records") || roll < 10) {
            return 0;
        }
        if (name.equals("partitions") || name.equals("topics") || name.equals("resources")) {
            return roll < 70 ? 1 : roll < 90 ? 2 : 3;
        }
        return roll < 60 ? 1 : roll < 85 ? 2 : roll < 97 ? 3 : 8;
    }

    private int int32(FieldDescriptor field) {
        boolean boundary = random.nextInt(10) < 2;
        if (boundary && !boundedCount(field.getName())) {
            return INT_BOUNDARIES[random.nextInt(INT_BOUNDARIES.length)];
        }
        return switch (field.getName()) {
            case "partition", "partition_id" -> pick(0, 0, 0, 1, 1, 2, 3, -1, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case "num_partitions", "count" -> pick(-1, -1, 0, 1, 1, 2, 3, 10_001, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case "replication_factor" -> pick(-1, -1, 1, 1, 0, 2, 3, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case "broker_ids", "broker_id", "leader_id", "subscriber_id" -> pick(-1, -1, 1, 1, 0, 2, 7,
                    Integer.MIN_VALUE, Integer.MAX_VALUE);
            // Mostly a consumer's -1, so that fetches get past the replica check to the partitions.
            case "replica_id" -> pick(-1, -1, -1, -1, -1, -1, 0, 1, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case "timeout_ms" -> pick(0, 0, 5_000, 30_000, 1, -1, 2_000_000_000, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case "max_wait_ms" -> pick(0, 0, 0, 0, 0, 1, 5, 20, -1, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case "min_bytes" -> pick(0, 0, 0, 1, 100, 1 << 20, -1, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case "max_bytes", "partition_max_bytes" -> pick(1 << 20, 1 << 20, 100, 1, 0, -1, Integer.MIN_VALUE,
                    Integer.MAX_VALUE);
            case "acks" -> pick(-1, -1, 1, 0, 2, -2, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case "leader_epoch", "current_leader_epoch", "last_fetched_epoch" -> pick(0, 0, -1, 1, 5, Integer.MIN_VALUE,
                    Integer.MAX_VALUE);
            default -> boundary ? pick(-1, 0, 1, 2) : random.nextInt(100);
        };
    }

    /** Counts that create a directory per unit: valid boundary values between 4 and 10,000 stay out. */
    private static boolean boundedCount(String name) {
        return name.equals("num_partitions") || name.equals("count");
    }

    private long int64(FieldDescriptor field) {
        if (random.nextInt(10) < 2) {
            return LONG_BOUNDARIES[random.nextInt(LONG_BOUNDARIES.length)];
        }
        return switch (field.getName()) {
            case "fetch_offset", "offset", "log_start_offset", "from_offset" -> pickLong(0, 0, 1, 2, 5, 100, -1, -2);
            case "timestamp" -> pickLong(-1, -2, -3, -4, 0, System.currentTimeMillis(),
                    System.currentTimeMillis() + 3_600_000L);
            case "broker_epoch" -> pickLong(-1, 0, 1, 2, 10, 1000);
            default -> random.nextInt(1000);
        };
    }

    private String string(FieldDescriptor field) {
        if (invalidUtf8 && random.nextInt(3) == 0) {
            return INVALID_UTF8_MARKER;
        }
        String container = field.getContainingType().getName();
        return switch (field.getName()) {
            case "topic", "names", "topics" -> topicName();
            case "name" -> switch (container) {
                case "AlterableConfig" -> configKey();
                case "ConfigResource", "AlterConfigsResource" -> random.nextInt(4) == 0
                        ? pickString("1", "", "0", "-1", "7", "x") : topicName();
                default -> topicName();
            };
            case "keys" -> configKey();
            case "value" -> configValue();
            default -> random.nextInt(3) == 0 ? "" : odd();
        };
    }

    private Object mapKey(FieldDescriptor map, FieldDescriptor key) {
        return key.getJavaType() == FieldDescriptor.JavaType.STRING ? configKey() : int32(key);
    }

    private Object mapValue(FieldDescriptor map, FieldDescriptor value) {
        return value.getJavaType() == FieldDescriptor.JavaType.STRING ? configValue() : int32(value);
    }

    private ByteString bytes(FieldDescriptor field) {
        if (field.getName().equals("records")) {
            return UnsafeByteOperations.unsafeWrap(batches.records());
        }
        byte[] bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    private EnumValueDescriptor enumValue(EnumDescriptor type) {
        if (random.nextInt(100) < 12) {
            int number = UNDEFINED_ENUM_NUMBERS[random.nextInt(UNDEFINED_ENUM_NUMBERS.length)];
            if (type.findValueByNumber(number) == null) {
                return type.findValueByNumberCreatingIfUnknown(number);
            }
        }
        List<EnumValueDescriptor> values = type.getValues();
        return values.get(random.nextInt(values.size()));
    }

    private String topicName() {
        return random.nextInt(10) < 8 ? topicPool.get(random.nextInt(topicPool.size())) : odd();
    }

    private String configKey() {
        return random.nextInt(10) < 8 ? configKeys.get(random.nextInt(configKeys.size())) : odd();
    }

    private String configValue() {
        return random.nextInt(10) < 8 ? CONFIG_VALUES.get(random.nextInt(CONFIG_VALUES.size())) : odd();
    }

    private String odd() {
        return ODD_STRINGS.get(random.nextInt(ODD_STRINGS.size()));
    }

    private int pick(int... values) {
        return values[random.nextInt(values.length)];
    }

    private long pickLong(long... values) {
        return values[random.nextInt(values.length)];
    }

    private String pickString(String... values) {
        return values[random.nextInt(values.length)];
    }

    /** {@code serialized} with every {@link #INVALID_UTF8_MARKER} replaced by bytes that are not UTF-8. */
    static byte[] withInvalidUtf8(byte[] serialized) {
        byte[] marker = INVALID_UTF8_MARKER.getBytes(StandardCharsets.UTF_8);
        byte[] out = serialized.clone();
        for (int i = 0; i + marker.length <= out.length; i++) {
            if (java.util.Arrays.equals(out, i, i + marker.length, marker, 0, marker.length)) {
                System.arraycopy(INVALID_UTF8_BYTES, 0, out, i, marker.length);
                i += marker.length - 1;
            }
        }
        return out;
    }
}
