package io.runnel.common.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A set of configuration keys, each with a type, a default, a validator and documentation, in the style
 * of Kafka's ConfigDef. Parses string (or typed) values into typed ones and names the key and the value in
 * every error. Built once at class-initialisation time; immutable and thread-safe afterwards.
 */
public final class ConfigDef {

    /** Marks a key that has no default: it must be given. */
    public static final Object NO_DEFAULT = new Object() {
        @Override
        public String toString() {
            return "<no default>";
        }
    };

    public enum Type { BOOLEAN, STRING, INT, SHORT, LONG, DOUBLE, LIST, CLASS, PASSWORD }

    public enum Importance { HIGH, MEDIUM, LOW }

    /** Checks a parsed value; throws {@link ConfigException} naming the key when it is out of bounds. */
    @FunctionalInterface
    public interface Validator {
        void ensureValid(String name, Object value);

        /** The accepted values for people ({@code [1, 64]}, {@code [delete, compact]}); empty when only the documentation says. */
        default String describe() {
            return "";
        }
    }

    public record ConfigKey(String name, Type type, Object defaultValue, Validator validator,
                            Importance importance, String documentation) {
        public boolean hasDefault() {
            return defaultValue != NO_DEFAULT;
        }
    }

    private final Map<String, ConfigKey> keys = new LinkedHashMap<>();

    public ConfigDef define(String name, Type type, Object defaultValue, Validator validator,
                            Importance importance, String documentation) {
        if (keys.containsKey(name)) {
            throw new IllegalStateException("configuration key defined twice: " + name);
        }
        Object parsedDefault = defaultValue == NO_DEFAULT || defaultValue == null
                ? defaultValue : parseType(name, defaultValue, type);
        if (validator != null && parsedDefault != NO_DEFAULT && parsedDefault != null) {
            validator.ensureValid(name, parsedDefault);
        }
        keys.put(name, new ConfigKey(name, type, parsedDefault, validator, importance, documentation));
        return this;
    }

    public ConfigDef define(String name, Type type, Object defaultValue, Importance importance, String documentation) {
        return define(name, type, defaultValue, null, importance, documentation);
    }

    /** Adds every key of {@code other}. */
    public ConfigDef withAll(ConfigDef other) {
        for (ConfigKey key : other.keys.values()) {
            define(key.name, key.type, key.defaultValue, key.validator, key.importance, key.documentation);
        }
        return this;
    }

    public Optional<ConfigKey> key(String name) {
        return Optional.ofNullable(keys.get(name));
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(keys.keySet());
    }

    public Collection<ConfigKey> configKeys() {
        return Collections.unmodifiableCollection(keys.values());
    }

    /**
     * Parses {@code props}: every key must be defined here (else a ConfigException naming all the unknown
     * ones at once), every value must parse and pass its validator; keys not given take their defaults.
     */
    public Map<String, Object> parse(Map<String, ?> props) {
        List<String> unknown = unknownKeys(props.keySet());
        if (!unknown.isEmpty()) {
            throw new ConfigException(unknownKeysMessage(unknown, name -> ""));
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey key : keys.values()) {
            if (props.containsKey(key.name)) {
                values.put(key.name, parseValue(key, props.get(key.name)));
            } else if (key.hasDefault()) {
                values.put(key.name, key.defaultValue);
            } else {
                throw new ConfigException("missing required configuration '" + key.name + "': " + key.documentation);
            }
        }
        return values;
    }

    /** Those of {@code names} not defined here, sorted. */
    public List<String> unknownKeys(Collection<String> names) {
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            if (!keys.containsKey(name)) {
                unknown.add(name);
            }
        }
        Collections.sort(unknown);
        return unknown;
    }

    /**
     * "unknown configuration 'x'" or, for several, "unknown configurations 'a', 'b'", each followed by
     * {@code hint.apply(key)} (empty: nothing; else appended after a space, e.g. "(did you mean 'y'?)").
     */
    public static String unknownKeysMessage(List<String> unknown, java.util.function.Function<String, String> hint) {
        StringBuilder message = new StringBuilder(unknown.size() == 1 ? "unknown configuration " : "unknown configurations ");
        for (int i = 0; i < unknown.size(); i++) {
            String name = unknown.get(i);
            message.append(i == 0 ? "" : ", ").append('\'').append(name).append('\'');
            String text = hint.apply(name);
            if (text != null && !text.isEmpty()) {
                message.append(' ').append(text);
            }
        }
        return message.toString();
    }

    /** Parses and validates one value of a defined key. */
    public Object parseValue(String name, Object value) {
        ConfigKey key = keys.get(name);
        if (key == null) {
            throw new ConfigException("unknown configuration '" + name + "'");
        }
        return parseValue(key, value);
    }

    private static Object parseValue(ConfigKey key, Object value) {
        Object parsed = parseType(key.name, value, key.type);
        if (key.validator != null) {
            key.validator.ensureValid(key.name, parsed);
        }
        return parsed;
    }

    /** Converts {@code value} (a String or already of the right Java type) to {@code type}. */
    public static Object parseType(String name, Object value, Type type) {
        if (value == null) {
            if (type == Type.STRING || type == Type.PASSWORD || type == Type.CLASS) {
                return null;
            }
            throw new ConfigException(name, null, "a value is required");
        }
        String text = value instanceof String s ? s.trim() : null;
        try {
            switch (type) {
                case BOOLEAN:
                    if (value instanceof Boolean) {
                        return value;
                    }
                    if ("true".equalsIgnoreCase(text)) {
                        return true;
                    }
                    if ("false".equalsIgnoreCase(text)) {
                        return false;
                    }
                    throw new ConfigException(name, value, "expected true or false");
                case STRING, PASSWORD, CLASS:
                    return text != null ? text : value.toString();
                case INT:
                    return value instanceof Number n && !(value instanceof Double) ? Math.toIntExact(n.longValue())
                            : Integer.parseInt(requireText(name, value, text));
                case SHORT:
                    if (value instanceof Number n) {
                        long l = n.longValue();
                        if (l < Short.MIN_VALUE || l > Short.MAX_VALUE) {
                            throw new ConfigException(name, value, "expected a 16-bit integer");
                        }
                        return (short) l;
                    }
                    return Short.parseShort(requireText(name, value, text));
                case LONG:
                    return value instanceof Number n && !(value instanceof Double) ? n.longValue()
                            : Long.parseLong(requireText(name, value, text));
                case DOUBLE:
                    return value instanceof Number n ? n.doubleValue() : Double.parseDouble(requireText(name, value, text));
                case LIST:
                    if (value instanceof List<?> list) {
                        List<String> copy = new ArrayList<>();
                        for (Object o : list) {
                            copy.add(String.valueOf(o).trim());
                        }
                        return List.copyOf(copy);
                    }
                    String joined = requireText(name, value, text);
                    if (joined.isEmpty()) {
                        return List.of();
                    }
                    return Arrays.stream(joined.split(",")).map(String::trim).toList();
                default:
                    throw new IllegalStateException("unhandled type " + type);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConfigException(name, value, "expected " + describe(type));
        }
    }

    private static String requireText(String name, Object value, String text) {
        if (text == null) {
            throw new ConfigException(name, value, "unexpected value type " + value.getClass().getSimpleName());
        }
        return text;
    }

    private static String describe(Type type) {
        return switch (type) {
            case INT -> "a 32-bit integer";
            case SHORT -> "a 16-bit integer";
            case LONG -> "a 64-bit integer";
            case DOUBLE -> "a number";
            default -> type.name().toLowerCase(Locale.ROOT);
        };
    }

    /** Inclusive numeric bounds; either may be null for unbounded. */
    public static final class Range implements Validator {
        private final Number min;
        private final Number max;

        private Range(Number min, Number max) {
            this.min = min;
            this.max = max;
        }

        public static Range atLeast(Number min) {
            return new Range(min, null);
        }

        public static Range between(Number min, Number max) {
            return new Range(min, max);
        }

        @Override
        public void ensureValid(String name, Object value) {
            double v = ((Number) value).doubleValue();
            if (min != null && v < min.doubleValue()) {
                throw new ConfigException(name, value, "must be at least " + min);
            }
            if (max != null && v > max.doubleValue()) {
                throw new ConfigException(name, value, "must be at most " + max);
            }
        }

        @Override
        public String toString() {
            return min == null ? "[..., " + max + "]" : max == null ? "[" + min + ", ...]" : "[" + min + ", " + max + "]";
        }

        @Override
        public String describe() {
            return toString();
        }
    }

    /** Exclusive numeric bounds: the value must lie strictly between them (a ratio that can be neither 0 nor 1). */
    public static final class OpenInterval implements Validator {
        private final double above;
        private final double below;

        private OpenInterval(double above, double below) {
            this.above = above;
            this.below = below;
        }

        public static OpenInterval between(double above, double below) {
            return new OpenInterval(above, below);
        }

        @Override
        public void ensureValid(String name, Object value) {
            double v = ((Number) value).doubleValue();
            if (!(v > above && v < below)) {
                throw new ConfigException(name, value, "must be above " + above + " and below " + below);
            }
        }

        @Override
        public String describe() {
            return "(" + above + ", " + below + ")";
        }
    }

    /** The value must be one of a fixed set of strings (case-sensitive, like Kafka). */
    public static final class ValidString implements Validator {
        private final List<String> allowed;

        private ValidString(List<String> allowed) {
            this.allowed = allowed;
        }

        public static ValidString in(String... allowed) {
            return new ValidString(List.of(allowed));
        }

        @Override
        public void ensureValid(String name, Object value) {
            if (!allowed.contains((String) value)) {
                throw new ConfigException(name, value, "must be one of " + allowed);
            }
        }

        @Override
        public String toString() {
            return allowed.toString();
        }

        @Override
        public String describe() {
            return toString();
        }
    }

    /** Every element of a list value must be one of a fixed set; the list must not be empty. */
    public static final class ValidList implements Validator {
        private final List<String> allowed;

        private ValidList(List<String> allowed) {
            this.allowed = allowed;
        }

        public static ValidList in(String... allowed) {
            return new ValidList(List.of(allowed));
        }

        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> list = (List<String>) value;
            if (list.isEmpty()) {
                throw new ConfigException(name, value, "must name at least one of " + allowed);
            }
            for (String element : list) {
                if (!allowed.contains(element)) {
                    throw new ConfigException(name, value, "'" + element + "' is not one of " + allowed);
                }
            }
        }

        @Override
        public String toString() {
            return allowed.toString();
        }

        @Override
        public String describe() {
            return toString();
        }
    }
}
