package io.runnel.metadata.ratis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The most recent committed batches, kept in memory for metadata subscribers: a ring of at most
 * {@code capacity} entries. It is complete after {@link #completeAfter()}: every batch committed at an
 * offset above it is in the ring, so a subscriber that applied up to an offset at or above it can be
 * served from memory; others are served from the Ratis log or a snapshot.
 *
 * <p>Thread-safety: all methods are synchronized; one writer (the apply thread), many readers.
 */
public final class RecentBatches {

    /** Default bound: 1024 batches, a few MiB even for large batches, minutes of metadata traffic. */
    public static final int CAPACITY_DEFAULT = 1024;

    private final int capacity;
    private final ArrayDeque<CommittedBatch> ring;
    private long completeAfter;

    public RecentBatches(int capacity, long completeAfter) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
        }
        this.capacity = capacity;
        this.ring = new ArrayDeque<>(capacity);
        this.completeAfter = completeAfter;
    }

    public synchronized void add(CommittedBatch batch) {
        CommittedBatch last = ring.peekLast();
        if (last != null && batch.offset() <= last.offset()) {
            throw new IllegalStateException("batch offset " + batch.offset() + " is not above " + last.offset());
        }
        if (ring.size() == capacity) {
            completeAfter = ring.removeFirst().offset();
        }
        ring.addLast(batch);
    }

    /** Forgets everything: the ring is complete after {@code offset} (after a snapshot was installed). */
    public synchronized void reset(long offset) {
        ring.clear();
        completeAfter = offset;
    }

    public synchronized long completeAfter() {
        return completeAfter;
    }

    /**
     * Up to {@code maxBatches} batches with offsets above {@code offset}, in order; empty if
     * {@code offset} is below {@link #completeAfter()} (the caller must look elsewhere).
     */
    public synchronized Optional<List<CommittedBatch>> after(long offset, int maxBatches) {
        if (offset < completeAfter) {
            return Optional.empty();
        }
        List<CommittedBatch> result = new ArrayList<>();
        for (CommittedBatch batch : ring) {
            if (batch.offset() > offset) {
                result.add(batch);
                if (result.size() == maxBatches) {
                    break;
                }
            }
        }
        return Optional.of(result);
    }
}
