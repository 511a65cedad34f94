package io.runnel.common.record;

import java.util.Locale;

/**
 * Batch compression codecs, with the ids of bits 0-2 of a v2 batch's attributes and the names Kafka's
 * {@code compression.type} uses.
 */
public enum CompressionType {
    NONE(0, "none"),
    GZIP(1, "gzip"),
    SNAPPY(2, "snappy"),
    LZ4(3, "lz4"),
    ZSTD(4, "zstd");

    public final int id;
    public final String configName;

    CompressionType(int id, String configName) {
        this.id = id;
        this.configName = configName;
    }

    public static CompressionType forId(int id) {
        return switch (id) {
            case 0 -> NONE;
            case 1 -> GZIP;
            case 2 -> SNAPPY;
            case 3 -> LZ4;
            case 4 -> ZSTD;
            default -> throw new IllegalArgumentException("unknown compression type id " + id);
        };
    }

    /** Parses a {@code compression.type} value; "uncompressed" (the topic-config spelling) means NONE. */
    public static CompressionType forName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("uncompressed")) {
            return NONE;
        }
        for (CompressionType t : values()) {
            if (t.configName.equals(n)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown compression type '" + name
                + "'; expected one of none, gzip, snappy, lz4, zstd");
    }
}
