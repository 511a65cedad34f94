package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot file format: byte layout, round trip, and refusal of anything but a whole version-1 file. */
class ProducerSnapshotFileTest {

    @TempDir
    Path dir;

    private static ProducerStateEntry entry(long id, int epoch, int firstSequence, int lastSequence, long firstOffset,
                                            long lastOffset, long timestamp) {
        return new ProducerStateEntry(id, (short) epoch, List.of(new ProducerBatchMetadata(firstSequence, lastSequence,
                firstOffset, lastOffset, timestamp)), timestamp, -1, -1);
    }

    @Test
    void theLayoutIsKafkasVersionOne() {
        byte[] bytes = ProducerSnapshotFile.serialize(List.of(entry(42, 3, 10, 14, 100, 104, 1_700_000_000_000L)));
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        assertThat(bytes).hasSize(2 + 4 + 4 + 46);
        assertThat(buffer.getShort(0)).isEqualTo((short) 1);
        assertThat(buffer.getInt(6)).isEqualTo(1);
        assertThat(buffer.getLong(10)).isEqualTo(42);        // producer_id
        assertThat(buffer.getShort(18)).isEqualTo((short) 3); // epoch
        assertThat(buffer.getInt(20)).isEqualTo(14);          // last_sequence
        assertThat(buffer.getLong(24)).isEqualTo(104);        // last_offset
        assertThat(buffer.getInt(32)).isEqualTo(4);           // offset_delta
        assertThat(buffer.getLong(36)).isEqualTo(1_700_000_000_000L);
        assertThat(buffer.getInt(44)).isEqualTo(-1);          // coordinator_epoch
        assertThat(buffer.getLong(48)).isEqualTo(-1);         // current_txn_first_offset
    }

    @Test
    void whatIsWrittenIsReadBackWithTheLastBatchOfEachProducer() {
        Path file = dir.resolve("00000000000000000105.snapshot");
        List<ProducerStateEntry> entries = List.of(entry(42, 3, 10, 14, 100, 104, 7),
                entry(43, 0, Integer.MAX_VALUE, 1, 200, 202, 8),
                new ProducerStateEntry(44, (short) 2, List.of(), 9, -1, -1));
        ProducerSnapshotFile.write(file, entries, true);
        assertThat(ProducerSnapshotFile.read(file)).containsExactlyElementsOf(entries);
    }

    @Test
    void aTornFileAnotherVersionOrABadCrcIsCorrupt() throws Exception {
        byte[] bytes = ProducerSnapshotFile.serialize(List.of(entry(42, 3, 10, 14, 100, 104, 7)));
        Path file = dir.resolve("00000000000000000105.snapshot");
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        assertThatThrownBy(() -> ProducerSnapshotFile.read(file)).isInstanceOf(ProducerSnapshotFile.CorruptSnapshotException.class)
                .hasMessageContaining("is corrupt");
        byte[] flipped = bytes.clone();
        flipped[30] ^= 1;
        Files.write(file, flipped);
        assertThatThrownBy(() -> ProducerSnapshotFile.read(file)).hasMessageContaining("stored CRC");
        byte[] version = bytes.clone();
        version[1] = 2;
        Files.write(file, version);
        assertThatThrownBy(() -> ProducerSnapshotFile.read(file)).hasMessageContaining("has version 2; only 1 is known");
        Files.write(file, new byte[5]);
        assertThatThrownBy(() -> ProducerSnapshotFile.read(file)).hasMessageContaining("fewer than the 10");
    }
}
