package io.runnel.common.config;

import java.util.List;
import java.util.Objects;

/**
 * One setting, declared once in a registry ({@link ServerSettings}): its key, type, default, bounds,
 * importance and documentation. Components read its value through it, typed
 * ({@code settings.get(ServerSettings.BROKER_SESSION_TIMEOUT_MS)}), and value objects that hold a setting
 * check it with {@link #validate}, so the bounds exist in one place only. Immutable and thread-safe.
 *
 * @param <T> the Java type of a parsed value: Integer, Long, Double, Boolean, String or List&lt;String&gt;
 */
public final class Setting<T> {

    private final String section;
    private final String key;
    private final ConfigDef.Type type;
    private final T defaultValue;
    private final ConfigDef.Validator validator;
    private final ConfigDef.Importance importance;
    private final String documentation;

    Setting(String section, String key, ConfigDef.Type type, T defaultValue, ConfigDef.Validator validator,
            ConfigDef.Importance importance, String documentation) {
        this.section = Objects.requireNonNull(section, "section");
        this.key = Objects.requireNonNull(key, "key");
        this.type = Objects.requireNonNull(type, "type");
        this.validator = validator;
        this.importance = Objects.requireNonNull(importance, "importance");
        this.documentation = Objects.requireNonNull(documentation, "documentation");
        // The default is held to the same parsing and bounds as any value a user gives.
        this.defaultValue = defaultValue == null ? null : parse(defaultValue);
    }

    public String section() {
        return section;
    }

    public String key() {
        return key;
    }

    public ConfigDef.Type type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    /** The bounds or allowed values; null when any value of the type is accepted. */
    public ConfigDef.Validator validator() {
        return validator;
    }

    public ConfigDef.Importance importance() {
        return importance;
    }

    public String documentation() {
        return documentation;
    }

    /**
     * Parses {@code value} (text, or already of the setting's type) and checks its bounds; a
     * {@link ConfigException} names the key and the value otherwise.
     */
    @SuppressWarnings("unchecked")
    public T parse(Object value) {
        Object parsed = ConfigDef.parseType(key, value, type);
        if (validator != null && parsed != null) {
            validator.ensureValid(key, parsed);
        }
        return (T) parsed;
    }

    /** Checks a value built in code against the declared bounds; returns it. */
    public T validate(T value) {
        return parse(value);
    }

    /** The text a user would write for {@code value} (a list is joined with commas). */
    public String format(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof List<?> list) {
            return String.join(",", list.stream().map(String::valueOf).toList());
        }
        return String.valueOf(value);
    }

    /** The text of the default value. */
    public String defaultText() {
        return format(defaultValue);
    }

    @Override
    public String toString() {
        return key;
    }
}
