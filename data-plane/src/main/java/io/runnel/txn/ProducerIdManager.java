package io.runnel.txn;

import io.runnel.common.errors.ApiException;
import io.runnel.proto.AllocateProducerIdsRequest;
import io.runnel.proto.AllocateProducerIdsResponse;
import io.runnel.proto.ErrorCode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out producer ids (InitProducerId) from blocks of ids the active controller allocates to this
 * broker (AllocateProducerIds, a record in the metadata log, so no id is ever handed out twice in the
 * cluster, across broker restarts and controller failovers). Kafka's RPCProducerIdManager, without
 * blocking: when 90% of the current block is used the next one is fetched ahead; a call that finds no id
 * left waits (up to {@value #WAITERS_MAX} calls; beyond, COORDINATOR_LOAD_IN_PROGRESS, retriable) for the
 * fetch in flight, and fails with that fetch's error (retriable) if it fails. Ids of a block that was
 * fetched but not used before a restart are simply never used.
 *
 * <p>Thread-safe: every method is synchronized; futures complete outside the lock (on the thread that
 * completed the controller call), and nothing blocks a caller.
 */
public final class ProducerIdManager {

    private static final Logger LOG = LoggerFactory.getLogger(ProducerIdManager.class);

    /** Calls waiting for a block at once; more are refused rather than queued without bound. */
    static final int WAITERS_MAX = 1024;
    /** Share of a block used when the next one is fetched. */
    static final double PREFETCH_SHARE = 0.9;

    /** [firstId, firstId + size). */
    record Block(long firstId, int size) {
        long endId() {
            return firstId + size;
        }
    }

    private final int brokerId;
    private final LongSupplier brokerEpoch;
    private final Function<AllocateProducerIdsRequest, CompletableFuture<AllocateProducerIdsResponse>> controller;
    private final Deque<CompletableFuture<Long>> waiters = new ArrayDeque<>();
    private Block current;
    private long nextId;
    private Block prefetched;
    private boolean fetching;

    /**
     * @param brokerEpoch this broker's registration epoch (the controller allocates only to a registered broker)
     * @param controller  sends AllocateProducerIds to the active controller
     */
    public ProducerIdManager(int brokerId, LongSupplier brokerEpoch,
                             Function<AllocateProducerIdsRequest, CompletableFuture<AllocateProducerIdsResponse>> controller) {
        this.brokerId = brokerId;
        this.brokerEpoch = brokerEpoch;
        this.controller = controller;
    }

    /** The next producer id, now or once a block arrives; fails with a retriable ApiException. */
    public synchronized CompletableFuture<Long> generateProducerId() {
        if (current == null || nextId >= current.endId()) {
            if (prefetched != null) {
                useBlock(prefetched);
                prefetched = null;
            }
        }
        if (current != null && nextId < current.endId()) {
            long id = nextId++;
            if (prefetched == null && nextId - current.firstId() >= (long) (current.size() * PREFETCH_SHARE)) {
                maybeFetch();
            }
            return CompletableFuture.completedFuture(id);
        }
        if (waiters.size() >= WAITERS_MAX) {
            return CompletableFuture.failedFuture(new ApiException(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
                    "broker " + brokerId + " is waiting for producer ids from the controller and " + WAITERS_MAX
                            + " calls wait already; retry"));
        }
        CompletableFuture<Long> waiter = new CompletableFuture<>();
        waiters.addLast(waiter);
        maybeFetch();
        return waiter;
    }

    private void useBlock(Block block) {
        current = block;
        nextId = block.firstId();
    }

    private void maybeFetch() {
        if (fetching) {
            return;
        }
        fetching = true;
        AllocateProducerIdsRequest request = AllocateProducerIdsRequest.newBuilder()
                .setBrokerId(brokerId).setBrokerEpoch(brokerEpoch.getAsLong()).build();
        CompletableFuture<AllocateProducerIdsResponse> call;
        try {
            call = controller.apply(request);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete(this::onBlock);
    }

    private void onBlock(AllocateProducerIdsResponse response, Throwable failure) {
        java.util.Map<CompletableFuture<Long>, Long> granted = new java.util.LinkedHashMap<>();
        Deque<CompletableFuture<Long>> failed = new ArrayDeque<>();
        ApiException error = null;
        synchronized (this) {
            fetching = false;
            if (failure == null && response.getError() == ErrorCode.NONE && response.getProducerIdLen() > 0
                    && response.getProducerIdStart() >= 0) {
                Block block = new Block(response.getProducerIdStart(), response.getProducerIdLen());
                LOG.info("Broker {} got producer ids [{}, {}) from the controller", brokerId, block.firstId(), block.endId());
                if (current == null || nextId >= current.endId()) {
                    useBlock(block);
                } else {
                    prefetched = block;
                }
                // Ids are handed out in order under the lock; the futures complete outside it.
                while (!waiters.isEmpty() && nextId < current.endId()) {
                    granted.put(waiters.pollFirst(), nextId++);
                }
                if (!waiters.isEmpty()) {
                    maybeFetch();
                }
            } else {
                error = failureOf(response, failure);
                LOG.warn("Broker {} could not get producer ids from the controller: {}", brokerId, error.getMessage());
                failed.addAll(waiters);
                waiters.clear();
            }
        }
        granted.forEach(CompletableFuture::complete);
        for (CompletableFuture<Long> waiter : failed) {
            waiter.completeExceptionally(error);
        }
    }

    private ApiException failureOf(AllocateProducerIdsResponse response, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof ApiException api && api.isRetriable()) {
            return api;
        }
        String why = cause != null ? cause.getMessage()
                : response.getError() != ErrorCode.NONE ? "the controller answered " + response.getError()
                : "the controller answered an empty block [" + response.getProducerIdStart() + ", +"
                + response.getProducerIdLen() + ")";
        // Retriable for the producer: the broker asks again on its next call (after registering anew if it must).
        return new ApiException(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, "broker " + brokerId
                + " could not get producer ids from the controller: " + why + "; retry", cause);
    }
}
