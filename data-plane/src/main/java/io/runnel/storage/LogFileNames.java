package io.runnel.storage;

import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * File naming inside a partition directory, as in Kafka: a segment's files are named by its base offset
 * zero-padded to 20 digits ({@code 00000000000000000042.log}, {@code .index}, {@code .timeindex}), with
 * a suffix while a file is being deleted ({@code .deleted}) or, in Kafka's cleaner, swapped
 * ({@code .cleaned}, {@code .swap}). Producer-state snapshots are named the same way by the offset they
 * were taken at ({@code 00000000000000000042.snapshot}). Stateless.
 */
final class LogFileNames {

    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    static final String DELETED_SUFFIX = ".deleted";
    static final String CLEANED_SUFFIX = ".cleaned";
    static final String SWAP_SUFFIX = ".swap";
    /** A producer-state snapshot, named by the offset it was taken at (Kafka's {@code <offset>.snapshot}). */
    static final String SNAPSHOT_SUFFIX = ".snapshot";
    static final int OFFSET_DIGITS = 20;

    private LogFileNames() {
    }

    static String prefix(long baseOffset) {
        String digits = Long.toString(baseOffset);
        return "0".repeat(OFFSET_DIGITS - digits.length()) + digits;
    }

    static Path logFile(Path dir, long baseOffset) {
        return dir.resolve(prefix(baseOffset) + LOG_SUFFIX);
    }

    static Path indexFile(Path dir, long baseOffset) {
        return dir.resolve(prefix(baseOffset) + INDEX_SUFFIX);
    }

    static Path timeIndexFile(Path dir, long baseOffset) {
        return dir.resolve(prefix(baseOffset) + TIME_INDEX_SUFFIX);
    }

    static Path snapshotFile(Path dir, long offset) {
        return dir.resolve(prefix(offset) + SNAPSHOT_SUFFIX);
    }

    /** The base offset of a file named {@code <20 digits><suffix>}, or empty for any other name. */
    static OptionalLong baseOffsetOf(String fileName, String suffix) {
        if (!fileName.endsWith(suffix) || fileName.length() != OFFSET_DIGITS + suffix.length()) {
            return OptionalLong.empty();
        }
        String digits = fileName.substring(0, OFFSET_DIGITS);
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                return OptionalLong.empty();
            }
        }
        try {
            return OptionalLong.of(Long.parseLong(digits));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
