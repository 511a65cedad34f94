package io.runnel.cli.client;

import io.runnel.common.record.Header;
import io.runnel.common.record.TimestampType;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How {@code runnel consume} prints a record: the layout of Kafka's console consumer
 * (DefaultMessageFormatter). Optional fields come first, in this order, each followed by the
 * separator (default a tab): {@code CreateTime:<ms>}, {@code Partition:<p>}, {@code Offset:<o>},
 * headers as {@code k1:v1,k2:v2} (or {@code NO_HEADERS}), the key; then the value. A null key, value
 * or header value prints as {@code null}. Immutable and thread-safe.
 */
public record RecordFormat(boolean printTimestamp, boolean printPartition, boolean printOffset,
                           boolean printHeaders, boolean printKey, String separator) {

    public static final String DEFAULT_SEPARATOR = "\t";

    public String format(int partition, long offset, long timestamp, TimestampType timestampType,
                         List<Header> headers, String key, String value) {
        StringBuilder line = new StringBuilder();
        if (printTimestamp) {
            line.append(timestampName(timestampType)).append(':').append(timestamp).append(separator);
        }
        if (printPartition) {
            line.append("Partition:").append(partition).append(separator);
        }
        if (printOffset) {
            line.append("Offset:").append(offset).append(separator);
        }
        if (printHeaders) {
            line.append(headers(headers)).append(separator);
        }
        if (printKey) {
            line.append(key).append(separator);
        }
        return line.append(value).toString();
    }

    static String headers(List<Header> headers) {
        if (headers.isEmpty()) {
            return "NO_HEADERS";
        }
        StringBuilder text = new StringBuilder();
        for (Header header : headers) {
            if (text.length() > 0) {
                text.append(',');
            }
            text.append(header.key()).append(':')
                    .append(header.value() == null ? "null" : new String(header.value(), StandardCharsets.UTF_8));
        }
        return text.toString();
    }

    private static String timestampName(TimestampType type) {
        return type == TimestampType.LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime";
    }
}
