package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.TopicPartition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path dir;

    @Test
    void offsetCheckpointUsesKafkaTextFormat() throws Exception {
        OffsetCheckpointFile file = new OffsetCheckpointFile(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT));
        file.write(Map.of(new TopicPartition("b", 1), 7L, new TopicPartition("a-x", 0), 1234L));
        assertThat(Files.readString(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT))).isEqualTo("0\n2\na-x 0 1234\nb 1 7\n");
        assertThat(file.read()).isEqualTo(Map.of(new TopicPartition("b", 1), 7L, new TopicPartition("a-x", 0), 1234L));
        assertThat(dir.resolve(OffsetCheckpointFile.RECOVERY_POINT + ".tmp")).doesNotExist();
    }

    @Test
    void missingFileReadsEmpty() {
        assertThat(new OffsetCheckpointFile(dir.resolve("none")).read()).isEmpty();
    }

    @Test
    void garbageIsAClearError() throws Exception {
        Path path = dir.resolve(OffsetCheckpointFile.REPLICATION_OFFSET);
        OffsetCheckpointFile file = new OffsetCheckpointFile(path);
        Files.writeString(path, "0\n2\na 0 5\n");
        assertThatThrownBy(file::read).isInstanceOf(StorageException.class).hasMessageContaining(path.toString())
                .hasMessageContaining("declares 2 entries");
        Files.writeString(path, "0\n1\na zero 5\n");
        assertThatThrownBy(file::read).hasMessageContaining("line 3 'a zero 5'");
        Files.writeString(path, "7\n0\n");
        assertThatThrownBy(file::read).hasMessageContaining("version 7");
        Files.write(path, new byte[] {(byte) 0xff, 0, 1});
        assertThatThrownBy(file::read).isInstanceOf(StorageException.class);
    }

    @Test
    void aLeftoverTempFileDoesNotAffectTheCheckpoint() throws Exception {
        Path path = dir.resolve(OffsetCheckpointFile.LOG_START_OFFSET);
        OffsetCheckpointFile file = new OffsetCheckpointFile(path);
        file.write(Map.of(new TopicPartition("a", 0), 3L));
        Files.writeString(dir.resolve(OffsetCheckpointFile.LOG_START_OFFSET + ".tmp"), "0\n1\na 0 9"); // torn write
        assertThat(file.read()).isEqualTo(Map.of(new TopicPartition("a", 0), 3L));
        file.write(Map.of(new TopicPartition("a", 0), 4L));
        assertThat(file.read()).isEqualTo(Map.of(new TopicPartition("a", 0), 4L));
    }

    @Test
    void leaderEpochCacheAssignsTruncatesAndPersists() throws Exception {
        long[] logEnd = {100};
        LeaderEpochFileCache cache = new LeaderEpochFileCache(dir, () -> logEnd[0]);
        cache.assign(1, 0);
        cache.assign(1, 5); // same epoch, later offset: no change
        cache.assign(3, 20);
        cache.assign(5, 50);
        assertThat(Files.readString(dir.resolve(LeaderEpochFileCache.FILE_NAME))).isEqualTo("0\n3\n1 0\n3 20\n5 50\n");
        assertThat(cache.endOffsetFor(5)).isEqualTo(new OffsetAndEpoch(100, 5));
        assertThat(cache.endOffsetFor(3)).isEqualTo(new OffsetAndEpoch(50, 3));
        assertThat(cache.endOffsetFor(4)).isEqualTo(new OffsetAndEpoch(50, 3));
        assertThat(cache.endOffsetFor(0)).isEqualTo(new OffsetAndEpoch(0, 0));
        assertThat(cache.endOffsetFor(9)).isEqualTo(new OffsetAndEpoch(-1, -1));
        cache.truncateFromEnd(50);
        assertThat(cache.latestEpoch()).contains(3);
        cache.truncateFromStart(25);
        assertThat(cache.entries()).containsExactly(new LeaderEpochFileCache.EpochEntry(3, 25));
        LeaderEpochFileCache reloaded = new LeaderEpochFileCache(dir, () -> logEnd[0]);
        assertThat(reloaded.entries()).containsExactly(new LeaderEpochFileCache.EpochEntry(3, 25));
        reloaded.assign(7, 40);
        reloaded.assign(6, 30); // an older epoch at a lower offset replaces the newer entry, as in Kafka
        assertThat(reloaded.entries()).containsExactly(new LeaderEpochFileCache.EpochEntry(3, 25),
                new LeaderEpochFileCache.EpochEntry(6, 30));
        reloaded.clearAndFlush();
        assertThat(new LeaderEpochFileCache(dir, () -> 0).entries()).isEmpty();
    }

    @Test
    void partitionMetadataReadsUuidTextAndKafkaBase64() throws Exception {
        PartitionMetadataFile file = new PartitionMetadataFile(dir);
        UUID id = UUID.fromString("3f2c8a4e-5c1d-4e5f-9a0b-1c2d3e4f5a6b");
        file.write(id);
        assertThat(file.read()).contains(id);
        java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        String base64 = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw.array());
        Files.writeString(file.path(), "version: 0\ntopic_id: " + base64 + "\n");
        assertThat(file.read()).contains(id);
        Files.writeString(file.path(), "garbage");
        assertThatThrownBy(file::read).isInstanceOf(StorageException.class).hasMessageContaining("partition.metadata");
    }
}
