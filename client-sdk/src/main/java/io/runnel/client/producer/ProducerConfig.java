package io.runnel.client.producer;

import io.runnel.client.internal.AbstractConfig;
import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ConfigDef.Importance;
import io.runnel.common.config.ConfigDef.Range;
import io.runnel.common.config.ConfigDef.Type;
import io.runnel.common.config.ConfigDef.ValidString;
import io.runnel.common.config.ConfigException;
import java.util.Map;
import java.util.Properties;

/**
 * The producer's configuration: Kafka's key names and defaults (see docs/client.md for the table).
 * Unknown keys, unparsable values, out-of-range values and inconsistent limits fail with a
 * {@link ConfigException} naming the key. Immutable.
 */
public final class ProducerConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS_CONFIG = BOOTSTRAP_SERVERS;
    public static final String CLIENT_ID_CONFIG = CLIENT_ID;
    public static final String ACKS_CONFIG = "acks";
    public static final String BATCH_SIZE_CONFIG = "batch.size";
    public static final String LINGER_MS_CONFIG = "linger.ms";
    public static final String BUFFER_MEMORY_CONFIG = "buffer.memory";
    public static final String MAX_BLOCK_MS_CONFIG = "max.block.ms";
    public static final String MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION = "max.in.flight.requests.per.connection";
    public static final String REQUEST_TIMEOUT_MS_CONFIG = REQUEST_TIMEOUT_MS;
    public static final String RETRIES_CONFIG = "retries";
    public static final String RETRY_BACKOFF_MS_CONFIG = RETRY_BACKOFF_MS;
    public static final String DELIVERY_TIMEOUT_MS_CONFIG = "delivery.timeout.ms";
    public static final String METADATA_MAX_AGE_MS_CONFIG = METADATA_MAX_AGE_MS;
    public static final String COMPRESSION_TYPE_CONFIG = "compression.type";
    public static final String MAX_REQUEST_SIZE_CONFIG = "max.request.size";
    public static final String ENABLE_IDEMPOTENCE_CONFIG = "enable.idempotence";
    public static final String KEY_SERIALIZER_CLASS_CONFIG = "key.serializer";
    public static final String VALUE_SERIALIZER_CLASS_CONFIG = "value.serializer";
    public static final String PARTITIONER_CLASS_CONFIG = "partitioner.class";
    public static final String INTERCEPTOR_CLASSES_CONFIG = "interceptor.classes";
    public static final String METRICS_SAMPLE_WINDOW_MS_CONFIG = "metrics.sample.window.ms";
    public static final String METRICS_NUM_SAMPLES_CONFIG = "metrics.num.samples";

    /**
     * The most requests an idempotent producer may have unacknowledged per partition: the broker remembers a
     * producer's last five batches, so any retry is one it can recognise.
     */
    public static final int IDEMPOTENT_MAX_IN_FLIGHT_MAX = 5;

    static final ConfigDef CONFIG = commonDefinitions(30000)
            .define(ACKS_CONFIG, Type.STRING, "all", ValidString.in("all", "-1", "0", "1"), Importance.HIGH,
                    "acknowledgements the leader must have before a send completes: 0, 1 or all (-1)")
            .define(BATCH_SIZE_CONFIG, Type.INT, 16384, Range.atLeast(0), Importance.MEDIUM,
                    "target size in bytes of one partition's batch")
            .define(LINGER_MS_CONFIG, Type.LONG, 5L, Range.atLeast(0L), Importance.MEDIUM,
                    "how long a batch that is not full waits for more records")
            .define(BUFFER_MEMORY_CONFIG, Type.LONG, 33554432L, Range.atLeast(0L), Importance.HIGH,
                    "bytes of batches the producer may hold; send blocks when they are used up")
            .define(MAX_BLOCK_MS_CONFIG, Type.LONG, 60000L, Range.atLeast(0L), Importance.MEDIUM,
                    "how long send and partitionsFor may block for metadata or buffer memory")
            .define(MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, Type.INT, 5, Range.atLeast(1), Importance.LOW,
                    "unanswered produce requests per broker")
            .define(RETRIES_CONFIG, Type.INT, Integer.MAX_VALUE, Range.atLeast(0), Importance.HIGH,
                    "how often a batch is resent after a retriable error (bounded by delivery.timeout.ms)")
            .define(DELIVERY_TIMEOUT_MS_CONFIG, Type.INT, 120000, Range.atLeast(0), Importance.MEDIUM,
                    "upper bound from send to success or failure, retries included")
            .define(COMPRESSION_TYPE_CONFIG, Type.STRING, "none",
                    ValidString.in("none", "gzip", "snappy", "lz4", "zstd"), Importance.HIGH,
                    "codec applied to each batch")
            .define(MAX_REQUEST_SIZE_CONFIG, Type.INT, 1048576, Range.atLeast(0), Importance.MEDIUM,
                    "largest record (and produce request) in bytes")
            .define(ENABLE_IDEMPOTENCE_CONFIG, Type.BOOLEAN, true, Importance.LOW,
                    "each record is written exactly once per partition, in order, whatever the retries; needs acks=all,"
                            + " max.in.flight.requests.per.connection <= 5 and retries > 0 (when not set explicitly it is"
                            + " turned off by settings that conflict with it)")
            .define(KEY_SERIALIZER_CLASS_CONFIG, Type.CLASS, null, Importance.HIGH,
                    "Serializer class for keys, unless an instance is passed to the constructor")
            .define(VALUE_SERIALIZER_CLASS_CONFIG, Type.CLASS, null, Importance.HIGH,
                    "Serializer class for values, unless an instance is passed to the constructor")
            .define(PARTITIONER_CLASS_CONFIG, Type.CLASS, null, Importance.LOW,
                    "Partitioner class; the built-in murmur2/sticky partitioner when not set")
            .define(INTERCEPTOR_CLASSES_CONFIG, Type.LIST, "", Importance.LOW,
                    "ProducerInterceptor classes, called in this order on each send and acknowledgement")
            .define(METRICS_SAMPLE_WINDOW_MS_CONFIG, Type.LONG, 30000L, Range.atLeast(1L), Importance.LOW,
                    "the window of one sample of the rate, average and max metrics")
            .define(METRICS_NUM_SAMPLES_CONFIG, Type.INT, 2, Range.atLeast(1), Importance.LOW,
                    "samples the rate, average and max metrics are computed over");

    private final boolean idempotence;

    public ProducerConfig(Map<String, ?> props) {
        super(CONFIG, props);
        this.idempotence = idempotence();
        long deliveryTimeoutMs = getInt(DELIVERY_TIMEOUT_MS_CONFIG);
        long lingerPlusRequestMs = getLong(LINGER_MS_CONFIG) + getInt(REQUEST_TIMEOUT_MS_CONFIG);
        if (deliveryTimeoutMs < lingerPlusRequestMs) {
            throw new ConfigException(DELIVERY_TIMEOUT_MS_CONFIG, deliveryTimeoutMs,
                    "must be at least linger.ms + request.timeout.ms (" + lingerPlusRequestMs + ")");
        }
        if (getInt(MAX_REQUEST_SIZE_CONFIG) > getLong(BUFFER_MEMORY_CONFIG) && getLong(BUFFER_MEMORY_CONFIG) > 0) {
            // Kafka allows it, but then a record between the two sizes can never be sent; say so early.
            throw new ConfigException(MAX_REQUEST_SIZE_CONFIG, getInt(MAX_REQUEST_SIZE_CONFIG),
                    "must not exceed buffer.memory (" + getLong(BUFFER_MEMORY_CONFIG) + ")");
        }
    }

    public ProducerConfig(Properties props) {
        this(toMap(props));
    }

    /**
     * Kafka's rule: enable.idempotence set to true with acks other than all, more than 5 requests in flight or
     * no retries is an error naming both keys; left at its default, idempotence is on unless one of those
     * settings conflicts with it.
     */
    private boolean idempotence() {
        int acks = acks();
        int maxInFlight = getInt(MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        int retries = getInt(RETRIES_CONFIG);
        if (!isSet(ENABLE_IDEMPOTENCE_CONFIG)) {
            return acks == -1 && maxInFlight <= IDEMPOTENT_MAX_IN_FLIGHT_MAX && retries > 0;
        }
        if (!getBoolean(ENABLE_IDEMPOTENCE_CONFIG)) {
            return false;
        }
        if (acks != -1) {
            throw new ConfigException(ENABLE_IDEMPOTENCE_CONFIG + "=true needs " + ACKS_CONFIG + "=all, but "
                    + ACKS_CONFIG + " is " + getString(ACKS_CONFIG) + ": only records every in-sync replica has can be kept"
                    + " exactly once across leader changes; set " + ACKS_CONFIG + "=all or " + ENABLE_IDEMPOTENCE_CONFIG + "=false");
        }
        if (maxInFlight > IDEMPOTENT_MAX_IN_FLIGHT_MAX) {
            throw new ConfigException(ENABLE_IDEMPOTENCE_CONFIG + "=true needs " + MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION
                    + " <= " + IDEMPOTENT_MAX_IN_FLIGHT_MAX + ", but it is " + maxInFlight + ": the broker recognises a retry"
                    + " only among a producer's last " + IDEMPOTENT_MAX_IN_FLIGHT_MAX + " batches; lower "
                    + MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION + " or set " + ENABLE_IDEMPOTENCE_CONFIG + "=false");
        }
        if (retries == 0) {
            throw new ConfigException(ENABLE_IDEMPOTENCE_CONFIG + "=true needs " + RETRIES_CONFIG + " > 0, but it is 0;"
                    + " raise " + RETRIES_CONFIG + " or set " + ENABLE_IDEMPOTENCE_CONFIG + "=false");
        }
        return true;
    }

    /** Whether this producer is idempotent (see {@link #ENABLE_IDEMPOTENCE_CONFIG}). */
    public boolean idempotenceEnabled() {
        return idempotence;
    }

    /** acks as the number sent on the wire: 0, 1 or -1 (all). */
    public int acks() {
        String acks = getString(ACKS_CONFIG);
        return acks.equals("all") ? -1 : Integer.parseInt(acks);
    }

    /** Every key the producer accepts. */
    public static java.util.Set<String> configNames() {
        return CONFIG.names();
    }
}
