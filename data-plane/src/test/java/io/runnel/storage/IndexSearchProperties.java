package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import io.runnel.common.testing.PropertyCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Binary search over index entries agrees with a linear scan, for any sorted keys and any target. */
class IndexSearchProperties {

    @Test
    void binarySearchAgreesWithLinearScan() {
        PropertyCheck.forAll(200, gen -> {
            List<Integer> gaps = gen.listOf(0, 60, () -> gen.intBetween(0, 50));
            checkAgainstLinearScan(gaps, gen.intBetween(-5, 1600));
        });
    }

    private static void checkAgainstLinearScan(List<Integer> gaps, int target) {
        ByteBuffer entries = ByteBuffer.allocate(gaps.size() * 12);
        long key = 0;
        for (int slot = 0; slot < gaps.size(); slot++) {
            key += gaps.get(slot);
            entries.putLong(slot * 12, key);
        }
        IndexSearch.KeyReader reader = (buffer, slot) -> buffer.getLong(slot * 12);
        int lower = -1;
        int upper = -1;
        for (int slot = 0; slot < gaps.size(); slot++) {
            if (reader.keyAt(entries, slot) <= target) {
                lower = slot;
            }
            if (upper < 0 && reader.keyAt(entries, slot) >= target) {
                upper = slot;
            }
        }
        int foundLower = IndexSearch.largestLowerBound(entries, gaps.size(), reader, target);
        int foundUpper = IndexSearch.smallestUpperBound(entries, gaps.size(), reader, target);
        // With equal keys (gap 0) any slot holding the same key is an equally valid answer.
        if (lower < 0) {
            assertThat(foundLower).isEqualTo(-1);
        } else {
            assertThat(reader.keyAt(entries, foundLower)).isEqualTo(reader.keyAt(entries, lower));
            assertThat(foundLower).isEqualTo(lower);
        }
        if (upper < 0) {
            assertThat(foundUpper).isEqualTo(-1);
        } else {
            assertThat(foundUpper).isEqualTo(upper);
        }
    }
}
