package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexTest {

    @TempDir
    Path dir;

    @Test
    void offsetIndexWritesKafkaLayoutBigEndian() throws Exception {
        Path file = dir.resolve("00000000000000000100.index");
        OffsetIndex index = new OffsetIndex(file, 100, 80);
        index.append(105, 0);
        index.append(110, 4096);
        index.close();
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes).hasSize(16);
        ByteBuffer expected = ByteBuffer.allocate(16).putInt(5).putInt(0).putInt(10).putInt(4096);
        assertThat(bytes).isEqualTo(expected.array());
    }

    @Test
    void timeIndexWritesKafkaLayoutBigEndian() throws Exception {
        Path file = dir.resolve("00000000000000000100.timeindex");
        TimeIndex index = new TimeIndex(file, 100, 120);
        index.maybeAppend(1_000L, 104, false);
        index.maybeAppend(1_000L, 106, false); // not larger: skipped
        index.maybeAppend(2_000L, 110, false);
        index.close();
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer expected = ByteBuffer.allocate(24).putLong(1_000L).putInt(4).putLong(2_000L).putInt(10);
        assertThat(bytes).isEqualTo(expected.array());
    }

    @Test
    void offsetIndexLookupFindsLargestEntryAtOrBelow() {
        OffsetIndex index = new OffsetIndex(dir.resolve("0.index"), 0, 800);
        for (int i = 1; i <= 50; i++) {
            index.append(i * 10L, i * 100);
        }
        assertThat(index.lookup(5)).isEqualTo(new OffsetIndex.OffsetPosition(0, 0));
        assertThat(index.lookup(10)).isEqualTo(new OffsetIndex.OffsetPosition(10, 100));
        assertThat(index.lookup(19)).isEqualTo(new OffsetIndex.OffsetPosition(10, 100));
        assertThat(index.lookup(500)).isEqualTo(new OffsetIndex.OffsetPosition(500, 5000));
        assertThat(index.lookup(10_000)).isEqualTo(new OffsetIndex.OffsetPosition(500, 5000));
    }

    @Test
    void fullIndexRejectsAppendAndReportsFull() {
        OffsetIndex index = new OffsetIndex(dir.resolve("0.index"), 0, 20); // 2 entries (rounded down)
        assertThat(index.maxEntries()).isEqualTo(2);
        index.append(1, 10);
        index.append(2, 20);
        assertThat(index.isFull()).isTrue();
        assertThatThrownBy(() -> index.append(3, 30)).isInstanceOf(IllegalStateException.class).hasMessageContaining("full");
    }

    @Test
    void timeIndexKeepsOneSlotForTheFinalEntry() {
        TimeIndex index = new TimeIndex(dir.resolve("0.timeindex"), 0, 36); // 3 entries
        index.maybeAppend(1, 1, false);
        index.maybeAppend(2, 2, false);
        assertThat(index.isFull()).isTrue();
        index.maybeAppend(3, 3, true);
        assertThat(index.entries()).isEqualTo(3);
        assertThat(index.lastEntry()).isEqualTo(new TimeIndex.TimestampOffset(3, 3));
    }

    @Test
    void offsetsMustIncrease() {
        OffsetIndex index = new OffsetIndex(dir.resolve("0.index"), 0, 800);
        index.append(5, 10);
        assertThatThrownBy(() -> index.append(5, 20)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void trimAndResizeKeepEntries() throws Exception {
        Path file = dir.resolve("0.index");
        OffsetIndex index = new OffsetIndex(file, 0, 8000);
        assertThat(Files.size(file)).isEqualTo(8000);
        index.append(1, 10);
        index.append(2, 20);
        index.trimToValidSize();
        assertThat(Files.size(file)).isEqualTo(16);
        assertThat(index.isFull()).isTrue();
        index.resize(8000);
        assertThat(Files.size(file)).isEqualTo(8000);
        index.append(3, 30);
        assertThat(index.lookup(3)).isEqualTo(new OffsetIndex.OffsetPosition(3, 30));
        index.close();
        OffsetIndex reopened = new OffsetIndex(file, 0, 8000);
        assertThat(reopened.entries()).isEqualTo(3);
        assertThat(reopened.lastOffset()).isEqualTo(3);
    }

    @Test
    void truncateRemovesEntriesAtOrAboveOffset() {
        OffsetIndex offsets = new OffsetIndex(dir.resolve("0.index"), 0, 800);
        TimeIndex times = new TimeIndex(dir.resolve("0.timeindex"), 0, 1200);
        for (int i = 1; i <= 10; i++) {
            offsets.append(i * 10L, i * 100);
            times.maybeAppend(i * 1000L, i * 10L, false);
        }
        offsets.truncateTo(50);
        times.truncateTo(55);
        assertThat(offsets.entries()).isEqualTo(4);
        assertThat(offsets.lastOffset()).isEqualTo(40);
        assertThat(times.entries()).isEqualTo(5);
        assertThat(times.lastEntry()).isEqualTo(new TimeIndex.TimestampOffset(5000, 50));
    }

    @Test
    void preallocatedZerosAreDetectedAsCorrupt() throws Exception {
        Path file = dir.resolve("0.index");
        Files.write(file, new byte[800]);
        OffsetIndex index = new OffsetIndex(file, 0, 800);
        assertThatThrownBy(index::sanityCheck).isInstanceOf(AbstractIndex.CorruptIndexException.class)
                .hasMessageContaining("does not follow");
        Path timeFile = dir.resolve("0.timeindex");
        Files.write(timeFile, new byte[120]);
        assertThatThrownBy(new TimeIndex(timeFile, 0, 120)::sanityCheck).isInstanceOf(AbstractIndex.CorruptIndexException.class);
    }

    @Test
    void lengthNotAMultipleOfTheEntryIsCorrupt() throws Exception {
        Path file = dir.resolve("0.index");
        Files.write(file, new byte[13]);
        assertThatThrownBy(new OffsetIndex(file, 0, 800)::sanityCheck).isInstanceOf(AbstractIndex.CorruptIndexException.class)
                .hasMessageContaining("multiple");
    }

    @Test
    void pureSearchMatchesLinearScan() {
        ByteBuffer entries = ByteBuffer.allocate(4 * 100);
        int count = 0;
        for (int key = 0; key < 300; key += 3) {
            entries.putInt(count * 4, key);
            count++;
        }
        IndexSearch.KeyReader reader = (b, slot) -> b.getInt(slot * 4);
        for (long target = -2; target < 305; target++) {
            int expectedLower = -1;
            int expectedUpper = -1;
            for (int slot = 0; slot < count; slot++) {
                if (reader.keyAt(entries, slot) <= target) {
                    expectedLower = slot;
                }
                if (expectedUpper < 0 && reader.keyAt(entries, slot) >= target) {
                    expectedUpper = slot;
                }
            }
            assertThat(IndexSearch.largestLowerBound(entries, count, reader, target)).as("lower %d", target).isEqualTo(expectedLower);
            assertThat(IndexSearch.smallestUpperBound(entries, count, reader, target)).as("upper %d", target).isEqualTo(expectedUpper);
        }
        assertThat(IndexSearch.largestLowerBound(entries, 0, reader, 5)).isEqualTo(-1);
    }
}
