package io.runnel.cli.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * One {@code key=value} pair from the command line ({@code --config}, {@code --header},
 * {@code --producer-property}, ...). The key is everything before the first '=', so values may
 * contain '='. The key must not be empty; the value may be. Immutable.
 */
public record KeyValue(String key, String value) {

    public KeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }

    /** Parses {@code k=v}; throws IllegalArgumentException naming the text when it has no '=' or no key. */
    public static KeyValue parse(String text) {
        int equals = text.indexOf('=');
        if (equals < 0) {
            throw new IllegalArgumentException("'" + text + "' is not of the form key=value");
        }
        if (equals == 0) {
            throw new IllegalArgumentException("'" + text + "' has an empty key");
        }
        return new KeyValue(text.substring(0, equals), text.substring(equals + 1));
    }

    /** The pairs as a map in command-line order; a key given twice keeps its last value, as in Kafka's tools. */
    public static Map<String, String> toMap(List<KeyValue> pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        if (pairs != null) {
            for (KeyValue pair : pairs) {
                map.put(pair.key(), pair.value());
            }
        }
        return map;
    }

    @Override
    public String toString() {
        return key + "=" + value;
    }

    /** Lets picocli turn an argument into a KeyValue; a malformed one is a parameter error (exit code 2). */
    public static final class Converter implements ITypeConverter<KeyValue> {
        @Override
        public KeyValue convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
