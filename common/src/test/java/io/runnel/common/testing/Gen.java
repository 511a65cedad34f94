package io.runnel.common.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Seeded random inputs for property tests ({@link PropertyCheck}). Every value comes from one
 * {@link Random} seeded by the try's seed, so a seed replays the exact inputs. Numbers are drawn with a
 * bias towards the edges that break code most often: a range's bounds, and 0, ±1, {@code MIN_VALUE} and
 * {@code MAX_VALUE} where they lie inside it, each drawn about one time in {@link #EDGE_ONE_IN}; lists
 * and arrays are empty (or of their smallest and largest size) just as often. Not thread-safe: one try
 * uses one instance on one thread.
 */
public final class Gen {

    /** One draw in this many is an edge value (or an edge size for lists and arrays). */
    public static final int EDGE_ONE_IN = 8;

    /** The int values that code gets wrong most often; tests of a whole type check each of them explicitly. */
    public static final List<Integer> INT_EDGES = List.of(0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE,
            Integer.MIN_VALUE + 1, Integer.MAX_VALUE - 1);
    /** The long values that code gets wrong most often. */
    public static final List<Long> LONG_EDGES = List.of(0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE,
            Long.MIN_VALUE + 1, Long.MAX_VALUE - 1, (long) Integer.MIN_VALUE, (long) Integer.MAX_VALUE);

    private final long seed;
    private final Random random;

    public Gen(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** The seed this generator was made from (what {@code -Dtest.seed} replays). */
    public long seed() {
        return seed;
    }

    /**
     * The underlying random source, for code under test that takes a {@link Random} itself (it is the
     * same sequence, so the seed still replays everything).
     */
    public Random random() {
        return random;
    }

    private boolean edge() {
        return random.nextInt(EDGE_ONE_IN) == 0;
    }

    /** Any int, edges included. */
    public int anyInt() {
        return edge() ? pick(INT_EDGES) : random.nextInt();
    }

    /** Any long, edges included. */
    public long anyLong() {
        return edge() ? pick(LONG_EDGES) : random.nextLong();
    }

    /** An int in [min, max], both inclusive; the bounds, and 0 and ±1 when inside them, are edges. */
    public int intBetween(int min, int max) {
        return (int) longBetween(min, max);
    }

    /** A long in [min, max], both inclusive; the bounds, and 0 and ±1 when inside them, are edges. */
    public long longBetween(long min, long max) {
        if (min > max) {
            throw new IllegalArgumentException("empty range [" + min + ", " + max + "]");
        }
        if (edge()) {
            List<Long> edges = new ArrayList<>(List.of(min, max));
            for (long candidate : new long[] {0, 1, -1}) {
                if (candidate >= min && candidate <= max) {
                    edges.add(candidate);
                }
            }
            return pick(edges);
        }
        if (max < Long.MAX_VALUE) {
            return random.nextLong(min, max + 1);
        }
        return min == Long.MIN_VALUE ? random.nextLong() : random.nextLong(min - 1, max) + 1;
    }

    /** A double in [0, 1], both ends being edges. */
    public double fraction() {
        if (edge()) {
            return random.nextBoolean() ? 0.0 : 1.0;
        }
        return random.nextDouble();
    }

    public boolean bool() {
        return random.nextBoolean();
    }

    /** True with the given probability. */
    public boolean chance(double probability) {
        return random.nextDouble() < probability;
    }

    /** One of the values, each equally likely. */
    @SafeVarargs
    public final <T> T oneOf(T... values) {
        return values[random.nextInt(values.length)];
    }

    /** One of the values, each equally likely. */
    public <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** A constant of the enum, each equally likely. */
    public <E extends Enum<E>> E anyOf(Class<E> type) {
        return oneOf(type.getEnumConstants());
    }

    /**
     * A size in [min, max]: the smallest and largest are edges, so an empty list (min 0) comes up about
     * one time in {@code 2 * EDGE_ONE_IN}.
     */
    public int size(int min, int max) {
        return intBetween(min, max);
    }

    /** A list of [minSize, maxSize] elements, each from {@code element}. */
    public <T> List<T> listOf(int minSize, int maxSize, Supplier<T> element) {
        int size = size(minSize, maxSize);
        List<T> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            list.add(element.get());
        }
        return list;
    }

    /** Random bytes, [0, maxSize] of them (empty is an edge). */
    public byte[] bytes(int maxSize) {
        byte[] bytes = new byte[size(0, maxSize)];
        random.nextBytes(bytes);
        return bytes;
    }

    /** {@code null} with the given probability, else the supplier's value. */
    public <T> T nullOr(double nullProbability, Supplier<T> value) {
        return chance(nullProbability) ? null : value.get();
    }

    /** A string of [0, maxLength] characters taken from {@code alphabet} (empty is an edge). */
    public String string(String alphabet, int maxLength) {
        int length = size(0, maxLength);
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    /**
     * One of several generators chosen by weight, as in "12 appends to every roll":
     * {@code gen.frequency(weighted(12, this::append), weighted(1, Roll::new))}.
     */
    @SafeVarargs
    public final <T> T frequency(Weighted<? extends T>... choices) {
        int total = 0;
        for (Weighted<? extends T> choice : choices) {
            total += choice.weight();
        }
        int draw = random.nextInt(total);
        for (Weighted<? extends T> choice : choices) {
            draw -= choice.weight();
            if (draw < 0) {
                return choice.value().get();
            }
        }
        throw new AssertionError("unreachable: weights sum to " + total);
    }

    /** A generator with its weight, for {@link #frequency}. */
    public record Weighted<T>(int weight, Supplier<T> value) {
        public Weighted {
            if (weight <= 0) {
                throw new IllegalArgumentException("weight " + weight + " is not positive");
            }
        }
    }

    public static <T> Weighted<T> weighted(int weight, Supplier<T> value) {
        return new Weighted<>(weight, value);
    }
}
