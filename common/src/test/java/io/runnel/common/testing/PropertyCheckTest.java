package io.runnel.common.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The seeded property runner: tries counted, failures name a seed, and that seed replays the same inputs. */
class PropertyCheckTest {

    @AfterEach
    void clearProperties() {
        System.clearProperty(PropertyCheck.SEED_PROPERTY);
        System.clearProperty(PropertyCheck.TRIES_PROPERTY);
    }

    @Test
    void runsEveryTryWithItsOwnSeed() {
        Set<Long> seeds = new HashSet<>();
        PropertyCheck.forAll(50, gen -> seeds.add(gen.seed()));
        assertThat(seeds).hasSize(50);
    }

    @Test
    void aFailureNamesTheSeedAndTheSeedReplaysTheSameInputs() {
        List<Integer> drawn = new ArrayList<>();
        assertThatThrownBy(() -> PropertyCheck.forAll(1000, gen -> {
            int value = gen.intBetween(0, 1000);
            drawn.add(value);
            assertThat(value).isLessThan(900);
        })).isInstanceOf(AssertionError.class)
                .hasMessageContaining("-Dtest.seed=")
                .hasMessageContaining("-Dtest='PropertyCheckTest#aFailureNamesTheSeedAndTheSeedReplaysTheSameInputs'")
                .satisfies(failure -> {
                    Matcher seed = Pattern.compile("with seed (-?\\d+)").matcher(failure.getMessage());
                    assertThat(seed.find()).isTrue();
                    System.setProperty(PropertyCheck.SEED_PROPERTY, seed.group(1));
                });
        int failing = drawn.get(drawn.size() - 1);

        List<Integer> replayed = new ArrayList<>();
        assertThatThrownBy(() -> PropertyCheck.forAll(1000, gen -> {
            replayed.add(gen.intBetween(0, 1000));
            assertThat(replayed.get(0)).isLessThan(900);
        })).hasMessageContaining("the replayed try");
        assertThat(replayed).as("one try, the failing one").containsExactly(failing);
    }

    @Test
    void triesCanBeOverridden() {
        System.setProperty(PropertyCheck.TRIES_PROPERTY, "7");
        List<Long> seeds = new ArrayList<>();
        PropertyCheck.forAll(100, gen -> seeds.add(gen.seed()));
        assertThat(seeds).hasSize(7);
    }

    @Test
    void edgesComeUpAndRangesHold() {
        Gen gen = new Gen(42);
        Set<Integer> ints = new HashSet<>();
        Set<Integer> sizes = new HashSet<>();
        Set<Long> longs = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            ints.add(gen.anyInt());
            longs.add(gen.anyLong());
            int bounded = gen.intBetween(-5, 1600);
            assertThat(bounded).isBetween(-5, 1600);
            sizes.add(gen.listOf(0, 60, () -> 1).size());
        }
        assertThat(ints).containsAll(Gen.INT_EDGES);
        assertThat(longs).containsAll(Gen.LONG_EDGES);
        assertThat(sizes).contains(0, 60);
        assertThat(new Gen(7).longBetween(Long.MIN_VALUE, Long.MAX_VALUE)).isEqualTo(new Gen(7).longBetween(Long.MIN_VALUE, Long.MAX_VALUE));
    }
}
