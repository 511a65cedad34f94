package io.runnel.storage;

/**
 * Named points in the swap of a cleaned segment where a test can inject a crash, deterministically and
 * without killing a process (Redpanda's failure probes). Production code passes {@link #NONE}. A test's
 * implementation throws at the point it wants to crash at; the log is then abandoned as a crashed process
 * would leave it and reopened, and recovery must end with the old or the new segments, never a mix.
 *
 * <p>Implementations are called on the cleaner thread doing the swap and must be thread-safe if shared.
 */
@FunctionalInterface
public interface FailurePoints {

    /** Where the swap is when a point is reached; what the directory holds then is in each comment. */
    enum Point {
        /** The cleaned segment's three files are written and fsynced as {@code .cleaned}; nothing renamed. */
        CLEANED_WRITTEN,
        /** One more of the cleaned segment's files was renamed {@code .cleaned} → {@code .swap} (reached per file). */
        SWAP_FILE_RENAMED,
        /** All three are {@code .swap} and the directory is fsynced: from here recovery completes the swap. */
        SWAPPED,
        /** One more replaced segment was renamed {@code .deleted} (reached per segment). */
        OLD_SEGMENT_DELETED,
        /** One more of the new segment's files lost its {@code .swap} suffix (reached per file). */
        SWAP_SUFFIX_REMOVED
    }

    /** No failures: what the broker uses. */
    FailurePoints NONE = point -> { };

    /** Called when the swap reaches {@code point}; throwing simulates a crash there. */
    void reached(Point point);
}
