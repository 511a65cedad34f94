package io.runnel.client.admin;

import io.runnel.client.internal.AbstractConfig;
import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ConfigDef.Importance;
import io.runnel.common.config.ConfigDef.Range;
import io.runnel.common.config.ConfigDef.Type;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/** The admin client's configuration, with Kafka's key names and defaults. Immutable. */
public final class AdminConfig extends AbstractConfig {

    public static final String BOOTSTRAP_SERVERS_CONFIG = BOOTSTRAP_SERVERS;
    public static final String CLIENT_ID_CONFIG = CLIENT_ID;
    public static final String REQUEST_TIMEOUT_MS_CONFIG = REQUEST_TIMEOUT_MS;
    public static final String DEFAULT_API_TIMEOUT_MS_CONFIG = "default.api.timeout.ms";
    public static final String RETRY_BACKOFF_MS_CONFIG = RETRY_BACKOFF_MS;
    public static final String METADATA_MAX_AGE_MS_CONFIG = METADATA_MAX_AGE_MS;

    static final ConfigDef CONFIG = commonDefinitions(30000)
            .define(DEFAULT_API_TIMEOUT_MS_CONFIG, Type.INT, 60000, Range.atLeast(0), Importance.MEDIUM,
                    "bound on one admin operation, retries included");

    public AdminConfig(Map<String, ?> props) {
        super(CONFIG, props);
    }

    public AdminConfig(Properties props) {
        this(toMap(props));
    }

    public static Set<String> configNames() {
        return CONFIG.names();
    }
}
