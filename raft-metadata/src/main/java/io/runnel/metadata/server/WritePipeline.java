package io.runnel.metadata.server;

import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The active controller's writes, pipelined: a decision's records are submitted to the metadata log and
 * the next decision is made at once, on an image that includes every write still in flight, instead of
 * waiting for each write to commit (QuorumControllerLogic's ordering contract: each decision sees the
 * records of every earlier one, committed or not). At most {@code depthMax} writes are in flight; a
 * decision beyond that waits for the oldest ({@link #awaitCapacity}).
 *
 * <p>Use, for each decision: {@link #awaitCapacity}, {@link #decisionImage}, decide, then {@link #submit}
 * the records, or {@link #offsetOfDecisionImage} when there are none.
 *
 * <p>A decision without records (a heartbeat, a read such as ListPartitionReassignments) made on the
 * pipelined image answers, through {@link #offsetOfDecisionImage}, only once every write that image holds
 * is applied, with the offset of the last one: its answer never claims a state that is not committed,
 * and its offset is at least that of every record committed before it was decided.
 *
 * <p>If a write fails (this controller lost its leadership, or the batch was rejected when applied), the
 * image the later decisions were made on assumed it: the pipeline then waits for every write in flight to
 * finish and starts again from the applied image. Writes decided on the wrong assumption in the meantime
 * are checked once more when applied (the replay refuses a batch that breaks an invariant), as any batch is.
 *
 * <p>Not thread-safe: the controller's event thread owns it. The futures it returns complete on the
 * thread that applies the metadata log.
 */
final class WritePipeline {

    /** Where the writes go: the Ratis log of this controller. */
    interface MetadataLog {
        /** The offset the next submitted batch will be applied at. */
        long nextOffset();

        /**
         * Submits {@code records} as one batch; the future completes with the offset it was applied at, or
         * fails (NotControllerException, an ApiException for a rejected batch). Throws if it cannot submit.
         */
        CompletableFuture<Long> submit(String name, List<MetadataRecord> records);

        /** The image of every applied batch (it includes a batch before that batch's future completes). */
        MetadataImage appliedImage();
    }

    /** A submitted write: the offset it should get and its outcome. */
    private record InFlight(long offset, CompletableFuture<Long> applied) {
    }

    private final MetadataLog log;
    private final int depthMax;
    /** Submitted writes not yet seen applied, oldest first. */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /** The applied image plus the records of every write in {@link #inFlight}; only meaningful while it is not empty. */
    private MetadataImage pipelinedImage = MetadataImage.EMPTY;

    WritePipeline(MetadataLog log, int depthMax) {
        if (depthMax < 1) {
            throw new IllegalArgumentException("pipeline depth must be at least 1: " + depthMax);
        }
        this.log = Objects.requireNonNull(log, "log");
        this.depthMax = depthMax;
    }

    /** Writes submitted and not yet seen applied. */
    int inFlight() {
        return inFlight.size();
    }

    /**
     * The image the next decision is made on: the applied image plus every write in flight. After a failed
     * write it first waits (until {@code deadlineNs}, System.nanoTime based) for the writes in flight to
     * finish, and returns the applied image.
     */
    MetadataImage decisionImage(long deadlineNs) throws InterruptedException, TimeoutException {
        if (reapApplied()) {
            drain(deadlineNs);
        }
        return inFlight.isEmpty() ? log.appliedImage() : pipelinedImage;
    }

    /**
     * The offset a decision without records made on {@link #decisionImage} answers with: at once when no
     * write is in flight, else once the last write in flight is applied. Fails if that write fails.
     */
    CompletableFuture<Long> offsetOfDecisionImage() {
        InFlight last = inFlight.peekLast();
        return last == null ? CompletableFuture.completedFuture(log.appliedImage().offset()) : last.applied();
    }

    /** Waits, until {@code deadlineNs}, while {@code depthMax} writes are in flight: call before deciding. */
    void awaitCapacity(long deadlineNs) throws InterruptedException, TimeoutException {
        while (inFlight.size() >= depthMax) {
            await(inFlight.peekFirst().applied(), deadlineNs);
            if (reapApplied()) {
                drain(deadlineNs);
            }
        }
    }

    /**
     * Submits the records of a decision made on {@code decidedOn}, the current {@link #decisionImage}, after
     * {@link #awaitCapacity}. Throws IllegalStateException, without submitting, when the records do not
     * apply to {@code decidedOn} (a decision that breaks an invariant of the image).
     */
    CompletableFuture<Long> submit(String name, List<MetadataRecord> records, MetadataImage decidedOn) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException(name + ": a write needs records");
        }
        if (inFlight.size() >= depthMax) {
            throw new IllegalStateException(name + ": " + depthMax + " writes in flight already; awaitCapacity first");
        }
        long offset = log.nextOffset();
        MetadataDelta delta = new MetadataDelta(decidedOn);
        delta.replayAll(records);
        // The same replay the state machine runs when it applies the batch at this offset.
        MetadataImage after = delta.apply(offset);
        CompletableFuture<Long> applied = log.submit(name, records);
        inFlight.addLast(new InFlight(offset, applied));
        pipelinedImage = after;
        return applied;
    }

    /** Waits until every write in flight has finished (applied or failed); the next decision image is the applied one. */
    void drain(long deadlineNs) throws InterruptedException, TimeoutException {
        while (!inFlight.isEmpty()) {
            await(inFlight.peekFirst().applied(), deadlineNs);
            inFlight.pollFirst();
        }
    }

    /** Drops the writes at the head that finished; true if one of them failed. */
    private boolean reapApplied() {
        boolean failed = false;
        while (!inFlight.isEmpty() && inFlight.peekFirst().applied().isDone()) {
            failed |= inFlight.pollFirst().applied().isCompletedExceptionally();
        }
        return failed;
    }

    private static void await(CompletableFuture<Long> write, long deadlineNs) throws InterruptedException, TimeoutException {
        try {
            write.get(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            // Finished; the caller looks at how.
        }
    }
}
