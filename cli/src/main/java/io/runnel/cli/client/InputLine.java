package io.runnel.cli.client;

import java.util.Optional;

/**
 * One stdin line of {@code runnel produce} split into key and value: with a key separator the key is
 * the text before its first occurrence and the value everything after (so values may contain the
 * separator); without one the whole line is the value and the key is null. Immutable.
 */
public record InputLine(long lineNumber, String key, String value) {

    /**
     * Splits {@code line}; empty when a separator is configured but the line does not contain it (the
     * caller reports that line as failed, as Kafka's console producer does).
     */
    public static Optional<InputLine> split(long lineNumber, String line, String keySeparator) {
        if (keySeparator == null) {
            return Optional.of(new InputLine(lineNumber, null, line));
        }
        int at = line.indexOf(keySeparator);
        if (at < 0) {
            return Optional.empty();
        }
        return Optional.of(new InputLine(lineNumber, line.substring(0, at), line.substring(at + keySeparator.length())));
    }
}
