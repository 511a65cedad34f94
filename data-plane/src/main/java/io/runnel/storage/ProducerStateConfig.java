package io.runnel.storage;

import io.runnel.common.config.ConfigException;
import java.util.Map;

/**
 * Broker settings of idempotent-producer state, with Kafka's keys and defaults:
 * {@code producer.id.expiration.ms} (86400000, one day): a producer id with no batch for this long is
 * forgotten by a partition (its next batch must start a new epoch at sequence 0); and
 * {@code producer.id.expiration.check.interval.ms} (600000): how often the log manager looks for such ids.
 * Immutable value.
 */
public record ProducerStateConfig(long producerIdExpirationMs, long producerIdExpirationCheckIntervalMs) {

    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = "producer.id.expiration.check.interval.ms";
    public static final long PRODUCER_ID_EXPIRATION_MS_DEFAULT = 86_400_000L;
    public static final long PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS_DEFAULT = 600_000L;

    public ProducerStateConfig {
        if (producerIdExpirationMs < 1) {
            throw new ConfigException(PRODUCER_ID_EXPIRATION_MS, producerIdExpirationMs, "must be at least 1");
        }
        if (producerIdExpirationCheckIntervalMs < 1) {
            throw new ConfigException(PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, producerIdExpirationCheckIntervalMs,
                    "must be at least 1");
        }
    }

    public static ProducerStateConfig defaults() {
        return new ProducerStateConfig(PRODUCER_ID_EXPIRATION_MS_DEFAULT, PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS_DEFAULT);
    }

    static ProducerStateConfig fromProperties(Map<String, String> p) {
        return new ProducerStateConfig(
                longValue(p, PRODUCER_ID_EXPIRATION_MS, PRODUCER_ID_EXPIRATION_MS_DEFAULT),
                longValue(p, PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS, PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS_DEFAULT));
    }

    private static long longValue(Map<String, String> p, String key, long defaultValue) {
        String value = p.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "not a number");
        }
    }
}
