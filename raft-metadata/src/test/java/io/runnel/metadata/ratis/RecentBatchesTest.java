package io.runnel.metadata.ratis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.proto.metadata.MetadataBatch;
import org.junit.jupiter.api.Test;

class RecentBatchesTest {

    private static CommittedBatch at(long offset) {
        return new CommittedBatch(offset, MetadataBatch.newBuilder().setAppendTimeMs(offset).build());
    }

    @Test
    void servesOnlyWhatIsCompleteAndEvictsTheOldest() {
        RecentBatches ring = new RecentBatches(3, 0);
        ring.add(at(2));
        ring.add(at(4));
        ring.add(at(5));
        assertThat(ring.after(0, 10).orElseThrow()).extracting(CommittedBatch::offset).containsExactly(2L, 4L, 5L);
        assertThat(ring.after(3, 1).orElseThrow()).extracting(CommittedBatch::offset).containsExactly(4L);
        ring.add(at(7));
        assertThat(ring.completeAfter()).isEqualTo(2);
        assertThat(ring.after(1, 10)).isEmpty();
        assertThat(ring.after(2, 10).orElseThrow()).extracting(CommittedBatch::offset).containsExactly(4L, 5L, 7L);
        assertThat(ring.after(7, 10).orElseThrow()).isEmpty();
    }

    @Test
    void resetForgetsAndOffsetsMustGrow() {
        RecentBatches ring = new RecentBatches(2, -1);
        ring.add(at(3));
        assertThatThrownBy(() -> ring.add(at(3))).isInstanceOf(IllegalStateException.class);
        ring.reset(10);
        assertThat(ring.after(5, 10)).isEmpty();
        assertThat(ring.after(10, 10).orElseThrow()).isEmpty();
        assertThatThrownBy(() -> new RecentBatches(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
