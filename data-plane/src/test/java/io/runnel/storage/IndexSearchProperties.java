package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Binary search over index entries agrees with a linear scan, for any sorted keys and any target. */
class IndexSearchProperties {

    @Property(tries = 200)
    void binarySearchAgreesWithLinearScan(@ForAll @Size(max = 60) List<@IntRange(min = 0, max = 50) Integer> gaps,
                                          @ForAll @IntRange(min = -5, max = 1600) int target) {
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
