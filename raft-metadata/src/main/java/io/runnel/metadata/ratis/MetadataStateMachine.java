package io.runnel.metadata.ratis;

import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.metadata.MetadataBatch;
import io.runnel.proto.metadata.MetadataRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of the metadata log: a thin adapter between Ratis and the pure
 * {@link MetadataImage}/{@link MetadataDelta} code.
 *
 * <p>A log entry carries one serialized {@link MetadataBatch}; its Ratis log index is the metadata
 * offset of the batch. {@link #applyTransaction} is deterministic: it replays the batch's records into
 * a delta on the current image and applies it at that offset, persists the batch to the
 * {@link MetadataStore} (one atomic RocksDB write), publishes the new image and completes with the
 * offset. A batch that does not parse or whose replay fails is rejected as a whole on every replica
 * alike: the image is unchanged and the future completes exceptionally; apply never throws, because
 * an exception from apply stops the Ratis server.
 *
 * <p>Snapshots: Ratis calls {@link #takeSnapshot} every {@code metadata.snapshot.records} applied log
 * entries (its auto-trigger threshold); the store is compacted to the current image and checkpointed
 * into {@link MetadataSnapshotStorage}, and Ratis purges its log up to that index. A follower behind
 * the purged log receives the snapshot's files; Ratis then {@link #pause}s this machine (applies
 * arriving meanwhile are refused, never half-done) and {@link #reinitialize}s it from the snapshot.
 *
 * <p>Restart: the live store is opened and loaded; if it is missing, unreadable or behind the newest
 * snapshot it is replaced by that snapshot's checkpoint. Ratis then replays its log from the snapshot
 * index; entries already in the store are skipped.
 *
 * <p>Log corruption policy: a failure of the Ratis log ({@link #notifyLogFailed}) is fatal. The node
 * stops through the supplied fatal handler instead of running on as a zombie that acknowledges
 * nothing. At start-up Ratis itself refuses a corrupt log segment (its default corruption policy,
 * EXCEPTION); the operator then removes the node's metadata directory and the node re-joins from the
 * leader's snapshot, which is safe because a voter's log is a copy of the quorum's committed log.
 *
 * <p>Thread-safety: Ratis applies entries, takes snapshots and reinitializes on one thread; the image
 * is a volatile field readable from any thread; listeners are called on the apply thread and must not
 * block.
 */
public final class MetadataStateMachine extends BaseStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);

    /** Called on the apply thread with each batch applied (offset, batch) and the image after it. */
    public interface ApplyListener {
        void onApplied(CommittedBatch batch, MetadataImage image);

        /** The image was replaced wholesale (snapshot installed, start-up). */
        default void onReset(MetadataImage image) {
        }
    }

    private final Path storeDir;
    private final Consumer<Throwable> fatalHandler;
    private final MetadataSnapshotStorage snapshots = new MetadataSnapshotStorage();
    private final RecentBatches recent;
    private final List<ApplyListener> listeners = new CopyOnWriteArrayList<>();
    private final Object appliedMonitor = new Object();
    /** Times Ratis told this peer of a new leader (Kafka's NewActiveControllersCount); any thread reads. */
    private final java.util.concurrent.atomic.AtomicLong leaderChanges = new java.util.concurrent.atomic.AtomicLong();

    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile MetadataStore store;
    /** Log index up to which the store already holds the effect of entries; replays up to it are skipped. */
    private long storeAppliedIndex = -1;

    /**
     * @param storeDir     where the live RocksDB of the image lives (outside the Ratis storage directory)
     * @param ringCapacity how many recent batches to keep in memory for subscribers
     * @param fatalHandler called when the node must stop (log failure, store I/O failure)
     */
    public MetadataStateMachine(Path storeDir, int ringCapacity, Consumer<Throwable> fatalHandler) {
        this.storeDir = Objects.requireNonNull(storeDir, "storeDir");
        this.fatalHandler = Objects.requireNonNull(fatalHandler, "fatalHandler");
        this.recent = new RecentBatches(ringCapacity, -1);
    }

    // ---- reading, from any thread ----

    public MetadataImage currentImage() {
        return image;
    }

    public long appliedOffset() {
        return image.offset();
    }

    public RecentBatches recent() {
        return recent;
    }

    public void addListener(ApplyListener listener) {
        listeners.add(listener);
    }

    /** Waits until the image is past {@code offset} or {@code timeoutMs} passed; returns the image. */
    public MetadataImage awaitNewer(long offset, long timeoutMs) throws InterruptedException {
        long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000L;
        synchronized (appliedMonitor) {
            while (image.offset() <= offset) {
                long remainingMs = (deadlineNs - System.nanoTime()) / 1_000_000L;
                if (remainingMs <= 0) {
                    break;
                }
                appliedMonitor.wait(remainingMs);
            }
            return image;
        }
    }

    /**
     * Applied batches above {@code offset} read from the Ratis log, at most {@code maxBatches}; empty when
     * the log no longer holds the entry after {@code offset} (purged behind a snapshot).
     */
    public Optional<List<CommittedBatch>> readLog(long offset, int maxBatches) throws IOException {
        RaftLog log = division().getRaftLog();
        long applied = image.offset();
        if (offset + 1 < log.getStartIndex()) {
            return Optional.empty();
        }
        List<CommittedBatch> result = new ArrayList<>();
        for (long index = Math.max(offset + 1, log.getStartIndex()); index <= applied && result.size() < maxBatches;
                index++) {
            LogEntryProto entry;
            try {
                entry = log.get(index);
            } catch (RaftLogIOException e) {
                throw new IOException("cannot read metadata offset " + index + " from the Ratis log", e);
            }
            if (entry == null) {
                return Optional.empty();
            }
            if (entry.hasStateMachineLogEntry()) {
                try {
                    result.add(new CommittedBatch(index,
                            MetadataBatch.parseFrom(entry.getStateMachineLogEntry().getLogData().toByteArray())));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    LOG.debug("skipping unparsable entry {} (it was rejected when applied)", index);
                }
            }
        }
        return Optional.of(result);
    }

    public RaftServer.Division division() throws IOException {
        return getServer().join().getDivision(getGroupId());
    }

    // ---- Ratis life cycle ----

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return snapshots;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        snapshots.init(raftStorage);
        getLifeCycle().startAndTransition(this::loadStore, IOException.class);
    }

    @Override
    public void pause() {
        LifeCycle lifeCycle = getLifeCycle();
        if (lifeCycle.getCurrentState() == LifeCycle.State.RUNNING) {
            lifeCycle.transition(LifeCycle.State.PAUSING);
            lifeCycle.transition(LifeCycle.State.PAUSED);
        }
    }

    @Override
    public void reinitialize() throws IOException {
        closeStore();
        snapshots.refresh();
        getLifeCycle().startAndTransition(this::loadStore, IOException.class);
    }

    private void loadStore() throws IOException {
        Optional<Path> latest = snapshots.latestDir();
        long snapshotIndex = latest.map(p -> MetadataSnapshotStorage.termIndexOf(p).getIndex()).orElse(-1L);
        MetadataStore opened = null;
        MetadataStore.Stored stored = null;
        if (Files.isDirectory(storeDir)) {
            try {
                opened = MetadataStore.open(storeDir);
                stored = opened.load();
                if (stored.appliedIndex() < snapshotIndex) {
                    LOG.info("metadata store at offset {} is behind snapshot {}; restoring the snapshot",
                            stored.appliedIndex(), snapshotIndex);
                    opened.close();
                    opened = null;
                }
            } catch (IOException e) {
                if (latest.isEmpty()) {
                    throw e;
                }
                LOG.warn("metadata store in {} is unreadable ({}); restoring snapshot {}", storeDir, e.getMessage(),
                        latest.get());
                if (opened != null) {
                    opened.close();
                    opened = null;
                }
            }
        }
        if (opened == null) {
            if (latest.isPresent()) {
                MetadataSnapshotStorage.restore(latest.get(), storeDir);
            }
            opened = MetadataStore.open(storeDir);
            stored = opened.load();
        }
        MetadataImage loaded;
        try {
            loaded = rebuild(stored);
        } catch (RuntimeException e) {
            opened.close();
            throw new IOException("metadata store in " + storeDir + " does not replay: " + e.getMessage(), e);
        }
        this.store = opened;
        this.storeAppliedIndex = stored.appliedIndex();
        this.image = loaded;
        recent.reset(loaded.offset());
        TermIndex snapshotTermIndex = latest.map(MetadataSnapshotStorage::termIndexOf).orElse(null);
        if (snapshotTermIndex != null) {
            setLastAppliedTermIndex(snapshotTermIndex);
        }
        LOG.info("metadata loaded from {}: image offset {}, store applied index {}, snapshot {}", storeDir,
                loaded.offset(), storeAppliedIndex, snapshotTermIndex);
        publishReset(loaded);
    }

    private static MetadataImage rebuild(MetadataStore.Stored stored) {
        MetadataImage result = MetadataImage.EMPTY;
        if (stored.imageOffset() >= 0) {
            MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
            stored.imageRecords().forEach(delta::replay);
            result = delta.apply(stored.imageOffset());
        }
        for (CommittedBatch batch : stored.batches()) {
            MetadataDelta delta = new MetadataDelta(result);
            batch.batch().getRecordsList().forEach(delta::replay);
            result = delta.apply(batch.offset());
        }
        return result;
    }

    @Override
    public void close() throws IOException {
        getLifeCycle().checkStateAndClose(this::closeStore);
    }

    private void closeStore() {
        MetadataStore current = store;
        store = null;
        if (current != null) {
            current.close();
        }
    }

    // ---- transactions ----

    /** Leader only: checks that the client's message is a non-empty MetadataBatch before it is logged. */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        ByteString content = request.getMessage().getContent();
        TransactionContext context = TransactionContext.newBuilder()
                .setStateMachine(this)
                .setClientRequest(request)
                .setLogData(content)
                .build();
        try {
            MetadataBatch batch = MetadataBatch.parseFrom(content.toByteArray());
            if (batch.getRecordsCount() == 0) {
                context.setException(new IllegalArgumentException("a metadata batch must hold records"));
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            context.setException(new IllegalArgumentException("not a MetadataBatch: " + e.getMessage(), e));
        }
        return context;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        long term = entry.getTerm();
        long index = entry.getIndex();
        if (getLifeCycleState() != LifeCycle.State.RUNNING) {
            // A snapshot is being installed; it covers this entry, so nothing is lost by refusing it.
            return failed(new StateMachineException("metadata state machine is " + getLifeCycleState()
                    + "; entry " + index + " not applied"));
        }
        if (index <= storeAppliedIndex) {
            updateLastAppliedTermIndex(term, index);
            return CompletableFuture.completedFuture(offsetMessage(index));
        }
        MetadataBatch batch;
        MetadataImage next;
        try {
            batch = MetadataBatch.parseFrom(entry.getStateMachineLogEntry().getLogData().toByteArray());
            MetadataDelta delta = new MetadataDelta(image);
            for (MetadataRecord record : batch.getRecordsList()) {
                delta.replay(record);
            }
            next = delta.apply(index);
        } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException e) {
            LOG.warn("metadata offset {} rejected: {}", index, e.toString());
            return persistFailure(term, index, new StateMachineException("metadata batch at offset " + index
                    + " rejected: " + e.getMessage()));
        }
        try {
            store.append(term, index, batch);
        } catch (IOException e) {
            LOG.error("cannot persist metadata offset {}; stopping the node", index, e);
            fatalHandler.accept(e);
            return failed(e);
        }
        storeAppliedIndex = index;
        CommittedBatch committed = new CommittedBatch(index, batch);
        publish(committed, next);
        updateLastAppliedTermIndex(term, index);
        return CompletableFuture.completedFuture(offsetMessage(index));
    }

    private CompletableFuture<Message> persistFailure(long term, long index, Exception cause) {
        try {
            store.markApplied(term, index);
            storeAppliedIndex = index;
        } catch (IOException e) {
            fatalHandler.accept(e);
            return failed(e);
        }
        updateLastAppliedTermIndex(term, index);
        return failed(cause);
    }

    private void publish(CommittedBatch committed, MetadataImage next) {
        recent.add(committed);
        synchronized (appliedMonitor) {
            image = next;
            appliedMonitor.notifyAll();
        }
        for (ApplyListener listener : listeners) {
            try {
                listener.onApplied(committed, next);
            } catch (RuntimeException e) {
                LOG.error("metadata listener failed at offset {}", committed.offset(), e);
            }
        }
    }

    private void publishReset(MetadataImage loaded) {
        synchronized (appliedMonitor) {
            appliedMonitor.notifyAll();
        }
        for (ApplyListener listener : listeners) {
            try {
                listener.onReset(loaded);
            } catch (RuntimeException e) {
                LOG.error("metadata listener failed on reset to offset {}", loaded.offset(), e);
            }
        }
    }

    /** The metadata offset carried by an apply reply. */
    public static long offsetOf(Message reply) {
        return reply.getContent().asReadOnlyByteBuffer().getLong();
    }

    private static Message offsetMessage(long index) {
        return Message.valueOf(ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(index).flip()));
    }

    private static CompletableFuture<Message> failed(Throwable t) {
        return CompletableFuture.failedFuture(t);
    }

    // ---- snapshots ----

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || getLifeCycleState() != LifeCycle.State.RUNNING) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        MetadataImage current = image;
        store.compact(current.toRecords(), current.offset(), last.getTerm(), last.getIndex());
        storeAppliedIndex = Math.max(storeAppliedIndex, last.getIndex());
        Path dir = snapshots.take(store, last);
        LOG.info("metadata snapshot at {} (image offset {}) in {}", last, current.offset(), dir);
        return last.getIndex();
    }

    // ---- events ----

    /** Ratis elected a leader (null: none known, e.g. while an election runs): counted and logged. */
    @Override
    public void notifyLeaderChanged(org.apache.ratis.protocol.RaftGroupMemberId member,
                                    org.apache.ratis.protocol.RaftPeerId newLeaderId) {
        if (newLeaderId != null) {
            leaderChanges.incrementAndGet();
            LOG.atInfo().addKeyValue("event", "controller_elected").addKeyValue("controller", newLeaderId.toString())
                    .log("metadata quorum leader is now controller {} (as controller {} sees it)", newLeaderId, member.getPeerId());
        }
    }

    /** How many times this peer saw a new metadata quorum leader since it started. */
    public long leaderChanges() {
        return leaderChanges.get();
    }

    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        LOG.error("Ratis log failed at entry {}; stopping the node", failedEntry == null ? "-" : failedEntry.getIndex(),
                cause);
        fatalHandler.accept(cause);
    }
}
