package io.runnel.metadata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.ProducerIdsRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The pipeline against a metadata log the test applies by hand, on one thread: decisions see the writes in
 * flight, answers without records wait for them, a failed write sends the pipeline back to the applied
 * image, and the depth is bounded.
 */
class WritePipelineTest {

    private static final long BLOCK = 1000;

    /** A log whose batches the test applies (in order, as Ratis does) or fails. */
    private static final class ScriptedLog implements WritePipeline.MetadataLog {
        final List<List<MetadataRecord>> submitted = new ArrayList<>();
        final List<CompletableFuture<Long>> outcomes = new ArrayList<>();
        MetadataImage applied = MetadataImage.EMPTY;
        long nextOffset = 1;
        int appliedCount;

        @Override
        public long nextOffset() {
            return nextOffset;
        }

        @Override
        public CompletableFuture<Long> submit(String name, List<MetadataRecord> records) {
            submitted.add(records);
            nextOffset++;
            CompletableFuture<Long> outcome = new CompletableFuture<>();
            outcomes.add(outcome);
            return outcome;
        }

        @Override
        public MetadataImage appliedImage() {
            return applied;
        }

        /** Applies the next submitted batch: the image first, then its future, as the state machine does. */
        void applyNext() {
            int index = appliedCount++;
            MetadataDelta delta = new MetadataDelta(applied);
            delta.replayAll(submitted.get(index));
            long offset = index + 1;
            applied = delta.apply(offset);
            outcomes.get(index).complete(offset);
        }

        void failNext(RuntimeException error) {
            outcomes.get(appliedCount++).completeExceptionally(error);
        }
    }

    private final ScriptedLog log = new ScriptedLog();
    private final long farDeadlineNs = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);

    /** The decision "hand out the next block of producer ids" on {@code image}. */
    private static List<MetadataRecord> nextBlock(MetadataImage image) {
        return List.of(MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                .setBrokerId(1).setBrokerEpoch(1).setNextProducerId(image.producerIds().nextProducerId() + BLOCK)).build());
    }

    private CompletableFuture<Long> decideAndSubmit(WritePipeline pipeline) throws Exception {
        pipeline.awaitCapacity(farDeadlineNs);
        MetadataImage image = pipeline.decisionImage(farDeadlineNs);
        return pipeline.submit("AllocateProducerIds", nextBlock(image), image);
    }

    @Test
    void eachDecisionSeesTheWritesStillInFlight() throws Exception {
        WritePipeline pipeline = new WritePipeline(log, 16);
        List<CompletableFuture<Long>> writes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            writes.add(decideAndSubmit(pipeline));
        }
        assertThat(pipeline.inFlight()).isEqualTo(5);
        assertThat(log.applied.producerIds().nextProducerId()).as("nothing applied yet").isZero();

        // Five distinct, consecutive blocks: no decision handed out what an earlier one in flight did.
        List<Long> nextIds = log.submitted.stream().map(batch -> batch.get(0).getProducerIds().getNextProducerId()).toList();
        assertThat(nextIds).containsExactly(BLOCK, 2 * BLOCK, 3 * BLOCK, 4 * BLOCK, 5 * BLOCK);
        assertThat(pipeline.decisionImage(farDeadlineNs).offset()).as("offset of the last write in flight").isEqualTo(5);

        for (int i = 0; i < 5; i++) {
            log.applyNext();
        }
        assertThat(writes.stream().map(CompletableFuture::join).toList()).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(pipeline.decisionImage(farDeadlineNs)).isSameAs(log.applied);
        assertThat(pipeline.inFlight()).isZero();
    }

    @Test
    void aDecisionWithoutRecordsAnswersOnceEveryWriteItSawIsAppliedWithTheirOffset() throws Exception {
        WritePipeline pipeline = new WritePipeline(log, 16);
        decideAndSubmit(pipeline);
        decideAndSubmit(pipeline);
        pipeline.decisionImage(farDeadlineNs);
        CompletableFuture<Long> heartbeatOffset = pipeline.offsetOfDecisionImage();

        log.applyNext();
        assertThat(heartbeatOffset).as("one of the two writes it saw is applied").isNotDone();
        log.applyNext();
        assertThat(heartbeatOffset.join()).isEqualTo(2);

        // With nothing in flight it answers at once, with the applied offset.
        pipeline.decisionImage(farDeadlineNs);
        assertThat(pipeline.offsetOfDecisionImage().join()).isEqualTo(2);
    }

    @Test
    void aFailedWriteSendsTheNextDecisionBackToTheAppliedImage() throws Exception {
        WritePipeline pipeline = new WritePipeline(log, 16);
        decideAndSubmit(pipeline);
        CompletableFuture<Long> doomed = decideAndSubmit(pipeline);
        pipeline.decisionImage(farDeadlineNs);
        CompletableFuture<Long> heartbeatOffset = pipeline.offsetOfDecisionImage();

        log.applyNext();
        log.failNext(new IllegalStateException("leadership lost"));

        assertThat(doomed).isCompletedExceptionally();
        assertThat(heartbeatOffset).as("an answer that relied on the failed write fails too").isCompletedExceptionally();
        MetadataImage next = pipeline.decisionImage(farDeadlineNs);
        assertThat(next).isSameAs(log.applied);
        assertThat(next.producerIds().nextProducerId()).isEqualTo(BLOCK);
        decideAndSubmit(pipeline);
        assertThat(log.submitted.get(2).get(0).getProducerIds().getNextProducerId())
                .as("decided again from what was applied").isEqualTo(2 * BLOCK);
    }

    @Test
    void atMostDepthWritesAreInFlightAndTheNextDecisionWaitsForTheOldest() throws Exception {
        WritePipeline pipeline = new WritePipeline(log, 2);
        decideAndSubmit(pipeline);
        decideAndSubmit(pipeline);
        MetadataImage full = pipeline.decisionImage(farDeadlineNs);
        assertThatThrownBy(() -> pipeline.submit("Third", nextBlock(full), full)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> pipeline.awaitCapacity(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1)))
                .isInstanceOf(TimeoutException.class);

        log.applyNext();
        pipeline.awaitCapacity(farDeadlineNs);
        assertThat(pipeline.inFlight()).isEqualTo(1);
        decideAndSubmit(pipeline);
        assertThat(log.submitted).hasSize(3);
    }

    @Test
    void recordsThatDoNotApplyToTheImageTheyWereDecidedOnAreNotSubmitted() throws Exception {
        WritePipeline pipeline = new WritePipeline(log, 16);
        decideAndSubmit(pipeline);
        MetadataImage image = pipeline.decisionImage(farDeadlineNs);
        // A producer-id block that goes backwards breaks the image's invariant.
        List<MetadataRecord> backwards = List.of(MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                .setBrokerId(1).setBrokerEpoch(1).setNextProducerId(1)).build());
        assertThatThrownBy(() -> pipeline.submit("Backwards", backwards, image)).isInstanceOf(IllegalStateException.class);
        assertThat(log.submitted).hasSize(1);
        assertThat(pipeline.inFlight()).isEqualTo(1);
    }
}
