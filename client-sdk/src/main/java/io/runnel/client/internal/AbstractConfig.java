package io.runnel.client.internal;

import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Parsed, validated client configuration on a {@link ConfigDef}: unknown keys fail with one
 * {@link ConfigException} naming all of them, with hints ({@link UnknownSettings}); a bad value fails
 * naming the key and value. Immutable and thread-safe.
 */
public abstract class AbstractConfig {

    private final Map<String, Object> values;
    private final List<String> nullKeys;
    private final Map<String, Object> originals;

    protected AbstractConfig(ConfigDef definition, Map<String, ?> props) {
        Map<String, Object> normalized = new HashMap<>();
        for (Map.Entry<String, ?> entry : props.entrySet()) {
            normalized.put(entry.getKey(), className(entry.getValue()));
        }
        this.originals = java.util.Collections.unmodifiableMap(new HashMap<>(normalized));
        UnknownSettings.reject(definition, normalized.keySet());
        Map<String, Object> parsed = definition.parse(normalized);
        this.values = Map.copyOf(withoutNulls(parsed));
        this.nullKeys = nullKeys(parsed);
    }

    /**
     * A Class given for a CLASS key (or in a LIST of classes) is kept by name, so ConfigDef (which parses
     * text) sees its name.
     */
    private static Object className(Object value) {
        if (value instanceof Class<?> type) {
            return type.getName();
        }
        if (value instanceof List<?> list) {
            List<Object> names = new ArrayList<>(list.size());
            for (Object element : list) {
                names.add(element instanceof Class<?> type ? type.getName() : element);
            }
            return names;
        }
        return value;
    }

    /** The settings as given (keys the user set, with their values before parsing). */
    public Map<String, Object> originals() {
        return originals;
    }

    /** True when the user set {@code key} (rather than leaving its default). */
    public boolean isSet(String key) {
        return originals.containsKey(key);
    }

    private static Map<String, Object> withoutNulls(Map<String, Object> parsed) {
        Map<String, Object> copy = new HashMap<>();
        parsed.forEach((k, v) -> {
            if (v != null) {
                copy.put(k, v);
            }
        });
        return copy;
    }

    private static List<String> nullKeys(Map<String, Object> parsed) {
        List<String> keys = new ArrayList<>();
        parsed.forEach((k, v) -> {
            if (v == null) {
                keys.add(k);
            }
        });
        return List.copyOf(keys);
    }

    protected static Map<String, Object> toMap(Properties properties) {
        Map<String, Object> map = new HashMap<>();
        for (String name : properties.stringPropertyNames()) {
            map.put(name, properties.getProperty(name));
        }
        properties.forEach((k, v) -> map.putIfAbsent(String.valueOf(k), v));
        return map;
    }

    public int getInt(String key) {
        return (Integer) require(key);
    }

    public long getLong(String key) {
        return (Long) require(key);
    }

    public boolean getBoolean(String key) {
        return (Boolean) require(key);
    }

    /** The value of a STRING or CLASS key, or null when it has no value. */
    public String getString(String key) {
        return nullKeys.contains(key) ? null : (String) require(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String key) {
        return (List<String>) require(key);
    }

    /** Every parsed value (keys without a value are absent). */
    public Map<String, Object> values() {
        return values;
    }

    private Object require(String key) {
        Object value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("configuration '" + key + "' has no value");
        }
        return value;
    }

    /**
     * A new instance of the class named by a CLASS key, which must implement {@code type} and have a public
     * no-argument constructor; null when the key has no value.
     */
    public <T> T getInstance(String key, Class<T> type) {
        String className = getString(key);
        if (className == null) {
            return null;
        }
        return newInstance(key, className, type);
    }

    /** New instances of the classes a LIST key names, in order (empty when it names none). */
    public <T> List<T> getInstances(String key, Class<T> type) {
        List<T> instances = new ArrayList<>();
        for (String className : getList(key)) {
            if (!className.isEmpty()) {
                instances.add(newInstance(key, className, type));
            }
        }
        return instances;
    }

    private static <T> T newInstance(String key, String className, Class<T> type) {
        try {
            Class<?> loaded = Class.forName(className, true, Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader() : AbstractConfig.class.getClassLoader());
            if (!type.isAssignableFrom(loaded)) {
                throw new ConfigException(key, className, "is not a " + type.getName());
            }
            return type.cast(loaded.getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(key, className, "cannot be instantiated: " + e);
        }
    }

    // ---- shared definitions ---------------------------------------------------------------------

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String CLIENT_ID = "client.id";
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    public static final String METADATA_MAX_AGE_MS = "metadata.max.age.ms";

    /** Validates host:port entries of bootstrap.servers. */
    public static final ConfigDef.Validator BOOTSTRAP_VALIDATOR = (name, value) -> {
        @SuppressWarnings("unchecked")
        List<String> list = (List<String>) value;
        if (list.isEmpty()) {
            throw new ConfigException(name, value, "must name at least one host:port");
        }
        for (String address : list) {
            BrokerAddress.parse(name, address);
        }
    };

    /** Adds the keys every client shares. */
    public static ConfigDef commonDefinitions(int requestTimeoutMsDefault) {
        return new ConfigDef()
                .define(BOOTSTRAP_SERVERS, ConfigDef.Type.LIST, ConfigDef.NO_DEFAULT, BOOTSTRAP_VALIDATOR,
                        ConfigDef.Importance.HIGH, "host:port pairs of brokers used to discover the cluster")
                .define(CLIENT_ID, ConfigDef.Type.STRING, "", ConfigDef.Importance.MEDIUM,
                        "a name for this client, used in thread names and logs")
                .define(REQUEST_TIMEOUT_MS, ConfigDef.Type.INT, requestTimeoutMsDefault,
                        ConfigDef.Range.atLeast(0), ConfigDef.Importance.MEDIUM,
                        "how long the client waits for the answer to one request")
                .define(RETRY_BACKOFF_MS, ConfigDef.Type.LONG, 100L, ConfigDef.Range.atLeast(0L),
                        ConfigDef.Importance.LOW, "wait before retrying a failed request")
                .define(METADATA_MAX_AGE_MS, ConfigDef.Type.LONG, 300000L, ConfigDef.Range.atLeast(0L),
                        ConfigDef.Importance.LOW, "metadata is refreshed at least this often");
    }
}
