package io.runnel.metadata.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.ratis.CommittedBatch;
import io.runnel.metadata.ratis.MetadataStateMachine;
import io.runnel.proto.MetadataDelivery;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FetchMetadata stream: sends the committed batches after the subscriber's offset, in order, then
 * waits for new ones, until the subscriber cancels or the controller stops. Served by every
 * controller, leader or follower, from what this controller has applied.
 *
 * <p>Where a batch comes from: the in-memory ring of recent batches; else the Ratis log; else, when the
 * log was purged behind a snapshot, or the subscriber starts from -1, or is more than
 * {@code snapshotLagRecords} behind (a snapshot is then cheaper than the batches), a snapshot of the
 * whole image ({@code is_snapshot}) at its offset, after which batches follow.
 *
 * <p>Flow control: a message is sent only while the gRPC stream is ready, so a slow subscriber holds
 * at most gRPC's buffer in memory. Thread-safety: runs on one thread of its own.
 */
final class MetadataSubscription implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataSubscription.class);

    /** Batches read per round from the ring or the log. */
    static final int BATCHES_PER_ROUND = 256;
    /** How long one wait for new batches or stream readiness lasts before the loop checks for closing. */
    static final long WAIT_MS = 200;

    private final MetadataStateMachine stateMachine;
    private final ServerCallStreamObserver<MetadataDelivery> observer;
    private final long snapshotLagRecords;
    private final int subscriberId;
    private final java.util.function.BooleanSupplier closing;
    private final Object readiness = new Object();
    private volatile boolean cancelled;
    private long offset;

    MetadataSubscription(MetadataStateMachine stateMachine, ServerCallStreamObserver<MetadataDelivery> observer,
                         int subscriberId, long fromOffset, long snapshotLagRecords,
                         java.util.function.BooleanSupplier closing) {
        this.stateMachine = stateMachine;
        this.observer = observer;
        this.subscriberId = subscriberId;
        this.offset = fromOffset;
        this.snapshotLagRecords = snapshotLagRecords;
        this.closing = closing;
        observer.setOnCancelHandler(() -> {
            cancelled = true;
            wake();
        });
        observer.setOnReadyHandler(this::wake);
    }

    private void wake() {
        synchronized (readiness) {
            readiness.notifyAll();
        }
    }

    @Override
    public void run() {
        try {
            while (!cancelled && !closing.getAsBoolean()) {
                MetadataImage image = stateMachine.currentImage();
                if (offset >= image.offset()) {
                    stateMachine.awaitNewer(offset, WAIT_MS);
                    continue;
                }
                if (offset < 0 || image.offset() - offset > snapshotLagRecords) {
                    sendSnapshot(image);
                    continue;
                }
                Optional<List<CommittedBatch>> batches = stateMachine.recent().after(offset, BATCHES_PER_ROUND);
                if (batches.isEmpty()) {
                    batches = stateMachine.readLog(offset, BATCHES_PER_ROUND);
                }
                if (batches.isEmpty() || batches.get().isEmpty()) {
                    sendSnapshot(image);
                    continue;
                }
                for (CommittedBatch batch : batches.get()) {
                    if (!send(MetadataDelivery.newBuilder()
                            .setIsSnapshot(false)
                            .setLastOffset(batch.offset())
                            .addAllRecords(batch.batch().getRecordsList())
                            .setAppendTimeMs(batch.batch().getAppendTimeMs())
                            .setCommittedOffset(stateMachine.appliedOffset())
                            .build())) {
                        return;
                    }
                    offset = batch.offset();
                }
            }
            if (!cancelled) {
                observer.onError(Status.UNAVAILABLE.withDescription("controller is shutting down").asRuntimeException());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finishWithError("controller is shutting down");
        } catch (IOException | RuntimeException e) {
            LOG.warn("metadata stream to subscriber {} failed at offset {}", subscriberId, offset, e);
            finishWithError("metadata stream failed: " + e.getMessage());
        }
    }

    private void finishWithError(String message) {
        if (!cancelled) {
            try {
                observer.onError(Status.UNAVAILABLE.withDescription(message).asRuntimeException());
            } catch (IllegalStateException alreadyClosed) {
                LOG.debug("stream to subscriber {} already closed", subscriberId);
            }
        }
    }

    private void sendSnapshot(MetadataImage image) throws InterruptedException {
        if (image.offset() < 0) {
            stateMachine.awaitNewer(image.offset(), WAIT_MS);
            return;
        }
        if (send(MetadataDelivery.newBuilder()
                .setIsSnapshot(true)
                .setLastOffset(image.offset())
                .addAllRecords(image.toRecords())
                .setCommittedOffset(image.offset())
                .build())) {
            LOG.info("sent a metadata snapshot at offset {} to subscriber {} (was at {})", image.offset(),
                    subscriberId, offset);
            offset = image.offset();
        }
    }

    /** Sends when the stream is ready; false when the subscriber went away. */
    private boolean send(MetadataDelivery delivery) throws InterruptedException {
        synchronized (readiness) {
            while (!observer.isReady()) {
                if (cancelled || closing.getAsBoolean()) {
                    return false;
                }
                readiness.wait(WAIT_MS);
            }
        }
        if (cancelled) {
            return false;
        }
        observer.onNext(delivery);
        return true;
    }
}
