package io.runnel.metadata.ratis;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.proto.metadata.MetadataBatch;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.TopicRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataStoreTest {

    @TempDir
    Path dir;

    private static MetadataRecord topic(int i) {
        return MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName("t" + i)
                .setTopicId("00000000-0000-0000-0000-" + String.format("%012d", i))).build();
    }

    private static MetadataBatch batch(int i) {
        return MetadataBatch.newBuilder().addRecords(topic(i)).setAppendTimeMs(i).setControllerId(1).build();
    }

    @Test
    void batchesAndAppliedIndexSurviveReopen() throws Exception {
        try (MetadataStore store = MetadataStore.open(dir.resolve("db"))) {
            assertThat(store.load().appliedIndex()).isEqualTo(-1);
            store.append(1, 3, batch(3));
            store.append(1, 5, batch(5));
            store.markApplied(2, 6);
        }
        try (MetadataStore store = MetadataStore.open(dir.resolve("db"))) {
            MetadataStore.Stored stored = store.load();
            assertThat(stored.appliedTerm()).isEqualTo(2);
            assertThat(stored.appliedIndex()).isEqualTo(6);
            assertThat(stored.imageOffset()).isEqualTo(-1);
            assertThat(stored.batches()).extracting(CommittedBatch::offset).containsExactly(3L, 5L);
            assertThat(stored.batches().get(1).batch()).isEqualTo(batch(5));
        }
    }

    @Test
    void compactReplacesImageAndDropsIncludedBatchesAcrossChunks() throws Exception {
        List<MetadataRecord> image = new ArrayList<>();
        for (int i = 0; i < MetadataStore.IMAGE_CHUNK_RECORDS * 2 + 5; i++) {
            image.add(topic(i));
        }
        try (MetadataStore store = MetadataStore.open(dir.resolve("db"))) {
            store.append(1, 1, batch(1));
            store.append(1, 2, batch(2));
            store.compact(image, 2, 1, 3);
            store.append(1, 4, batch(4));
            store.checkpoint(dir.resolve("checkpoint"));
            store.compact(image.subList(0, 3), 4, 1, 4);
        }
        try (MetadataStore checkpoint = MetadataStore.open(dir.resolve("checkpoint"))) {
            MetadataStore.Stored stored = checkpoint.load();
            assertThat(stored.imageRecords()).isEqualTo(image);
            assertThat(stored.imageOffset()).isEqualTo(2);
            assertThat(stored.batches()).extracting(CommittedBatch::offset).containsExactly(4L);
            assertThat(stored.appliedIndex()).isEqualTo(4);
        }
        try (MetadataStore store = MetadataStore.open(dir.resolve("db"))) {
            MetadataStore.Stored stored = store.load();
            assertThat(stored.imageRecords()).hasSize(3);
            assertThat(stored.batches()).isEmpty();
        }
    }
}
