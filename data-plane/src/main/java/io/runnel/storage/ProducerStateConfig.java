package io.runnel.storage;

import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;

/**
 * Broker settings of idempotent-producer state, read from the node's {@link ServerConfig} (keys, defaults
 * and bounds are declared in {@link ServerSettings}, with Kafka's names and defaults). Immutable value; a
 * value built in code is held to the same bounds.
 *
 * @param producerIdExpirationMs              {@code producer.id.expiration.ms} (one day): a producer id with
 *                                            no batch for this long is forgotten by a partition (its next
 *                                            batch must start a new epoch at sequence 0)
 * @param producerIdExpirationCheckIntervalMs {@code producer.id.expiration.check.interval.ms} (10 minutes):
 *                                            how often the log manager looks for such ids
 */
public record ProducerStateConfig(long producerIdExpirationMs, long producerIdExpirationCheckIntervalMs) {

    public ProducerStateConfig {
        ServerSettings.PRODUCER_ID_EXPIRATION_MS.validate(producerIdExpirationMs);
        ServerSettings.PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS.validate(producerIdExpirationCheckIntervalMs);
    }

    /** The producer-state settings of a node's configuration. */
    public static ProducerStateConfig from(ServerConfig settings) {
        return new ProducerStateConfig(settings.get(ServerSettings.PRODUCER_ID_EXPIRATION_MS),
                settings.get(ServerSettings.PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS));
    }

    /** The defaults (Kafka's). */
    public static ProducerStateConfig defaults() {
        return from(ServerConfig.DEFAULTS);
    }
}
