package io.runnel.replication;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.ErrorCode;
import io.runnel.storage.FetchDataInfo;
import io.runnel.storage.LogAppendInfo;
import io.runnel.storage.LogOffsetMetadata;
import io.runnel.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One replica of a partition on this broker: its log plus the leadership state the metadata quorum
 * last decided (leader, epochs, replicas, ISR). The leader appends producer batches and serves
 * fetches up to the high watermark; a follower only receives replicated batches.
 *
 * <p>The high watermark is the smallest log end offset of the ISR (DESIGN §5). Until follower
 * replication lands, a replica other than this one never reports an offset, so only partitions whose
 * ISR is this broker alone advance their high watermark.
 *
 * <p>Thread-safe: appends and reads take the read side of {@code stateLock}, leadership changes the
 * write side, so no append ever runs under an epoch it does not belong to.
 */
public final class Partition {

    private final TopicPartition topicPartition;
    private final UUID topicId;
    private final int localBrokerId;
    private final PartitionLog log;
    private final ReentrantReadWriteLock stateLock = new ReentrantReadWriteLock();

    private volatile boolean leader;
    private volatile int leaderId = -1;
    private volatile int leaderEpoch = -1;
    private volatile int partitionEpoch = -1;
    private volatile List<Integer> replicas = List.of();
    private volatile List<Integer> isr = List.of();

    public Partition(TopicPartition topicPartition, UUID topicId, int localBrokerId, PartitionLog log) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.localBrokerId = localBrokerId;
        this.log = log;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public UUID topicId() {
        return topicId;
    }

    public PartitionLog log() {
        return log;
    }

    public boolean isLeader() {
        return leader;
    }

    public int leaderId() {
        return leaderId;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public int partitionEpoch() {
        return partitionEpoch;
    }

    public List<Integer> isr() {
        return isr;
    }

    public List<Integer> replicas() {
        return replicas;
    }

    /**
     * Applies a registration in which this broker leads. A new leader epoch is recorded in the
     * leader-epoch cache at the current log end offset, so followers can later truncate by epoch.
     */
    public void makeLeader(PartitionRegistration registration) {
        stateLock.writeLock().lock();
        try {
            if (registration.leaderEpoch() > leaderEpoch || !leader) {
                log.leaderEpochCache().assign(registration.leaderEpoch(), log.logEndOffset());
            }
            applyRegistration(registration);
            leader = true;
            maybeIncrementHighWatermark();
        } finally {
            stateLock.writeLock().unlock();
        }
    }

    /** Applies a registration in which another broker (or none) leads. */
    public void makeFollower(PartitionRegistration registration) {
        stateLock.writeLock().lock();
        try {
            applyRegistration(registration);
            leader = false;
        } finally {
            stateLock.writeLock().unlock();
        }
    }

    private void applyRegistration(PartitionRegistration registration) {
        leaderId = registration.leader();
        leaderEpoch = registration.leaderEpoch();
        partitionEpoch = registration.partitionEpoch();
        replicas = List.copyOf(registration.replicas());
        isr = List.copyOf(registration.isr());
    }

    /**
     * Appends producer batches as leader. With {@code acks=-1} the ISR must hold at least
     * {@code min.insync.replicas} members (NOT_ENOUGH_REPLICAS before anything is written).
     */
    public LogAppendInfo appendRecordsToLeader(ByteBuffer records, int requiredAcks, OptionalInt clientLeaderEpoch) {
        stateLock.readLock().lock();
        try {
            ensureLeader(clientLeaderEpoch);
            int minIsr = log.config().minInSyncReplicas();
            if (requiredAcks == -1 && isr.size() < minIsr) {
                throw new ApiException(ErrorCode.NOT_ENOUGH_REPLICAS, "partition " + topicPartition + " has " + isr.size()
                        + " in-sync replicas " + isr + ", fewer than min.insync.replicas=" + minIsr);
            }
            LogAppendInfo info = log.appendAsLeader(records, leaderEpoch);
            maybeIncrementHighWatermark();
            return info;
        } finally {
            stateLock.readLock().unlock();
        }
    }

    /**
     * Reads for a consumer from {@code fetchOffset}: whole batches below the high watermark, at most
     * {@code maxBytes} (but at least one batch when {@code minOneMessage}).
     */
    public FetchDataInfo readRecords(long fetchOffset, int maxBytes, boolean minOneMessage, OptionalInt clientLeaderEpoch) {
        stateLock.readLock().lock();
        try {
            ensureLeader(clientLeaderEpoch);
            return log.read(fetchOffset, maxBytes, log.highWatermark(), minOneMessage);
        } finally {
            stateLock.readLock().unlock();
        }
    }

    /** Checks that this replica leads and that the client's epoch (when given) is the current one. */
    public void ensureLeader(OptionalInt clientLeaderEpoch) {
        if (clientLeaderEpoch.isPresent() && clientLeaderEpoch.getAsInt() >= 0) {
            int known = clientLeaderEpoch.getAsInt();
            if (known < leaderEpoch) {
                throw new ApiException(ErrorCode.FENCED_LEADER_EPOCH, "leader epoch " + known + " of " + topicPartition
                        + " is older than the current epoch " + leaderEpoch);
            }
            if (known > leaderEpoch) {
                throw new ApiException(ErrorCode.UNKNOWN_LEADER_EPOCH, "leader epoch " + known + " of " + topicPartition
                        + " is newer than this broker's epoch " + leaderEpoch);
            }
        }
        if (!leader) {
            throw new NotLeaderException(topicPartition, leaderId, leaderEpoch);
        }
    }

    /** Moves the high watermark to the smallest log end offset of the ISR; true when it advanced. */
    public boolean maybeIncrementHighWatermark() {
        if (!leader) {
            return false;
        }
        long newHighWatermark = log.logEndOffset();
        for (int replica : isr) {
            if (replica != localBrokerId) {
                // Follower offsets arrive with replication; until then another ISR member holds nothing
                // this leader knows of, so the high watermark cannot pass what it has confirmed.
                newHighWatermark = Math.min(newHighWatermark, log.highWatermark());
            }
        }
        // Appends run concurrently under the read lock: the log compares and sets, so a thread that computed
        // its candidate before another thread's append can never move the high watermark back.
        return log.maybeIncrementHighWatermark(newHighWatermark);
    }

    public long highWatermark() {
        return log.highWatermark();
    }

    /** Position of the high watermark in the log, for counting bytes a delayed fetch may return. */
    public LogOffsetMetadata highWatermarkMetadata() {
        long hw = log.highWatermark();
        LogOffsetMetadata end = log.logEndOffsetMetadata();
        return end.messageOffset() == hw ? end : log.convertToOffsetMetadata(hw);
    }

    @Override
    public String toString() {
        return "Partition(" + topicPartition + ", leader=" + leaderId + ", epoch=" + leaderEpoch + ", isr=" + isr + ")";
    }
}
