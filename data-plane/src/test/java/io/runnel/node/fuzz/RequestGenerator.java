package io.runnel.node.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.runnel.common.config.TopicConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Builds requests of any protobuf message type by walking its descriptor, so that a field added to a
 * request later is fuzzed without anyone writing code for it.
 *
 * <p>Each request draws a weirdness (2%, 10% or 35%): each field is then, with that probability,
 * <em>odd</em> — a boundary value of its type (0, ±1, the extremes, powers of two), an enum number the
 * enum does not define, an odd string (empty, 10,000 characters, control characters, outside the BMP),
 * an odd number of elements, mutated record batches — and otherwise <em>plausible</em>. So most requests
 * get far into the server with one or two odd fields, and some are odd throughout.
 *
 * <p>Field names steer the plausible values (a {@code partition} is small, a {@code topic} comes from the
 * worker's pool, {@code acks} is -1, 0 or 1) and keep out values that are valid but expensive for a
 * single test node: partition counts between 4 and 10,000 (each partition is a directory). Everything
 * comes from the given {@link Random}. Not thread-safe.
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
    private static final int[] WEIRDNESS_PERCENT = {2, 10, 35};
    private static final int DEPTH_MAX = 5;

    private final Random random;
    private final List<String> topicPool;
    private final BatchFuzzer batches;
    private final List<String> configKeys;
    /** This request's chance, in percent, that a field is odd. */
    private int weirdnessPercent;
    /** When true, some strings become {@link #INVALID_UTF8_MARKER}. */
    private boolean invalidUtf8;

    /** {@code topicPool}: the worker's topic names; the first two exist most of the time. */
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
        this.weirdnessPercent = WEIRDNESS_PERCENT[random.nextInt(WEIRDNESS_PERCENT.length)];
        return fill(prototype.newBuilderForType(), 0).build();
    }

    private boolean odd() {
        return random.nextInt(100) < weirdnessPercent;
    }

    private Message.Builder fill(Message.Builder builder, int depth) {
        for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
            OneofDescriptor oneof = field.getRealContainingOneof();
            if (oneof != null) {
                // One member of a oneof (the records or the messages form of a produce), chosen when its first
                // member comes up: plausibly the first (the batch form), now and then another, oddly none.
                if (field.getIndex() == oneof.getField(0).getIndex() && !odd()) {
                    FieldDescriptor member = random.nextInt(3) == 0 ? oneof.getField(random.nextInt(oneof.getFieldCount()))
                            : oneof.getField(0);
                    builder.setField(member, value(builder, member, depth));
                }
            } else if (field.isMapField()) {
                // Config maps: a random key with a random value is mostly invalid, so plausibly none.
                int entries = odd() ? count(field) : random.nextInt(4) == 0 ? 1 : 0;
                for (int i = 0; i < entries; i++) {
                    Message.Builder entry = builder.newBuilderForField(field);
                    FieldDescriptor key = entry.getDescriptorForType().findFieldByName("key");
                    FieldDescriptor value = entry.getDescriptorForType().findFieldByName("value");
                    entry.setField(key, key.getJavaType() == FieldDescriptor.JavaType.STRING ? configKey() : int32(key));
                    entry.setField(value, value.getJavaType() == FieldDescriptor.JavaType.STRING ? configValue() : int32(value));
                    builder.addRepeatedField(field, entry.build());
                }
            } else if (field.isRepeated()) {
                int values = depth >= DEPTH_MAX ? 0 : count(field);
                for (int i = 0; i < values; i++) {
                    builder.addRepeatedField(field, value(builder, field, depth));
                }
            } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                if (depth < DEPTH_MAX && !odd()) {
                    builder.setField(field, value(builder, field, depth));
                }
            } else if (field.hasPresence()) {
                // An optional field (a leader epoch to check): plausibly absent, oddly present.
                if (odd()) {
                    builder.setField(field, value(builder, field, depth));
                }
            } else if (!odd()) {
                builder.setField(field, value(builder, field, depth));
            }
            // else: left at proto3's default, as a client that does not set the field sends it
        }
        return builder;
    }

    private Object value(Message.Builder parent, FieldDescriptor field, int depth) {
        return switch (field.getJavaType()) {
            case INT -> int32(field);
            case LONG -> int64(field);
            case BOOLEAN -> odd() ? random.nextBoolean() : random.nextInt(4) == 0; // validate_only, all_topics: mostly false
            case FLOAT -> (float) random.nextGaussian();
            case DOUBLE -> random.nextGaussian();
            case STRING -> string(field);
            case BYTE_STRING -> bytes(field);
            case ENUM -> enumValue(field.getEnumType());
            case MESSAGE -> fill(parent.newBuilderForField(field), depth + 1).build();
        };
    }

    private int count(FieldDescriptor field) {
        if (odd()) {
            return pick(0, 0, 3, 8);
        }
        return switch (field.getName()) {
            // What a request is about: one, now and then two (the same partition twice is refused as a whole).
            case "topics", "partitions", "names", "resources" -> random.nextInt(8) == 0 ? 2 : 1;
            // The records of a produce's messages form: a handful.
            case "records" -> 1 + random.nextInt(5);
            // Optional lists (explicit assignments, config keys): plausibly none.
            default -> random.nextInt(4) == 0 ? 1 : 0;
        };
    }

    private int int32(FieldDescriptor field) {
        String name = field.getName();
        if (odd()) {
            return switch (name) {
                // Valid counts in 4..10,000 would create thousands of directories: the odd ones stay invalid.
                case "num_partitions", "count" -> pick(0, -2, 10_001, Integer.MIN_VALUE, Integer.MAX_VALUE);
                default -> INT_BOUNDARIES[random.nextInt(INT_BOUNDARIES.length)];
            };
        }
        return switch (name) {
            case "partition", "partition_id" -> pick(0, 0, 0, 1);
            case "num_partitions", "count" -> pick(-1, 1, 2, 3);
            case "replication_factor" -> pick(-1, 1);
            case "broker_ids", "broker_id", "leader_id", "subscriber_id" -> 1;
            case "replica_id" -> -1;
            case "timeout_ms" -> pick(0, 5_000, 30_000, 30_000, Integer.MAX_VALUE);
            case "max_wait_ms" -> pick(0, 0, 0, 5, 20, 500);
            case "min_bytes" -> pick(0, 0, 1, 100);
            case "max_bytes", "partition_max_bytes" -> pick(1 << 20, 1 << 20, 100, 0);
            case "acks" -> pick(-1, 1, 0);
            case "leader_epoch", "current_leader_epoch", "last_fetched_epoch" -> pick(0, 0, -1, 1);
            default -> random.nextInt(100);
        };
    }

    private long int64(FieldDescriptor field) {
        if (odd()) {
            return LONG_BOUNDARIES[random.nextInt(LONG_BOUNDARIES.length)];
        }
        return switch (field.getName()) {
            case "fetch_offset", "offset", "log_start_offset", "from_offset" -> pickLong(0, 0, 1, 2, 5, 100, -1);
            case "timestamp" -> pickLong(-1, -2, -3, 0, System.currentTimeMillis());
            case "timestamp_ms" -> System.currentTimeMillis();
            case "broker_epoch" -> pickLong(0, 1, 2, 10);
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
                        ? pickString("1", "", "0", "-1", "7") : topicName();
                default -> topicName();
            };
            case "keys" -> configKey();
            case "value" -> configValue();
            default -> odd() ? oddString() : "";
        };
    }

    private ByteString bytes(FieldDescriptor field) {
        if (field.getName().equals("records")) {
            return UnsafeByteOperations.unsafeWrap(odd() ? batches.oddRecords() : batches.plausibleRecords());
        }
        byte[] bytes = new byte[odd() ? random.nextInt(64) : 0];
        random.nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    private EnumValueDescriptor enumValue(EnumDescriptor type) {
        if (odd()) {
            int number = UNDEFINED_ENUM_NUMBERS[random.nextInt(UNDEFINED_ENUM_NUMBERS.length)];
            if (type.findValueByNumber(number) == null) {
                return type.findValueByNumberCreatingIfUnknown(number);
            }
        }
        List<EnumValueDescriptor> values = type.getValues();
        return values.get(random.nextInt(values.size()));
    }

    /** Mostly the two topics that exist after a pool reset, sometimes the rest of the pool, oddly anything. */
    private String topicName() {
        if (odd()) {
            return oddString();
        }
        return random.nextInt(4) != 0 ? topicPool.get(random.nextInt(2)) : topicPool.get(random.nextInt(topicPool.size()));
    }

    private String configKey() {
        return odd() ? oddString() : configKeys.get(random.nextInt(configKeys.size()));
    }

    private String configValue() {
        return odd() ? oddString() : CONFIG_VALUES.get(random.nextInt(CONFIG_VALUES.size()));
    }

    private String oddString() {
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
