package io.runnel.common.testing;

import java.util.SplittableRandom;

/**
 * Runs a property (a check over generated inputs) a number of times, each try with its own seeded
 * {@link Gen}. A failing try fails the test with its seed in the message; running the test again with
 * {@code -Dtest.seed=<seed>} replays exactly that try, and only it. {@code -Dtest.tries=N} runs N tries
 * instead of the test's own count (for a longer hunt). Without {@code test.seed} every run draws new
 * seeds, so the suite keeps exploring; see docs/testing.md.
 *
 * <p>Usage: {@code PropertyCheck.forAll(300, gen -> { int x = gen.anyInt(); ... assertThat(...); });}
 *
 * <p>Thread-safe (it keeps no state); the property runs on the calling thread.
 */
public final class PropertyCheck {

    /** The system property that replays one try. */
    public static final String SEED_PROPERTY = "test.seed";
    /** The system property that overrides every property's number of tries. */
    public static final String TRIES_PROPERTY = "test.tries";

    /** A property over one try's inputs; it may throw anything, which fails the try. */
    @FunctionalInterface
    public interface Property {
        void check(Gen gen) throws Exception;
    }

    private PropertyCheck() {
    }

    /** Runs {@code property} {@code tries} times (or once, with the seed given by {@code -Dtest.seed}). */
    public static void forAll(int tries, Property property) {
        if (tries <= 0) {
            throw new IllegalArgumentException("tries " + tries + " is not positive");
        }
        String replay = System.getProperty(SEED_PROPERTY);
        if (replay != null && !replay.isBlank()) {
            long seed = parseSeed(replay.trim());
            runTry(property, seed, "the replayed try");
            return;
        }
        int count = triesOverride().orElse(tries);
        SplittableRandom seeds = new SplittableRandom();
        for (int i = 1; i <= count; i++) {
            runTry(property, seeds.nextLong(), "try " + i + " of " + count);
        }
    }

    private static java.util.OptionalInt triesOverride() {
        String value = System.getProperty(TRIES_PROPERTY);
        if (value == null || value.isBlank()) {
            return java.util.OptionalInt.empty();
        }
        try {
            int tries = Integer.parseInt(value.trim());
            if (tries <= 0) {
                throw new IllegalArgumentException(TRIES_PROPERTY + "=" + value + " is not a positive number of tries");
            }
            return java.util.OptionalInt.of(tries);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(TRIES_PROPERTY + "=" + value + " is not a number of tries", e);
        }
    }

    private static long parseSeed(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SEED_PROPERTY + "=" + value + " is not a seed (a long, as printed by a failure)", e);
        }
    }

    private static void runTry(Property property, long seed, String which) {
        try {
            property.check(new Gen(seed));
        } catch (Throwable failure) {
            if (failure instanceof VirtualMachineError error) {
                throw error;
            }
            throw new AssertionError("property failed on " + which + " with seed " + seed
                    + "; replay it with -D" + SEED_PROPERTY + "=" + seed + replayHint() + ": " + failure, failure);
        }
    }

    /** The test to name with {@code -Dtest=...} when replaying: the nearest JUnit test method on the stack. */
    private static String replayHint() {
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .filter(PropertyCheck::isTestMethod)
                .findFirst()
                .map(f -> " -Dtest='" + simpleName(f.getClassName()) + "#" + f.getMethodName() + "'")
                .orElse(""));
    }

    private static boolean isTestMethod(StackWalker.StackFrame frame) {
        for (java.lang.reflect.Method method : frame.getDeclaringClass().getDeclaredMethods()) {
            if (method.getName().equals(frame.getMethodName()) && method.isAnnotationPresent(org.junit.jupiter.api.Test.class)) {
                return true;
            }
        }
        return false;
    }

    private static String simpleName(String className) {
        String outer = className.contains("$") ? className.substring(0, className.indexOf('$')) : className;
        return outer.substring(outer.lastIndexOf('.') + 1);
    }
}
