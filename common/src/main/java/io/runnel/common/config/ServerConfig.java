package io.runnel.common.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A node's settings, parsed and checked against {@link ServerSettings}: every declared setting has a
 * typed value (the one given, else its default), and the relations of {@link ServerSettings#CHECKS} hold.
 * An unknown key, a value that does not parse or is out of bounds, or a broken relation fails
 * {@link #parse} with a {@link ConfigException} naming the keys. Immutable and thread-safe.
 */
public final class ServerConfig {

    /** Every setting at its default. */
    public static final ServerConfig DEFAULTS = parse(Map.of());

    private final Map<String, Object> values;
    private final Map<String, String> originals;

    private ServerConfig(Map<String, Object> values, Map<String, String> originals) {
        this.values = values;
        this.originals = originals;
    }

    /**
     * Parses {@code props} (values as text, or already typed): unknown keys, bad values and broken
     * relations between settings fail with a ConfigException naming the keys.
     */
    public static ServerConfig parse(Map<String, ?> props) {
        Map<String, Object> values = Collections.unmodifiableMap(ServerSettings.DEFINITION.parse(props));
        Map<String, String> originals = new LinkedHashMap<>();
        props.forEach((key, value) -> {
            Setting<?> setting = ServerSettings.setting(key).orElseThrow();
            originals.put(key, setting.format(values.get(key)));
        });
        ServerConfig config = new ServerConfig(values, Collections.unmodifiableMap(originals));
        for (ServerSettings.Check check : ServerSettings.CHECKS) {
            if (!check.holds().test(config)) {
                throw new ConfigException("invalid configuration: " + check.problem().apply(config));
            }
        }
        return config;
    }

    /** This configuration with {@code setting} set to {@code value} (parsed and checked again). */
    public <T> ServerConfig with(Setting<T> setting, Object value) {
        Map<String, Object> props = new LinkedHashMap<>(originals);
        props.put(setting.key(), value);
        return parse(props);
    }

    /** The value of a declared setting. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        if (!values.containsKey(setting.key())) {
            throw new IllegalArgumentException("not a server setting: " + setting.key());
        }
        return (T) values.get(setting.key());
    }

    /** True when the configuration gave {@code setting} a value (even one equal to the default). */
    public boolean isSet(Setting<?> setting) {
        return originals.containsKey(setting.key());
    }

    /** The settings the configuration gave, as text in their parsed form (trimmed), in the order given. */
    public Map<String, String> originals() {
        return originals;
    }

    /** The text of a setting's value, as a user would write it. */
    public String text(Setting<?> setting) {
        return setting.format(get(setting));
    }

    /**
     * The cluster-wide default of a topic key ({@code retention.ms}) that this configuration sets through
     * its server key ({@code log.retention.ms}), as text; empty when it is not set.
     */
    public Optional<String> topicDefault(String topicKey) {
        Setting<Object> setting = ServerSettings.topicDefaultSettings().get(topicKey);
        return setting == null || !isSet(setting) ? Optional.empty() : Optional.of(text(setting));
    }

    /** The typed cluster-wide default of a topic key: the configuration's value, else the topic key's default. */
    public Object topicDefaultValue(String topicKey) {
        return get(ServerSettings.topicDefaultSetting(topicKey));
    }

    /** The topic defaults this configuration sets, keyed by topic key (retention.ms for log.retention.ms). */
    public Map<String, String> topicDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        ServerSettings.topicDefaultSettings().forEach((topicKey, setting) -> {
            if (isSet(setting)) {
                defaults.put(topicKey, text(setting));
            }
        });
        return Collections.unmodifiableMap(defaults);
    }

    @Override
    public String toString() {
        return "ServerConfig" + originals;
    }
}
