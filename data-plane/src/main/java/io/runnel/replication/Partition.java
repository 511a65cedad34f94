package io.runnel.replication;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.Records;
import io.runnel.common.time.Time;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReplicaFetchPartition;
import io.runnel.proto.ReplicaFetchPartitionResponse;
import io.runnel.replication.core.Actions;
import io.runnel.replication.core.EpochEndOffset;
import io.runnel.replication.core.FetchValidation;
import io.runnel.replication.core.FollowerFetch;
import io.runnel.replication.core.FollowerStep;
import io.runnel.replication.core.IsrProposal;
import io.runnel.replication.core.LogView;
import io.runnel.replication.core.PartitionState;
import io.runnel.replication.core.ReplicationSettings;
import io.runnel.storage.FetchDataInfo;
import io.runnel.storage.LogAppendInfo;
import io.runnel.storage.LogOffsetMetadata;
import io.runnel.storage.OffsetAndEpoch;
import io.runnel.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntPredicate;

/**
 * One replica of a partition on this broker: the shell around the pure {@link PartitionState} (leadership,
 * high watermark, ISR, lease) and the partition's log. It turns requests into core events, applies the
 * core's decisions to the log (appends, truncations, the published high watermark) and hands the rest
 * (ISR proposals, completions) to the {@link ReplicaManager} as {@link Actions}.
 *
 * <p>Locking: {@code roleLock}'s write side is held while a metadata change moves the replica between
 * roles and epochs; appends, reads and follower fetch handling hold its read side, so none of them runs
 * under an epoch it does not belong to. The core is guarded by its own monitor ({@code state}), held only
 * for the short decisions, never across file I/O. The log has its own lock. Thread-safe.
 */
public final class Partition implements DelayedProduce.WaitedOn {

    private final TopicPartition topicPartition;
    private final UUID topicId;
    private final int localBrokerId;
    private final PartitionLog log;
    private final BrokerLease lease;
    private final Time time;
    private final ReentrantReadWriteLock roleLock = new ReentrantReadWriteLock();
    private final PartitionState state;
    private final LogView view;
    /** The leader's log end offset in its last good answer to this follower (-1: none yet), for the lag metric. */
    private volatile long leaderLogEndOffsetSeen = -1;

    public Partition(TopicPartition topicPartition, UUID topicId, int localBrokerId, PartitionLog log,
                     ReplicationSettings settings, BrokerLease lease, Time time) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.localBrokerId = localBrokerId;
        this.log = log;
        this.lease = lease;
        this.time = time;
        this.state = new PartitionState(localBrokerId, settings, log.highWatermark());
        this.view = new PartitionLogView(log);
    }

    /** A single-broker replica with Kafka's default timings and a lease renewed by nothing (tests). */
    public Partition(TopicPartition topicPartition, UUID topicId, int localBrokerId, PartitionLog log) {
        this(topicPartition, topicId, localBrokerId, log, ReplicationSettings.of(30_000, 4_500), new BrokerLease(9_000),
                Time.SYSTEM);
    }

    private long nowMs() {
        return TimeUnit.NANOSECONDS.toMillis(time.nanoseconds());
    }

    // =============================================================== metadata

    /**
     * Applies a registration from the metadata image. A new leader first records its epoch in the log's
     * epoch history at the log end offset, so that followers can later truncate by epoch.
     */
    public Actions applyRegistration(PartitionRegistration registration) {
        roleLock.writeLock().lock();
        try {
            synchronized (state) {
                boolean becomesLeader = registration.leader() == localBrokerId
                        && registration.leaderEpoch() >= state.leaderEpoch()
                        && (registration.leaderEpoch() > state.leaderEpoch() || !state.isLeader());
                if (becomesLeader) {
                    log.leaderEpochCache().assign(registration.leaderEpoch(), log.logEndOffset());
                }
                Actions actions = state.applyRegistration(registration, view, nowMs());
                publishHighWatermark();
                return actions;
            }
        } finally {
            roleLock.writeLock().unlock();
        }
    }

    // =============================================================== leader: clients

    /** What a leader append did: the log's answer, the epoch it was appended at, and the core's actions. */
    public record LeaderAppend(LogAppendInfo info, int leaderEpoch, Actions actions) {
    }

    /**
     * Appends producer batches as leader. The leader must serve (its lease holds and it has waited out its
     * predecessors); with {@code acks=-1} the ISR must hold at least {@code min.insync.replicas} members
     * (NOT_ENOUGH_REPLICAS before anything is written).
     */
    public LeaderAppend appendRecordsToLeader(ByteBuffer records, int requiredAcks, OptionalInt clientLeaderEpoch) {
        roleLock.readLock().lock();
        try {
            int leaderEpoch;
            synchronized (state) {
                ensureServing(clientLeaderEpoch);
                int minIsr = log.config().minInSyncReplicas();
                if (requiredAcks == -1 && state.isr().size() < minIsr) {
                    throw new ApiException(ErrorCode.NOT_ENOUGH_REPLICAS, "partition " + topicPartition + " has "
                            + state.isr().size() + " in-sync replicas " + state.isr() + ", fewer than min.insync.replicas="
                            + minIsr);
                }
                leaderEpoch = state.leaderEpoch();
            }
            LogAppendInfo info = log.appendAsLeader(records, leaderEpoch);
            Actions actions;
            synchronized (state) {
                actions = state.onLeaderAppend(view);
                publishHighWatermark();
            }
            return new LeaderAppend(info, leaderEpoch, actions);
        } finally {
            roleLock.readLock().unlock();
        }
    }

    /**
     * Reads for a consumer from {@code fetchOffset}: whole batches below the high watermark, at most
     * {@code maxBytes} (but at least one batch when {@code minOneMessage}). A new leader serves reads
     * only once its high watermark reached the start of its epoch (OFFSET_NOT_AVAILABLE until then), so no
     * client sees the high watermark go back.
     */
    public FetchDataInfo readRecords(long fetchOffset, int maxBytes, boolean minOneMessage, OptionalInt clientLeaderEpoch) {
        roleLock.readLock().lock();
        try {
            long highWatermark;
            synchronized (state) {
                ensureReadable(clientLeaderEpoch);
                highWatermark = state.highWatermark();
            }
            return log.read(fetchOffset, maxBytes, highWatermark, minOneMessage);
        } finally {
            roleLock.readLock().unlock();
        }
    }

    /** Checks this replica may answer a consumer's read (ListOffsets, OffsetForLeaderEpoch, fetch). */
    public void ensureReadable(OptionalInt clientLeaderEpoch) {
        synchronized (state) {
            ensureServing(clientLeaderEpoch);
            if (!state.highWatermarkCaughtUp()) {
                throw new ApiException(ErrorCode.OFFSET_NOT_AVAILABLE, "new leader " + localBrokerId + " of " + topicPartition
                        + " has not yet learned the high watermark of epoch " + state.leaderEpoch() + " from its followers");
            }
        }
    }

    /**
     * Checks that this replica leads, that the client's epoch (when given) is the current one, and that
     * the leader serves: it has waited out every older leader and its lease holds.
     */
    public void ensureServing(OptionalInt clientLeaderEpoch) {
        synchronized (state) {
            checkClientEpoch(clientLeaderEpoch);
            if (!state.isLeader()) {
                throw new NotLeaderException(topicPartition, state.leaderId(), state.leaderEpoch());
            }
            refreshLease();
            long now = nowMs();
            if (!state.isServing(lease.startMs(), now)) {
                String why = now < state.servingFromMs()
                        ? "is waiting " + (state.servingFromMs() - now) + " ms for the previous leader's lease to end"
                        : "does not hold its lease (no controller heartbeat or fetch of every in-sync follower renewed it)";
                throw new NotLeaderException(topicPartition, localBrokerId, state.leaderEpoch(),
                        "broker " + localBrokerId + " leads " + topicPartition + " at epoch " + state.leaderEpoch()
                                + " but " + why);
            }
        }
    }

    private void checkClientEpoch(OptionalInt clientLeaderEpoch) {
        if (clientLeaderEpoch.isPresent() && clientLeaderEpoch.getAsInt() >= 0) {
            int known = clientLeaderEpoch.getAsInt();
            if (known < state.leaderEpoch()) {
                throw new ApiException(ErrorCode.FENCED_LEADER_EPOCH, "leader epoch " + known + " of " + topicPartition
                        + " is older than the current epoch " + state.leaderEpoch());
            }
            if (known > state.leaderEpoch()) {
                throw new ApiException(ErrorCode.UNKNOWN_LEADER_EPOCH, "leader epoch " + known + " of " + topicPartition
                        + " is newer than this broker's epoch " + state.leaderEpoch());
            }
        }
    }

    private void refreshLease() {
        long leaseMs = lease.leaseMs();
        if (state.settings().leaseMs() != leaseMs) {
            state.updateSettings(state.settings().withLeaseMs(leaseMs));
        }
    }

    // =============================================================== leader: followers

    /** The leader's answer to one partition of a follower fetch, before and after reading. */
    public record FollowerFetchOutcome(FetchValidation validation, Actions actions, long fetchOffset, int maxBytes) {
    }

    /** The epoch the fetching replica says it last established as leader; -1 when the fetch does not say. */
    static int establishedEpoch(ReplicaFetchPartition fetch) {
        return fetch.hasEstablishedEpoch() ? fetch.getEstablishedEpoch() : -1;
    }

    /**
     * Records a follower's fetch of this partition: validates its epoch and position, notes its progress
     * and lease token, and decides HW and ISR changes ({@code eligible}: brokers that may join an ISR).
     * The records themselves are read afterwards with {@link #readForFollower}.
     */
    public FollowerFetchOutcome onFollowerFetch(int followerId, ReplicaFetchPartition fetch, long echoedToken,
                                                IntPredicate eligible) {
        roleLock.readLock().lock();
        try {
            synchronized (state) {
                long now = nowMs();
                FetchValidation validation = state.validateFollowerFetch(followerId, fetch.getCurrentLeaderEpoch(),
                        fetch.getFetchOffset(), fetch.getLastFetchedEpoch(), view);
                Actions actions = Actions.NONE;
                if (validation.isDiverging()) {
                    state.onFollowerAtCurrentEpoch(followerId, echoedToken, establishedEpoch(fetch), now);
                } else if (validation.isServe()) {
                    actions = state.onFollowerFetch(followerId, fetch.getFetchOffset(), fetch.getLogStartOffset(),
                            echoedToken, establishedEpoch(fetch), view, eligible, now);
                    publishHighWatermark();
                }
                return new FollowerFetchOutcome(validation, actions, fetch.getFetchOffset(), fetch.getPartitionMaxBytes());
            }
        } finally {
            roleLock.readLock().unlock();
        }
    }

    /** Whole batches from {@code fetchOffset} up to the log end (followers read past the high watermark). */
    public FetchDataInfo readForFollower(long fetchOffset, int maxBytes) {
        roleLock.readLock().lock();
        try {
            return log.read(fetchOffset, maxBytes, Long.MAX_VALUE, true);
        } finally {
            roleLock.readLock().unlock();
        }
    }

    /** Fills the leader's part of a follower fetch answer: epoch, offsets, whether it established itself. */
    public ReplicaFetchPartitionResponse.Builder describeForFollower(ReplicaFetchPartitionResponse.Builder answer) {
        synchronized (state) {
            return answer.setLeaderEpoch(state.leaderEpoch()).setHighWatermark(state.highWatermark())
                    .setLogStartOffset(log.logStartOffset()).setLogEndOffset(log.logEndOffset())
                    .setLeaderEstablished(state.isEstablished());
        }
    }

    /** Periodic work of a leader: ISR shrinks of followers that fell behind. */
    public Actions onTick() {
        synchronized (state) {
            refreshLease();
            return state.onTick(view, nowMs());
        }
    }

    /** The controller committed {@code proposal} with this ISR and partition epoch. */
    public Actions onProposalCommitted(IsrProposal proposal, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        synchronized (state) {
            Actions actions = state.onProposalCommitted(proposal, leaderEpoch, partitionEpoch, isr, view);
            publishHighWatermark();
            return actions;
        }
    }

    /** The controller refused {@code proposal}, or it could not be sent. */
    public void onProposalRefused(IsrProposal proposal) {
        synchronized (state) {
            state.onProposalRefused(proposal, nowMs());
        }
    }

    public boolean isPending(IsrProposal proposal) {
        synchronized (state) {
            return state.isPending(proposal);
        }
    }

    // =============================================================== follower

    /** The next fetch to send to leader {@code leaderId} for this partition, or null if it follows no such leader now. */
    public FollowerFetch nextFetch(int leaderId) {
        roleLock.readLock().lock();
        try {
            synchronized (state) {
                if (state.role() != PartitionState.Role.FOLLOWER || state.leaderId() != leaderId || log.isOffline()) {
                    return null;
                }
                return state.nextFetch(view);
            }
        } finally {
            roleLock.readLock().unlock();
        }
    }

    /**
     * Acts on the leader's answer to {@code sent}: appends the batches it carried (a trailing partial batch
     * is dropped), moves the high watermark and log start up, truncates where the logs diverge, or restarts
     * the log at the leader's log start. Returns the step taken.
     */
    public FollowerStep onFetchAnswer(FollowerFetch sent, ReplicaFetchPartitionResponse answer) {
        roleLock.readLock().lock();
        try {
            FollowerStep step;
            synchronized (state) {
                EpochEndOffset diverging = answer.hasDivergingEpoch()
                        ? new EpochEndOffset(answer.getDivergingEpoch().getEpoch(), answer.getDivergingEpoch().getEndOffset())
                        : null;
                step = state.onFetchAnswer(sent.leaderEpoch(), sent.fetchOffset(), answer.getError(), diverging,
                        answer.getLogStartOffset(), answer.getLogEndOffset(), view, nowMs());
            }
            if (answer.getError() == ErrorCode.NONE) {
                leaderLogEndOffsetSeen = answer.getLogEndOffset();
            }
            switch (step.kind()) {
                case APPEND -> appendFromLeader(answer);
                case TRUNCATE -> {
                    log.truncateTo(step.offset());
                    synchronized (state) {
                        state.onTruncated(log.logEndOffset());
                    }
                }
                case RESET -> {
                    log.truncateFullyAndStartAt(step.offset());
                    synchronized (state) {
                        state.onLogReset(step.offset());
                    }
                }
                case RETRY_LATER, IGNORE -> {
                }
            }
            return step;
        } finally {
            roleLock.readLock().unlock();
        }
    }

    private void appendFromLeader(ReplicaFetchPartitionResponse answer) {
        ByteBuffer records = answer.getRecords().asReadOnlyByteBuffer();
        int whole = Records.wrap(records).sizeOfWholeBatches();
        if (whole > 0) {
            log.appendAsFollower(records.slice(records.position(), whole));
        }
        synchronized (state) {
            state.onLeaderAnswer(answer.getLeaderEpoch(), answer.getLeaderEstablished(), answer.getHighWatermark(), view, nowMs());
            publishHighWatermark();
        }
        long leaderStart = answer.getLogStartOffset();
        if (leaderStart > log.logStartOffset() && leaderStart <= log.highWatermark()) {
            // The leader's log start moved (retention, DeleteRecords): so does the follower's.
            log.maybeIncrementLogStartOffset(leaderStart);
        }
    }

    /** Publishes the core's high watermark to the log (monotonic there too). Caller holds the state monitor. */
    private void publishHighWatermark() {
        long hw = state.highWatermark();
        if (hw > log.highWatermark()) {
            log.updateHighWatermark(hw);
        }
    }

    // =============================================================== accessors

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public UUID topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return log;
    }

    @Override
    public int minInSyncReplicas() {
        return log.config().minInSyncReplicas();
    }

    @Override
    public boolean isLeader() {
        synchronized (state) {
            return state.isLeader();
        }
    }

    @Override
    public int leaderId() {
        synchronized (state) {
            return state.leaderId();
        }
    }

    @Override
    public int leaderEpoch() {
        synchronized (state) {
            return state.leaderEpoch();
        }
    }

    public int partitionEpoch() {
        synchronized (state) {
            return state.partitionEpoch();
        }
    }

    @Override
    public List<Integer> isr() {
        synchronized (state) {
            return state.isr();
        }
    }

    public List<Integer> replicas() {
        synchronized (state) {
            return state.replicas();
        }
    }

    @Override
    public long highWatermark() {
        synchronized (state) {
            return state.highWatermark();
        }
    }

    /** The largest lag (leader log end minus follower log end) among followers, for the fetcher-lag metric. */
    public long maxFollowerLag() {
        synchronized (state) {
            if (!state.isLeader()) {
                return 0;
            }
            long end = log.logEndOffset();
            long lag = 0;
            for (var follower : state.followers()) {
                lag = Math.max(lag, follower.logEndOffset() < 0 ? end : end - follower.logEndOffset());
            }
            return lag;
        }
    }

    /**
     * As a follower: records behind the leader's log end as of the leader's last answer (Kafka's fetcher
     * ConsumerLag); 0 as leader or before the first answer.
     */
    public long followerLag() {
        long leaderEnd = leaderLogEndOffsetSeen;
        if (leaderEnd < 0 || isLeader()) {
            return 0;
        }
        return Math.max(0, leaderEnd - log.logEndOffset());
    }

    /** Position of the high watermark in the log, for counting bytes a delayed fetch may return. */
    public LogOffsetMetadata highWatermarkMetadata() {
        long hw = highWatermark();
        LogOffsetMetadata end = log.logEndOffsetMetadata();
        return end.messageOffset() == hw ? end : log.convertToOffsetMetadata(hw);
    }

    /** The end offset of {@code epoch} on this leader, for a consumer's OffsetForLeaderEpoch. */
    public OffsetAndEpoch endOffsetForEpoch(int epoch, OptionalInt clientLeaderEpoch) {
        ensureServing(clientLeaderEpoch);
        return log.endOffsetForEpoch(epoch).orElse(new OffsetAndEpoch(-1, -1));
    }

    @Override
    public String toString() {
        synchronized (state) {
            return "Partition(" + topicPartition + ", " + state + ")";
        }
    }

    /** The log as the core sees it. */
    private record PartitionLogView(PartitionLog log) implements LogView {
        @Override
        public long logStartOffset() {
            return log.logStartOffset();
        }

        @Override
        public long logEndOffset() {
            return log.logEndOffset();
        }

        @Override
        public int latestEpoch() {
            return log.leaderEpochCache().latestEpoch().orElse(EpochEndOffset.UNDEFINED_EPOCH);
        }

        @Override
        public EpochEndOffset endOffsetFor(int epoch) {
            OffsetAndEpoch end = log.leaderEpochCache().endOffsetFor(epoch, log.logEndOffset());
            return end.epoch() < 0 ? EpochEndOffset.UNDEFINED : new EpochEndOffset(end.epoch(), end.offset());
        }
    }
}
