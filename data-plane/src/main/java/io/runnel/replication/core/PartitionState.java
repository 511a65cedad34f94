package io.runnel.replication.core;

import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.ErrorCode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * The replication state of one partition replica on one broker, as a pure state machine (DESIGN §5,
 * docs/replication.md): leadership as the metadata quorum last decided it, the high watermark, the
 * leader's view of its followers and its ISR proposals, and the lease that decides whether a leader may
 * serve.
 *
 * <p>Roles and transitions:
 * <pre>
 *   NONE, FOLLOWER, LEADER --registration names this broker leader, new epoch--&gt; LEADER (waits out older leases)
 *   NONE, FOLLOWER, LEADER --registration names another leader or none--------&gt; FOLLOWER
 *   LEADER                 --registration, same epoch, newer partition epoch--&gt; LEADER (ISR replaced)
 *   any                    --registration with an older partition epoch------&gt; unchanged (stale)
 * </pre>
 *
 * <p>High watermark: the smallest log end offset of the maximal ISR (the committed ISR together with a
 * proposed one, until the controller answers), never lower than before. A new leader's followers are
 * unknown until they fetch at its epoch, so its high watermark waits for them; it serves reads only once
 * the high watermark reached the offset at which its epoch began, so that no client sees it go back.
 *
 * <p>Lease: a leader serves produce and fetch only while its lease holds: renewed by acknowledged
 * controller heartbeats (passed in as {@code heartbeatLeaseStartMs}) or by every follower of the maximal
 * ISR echoing a token the leader sent at its current epoch; a leader whose ISR is itself alone has no
 * follower to wait for. A new leader first waits until every older leader's lease must have ended: its
 * own last contact with an older leader plus the lease wait, and after a live handoff (the predecessor was
 * deposed while still alive) the lease wait from when it saw that handoff — unless the predecessor proves
 * it stepped down by fetching at the new epoch after having itself established its leadership.
 *
 * <p>Times are milliseconds of one monotonic clock per broker, passed into every event. Not thread-safe:
 * the shell calls it under the partition's lock.
 */
public final class PartitionState {

    public enum Role { NONE, LEADER, FOLLOWER }

    private static final long NEVER = Long.MIN_VALUE;

    private final int localBrokerId;
    private ReplicationSettings settings;

    private Role role = Role.NONE;
    private int leaderId = PartitionRegistration.NO_LEADER;
    private int leaderEpoch = -1;
    private int partitionEpoch = -1;
    private List<Integer> replicas = List.of();
    private List<Integer> isr = List.of();

    // ---- leader only
    private final Map<Integer, FollowerProgress> followers = new TreeMap<>();
    private IsrProposal pendingProposal;
    private long proposalsBlockedUntilMs = NEVER;
    private long leaderEpochStartOffset = -1;
    private long servingFromMs = Long.MAX_VALUE;
    private long becameLeaderAtMs = Long.MAX_VALUE;

    // ---- any role
    private long highWatermark;
    /** Last time this broker sent a fetch to, or received an answer from, a leader of this partition. */
    private long lastLeaderContactMs = NEVER;
    /** The highest leader epoch whose leader told this broker (as its follower) that it had established itself. */
    private int establishedLeaderEpochSeen = -1;
    /** The last leader epoch at which this broker, as leader, had waited out every older leader. */
    private int establishedEpoch = -1;
    /** The latest live handoff epoch this broker knows of, and when it first saw it (NEVER: none). */
    private int knownHandoffEpoch;
    private long knownHandoffSeenMs = NEVER;
    private boolean historyKnown;

    public PartitionState(int localBrokerId, ReplicationSettings settings, long highWatermark) {
        this.localBrokerId = localBrokerId;
        this.settings = settings;
        this.highWatermark = highWatermark;
    }

    // =============================================================== metadata

    /**
     * Applies a registration from the metadata image. Returns the actions it causes (a new leader with an
     * ISR of itself alone may advance its high watermark at once). {@code log} is the local log as it is
     * now; the shell records a new leader epoch in the log's epoch history first.
     */
    public Actions applyRegistration(PartitionRegistration registration, LogView log, long nowMs) {
        if (registration.leaderEpoch() < leaderEpoch
                || registration.leaderEpoch() == leaderEpoch && registration.partitionEpoch() <= partitionEpoch) {
            return Actions.NONE;
        }
        trackHandoff(registration, nowMs);
        boolean newEpoch = registration.leaderEpoch() != leaderEpoch;
        boolean leads = registration.leader() == localBrokerId;
        leaderId = registration.leader();
        leaderEpoch = registration.leaderEpoch();
        partitionEpoch = registration.partitionEpoch();
        replicas = registration.replicas();
        isr = registration.isr();
        if (pendingProposal != null) {
            // The controller decided something newer than the proposal was based on: it was either
            // committed (and is in this registration) or refused.
            pendingProposal = null;
        }
        if (!leads) {
            role = Role.FOLLOWER;
            followers.clear();
            servingFromMs = Long.MAX_VALUE;
            return Actions.NONE;
        }
        if (newEpoch || role != Role.LEADER) {
            becomeLeader(log, nowMs);
        } else {
            for (int replica : replicas) {
                if (replica != localBrokerId) {
                    followers.computeIfAbsent(replica, id -> new FollowerProgress(id, nowMs));
                }
            }
            followers.keySet().retainAll(replicas);
        }
        return Actions.of(maybeAdvanceHighWatermark(log), null);
    }

    private void trackHandoff(PartitionRegistration registration, long nowMs) {
        int handoff = registration.liveHandoffEpoch();
        if (!historyKnown) {
            // First sight of this partition: when an earlier live handoff happened is unknown, so assume now.
            historyKnown = true;
            knownHandoffEpoch = handoff;
            knownHandoffSeenMs = handoff > 0 ? nowMs : NEVER;
        } else if (handoff > knownHandoffEpoch) {
            knownHandoffEpoch = handoff;
            knownHandoffSeenMs = nowMs;
        }
    }

    private void becomeLeader(LogView log, long nowMs) {
        role = Role.LEADER;
        becameLeaderAtMs = nowMs;
        leaderEpochStartOffset = log.logEndOffset();
        followers.clear();
        for (int replica : replicas) {
            if (replica != localBrokerId) {
                followers.put(replica, new FollowerProgress(replica, nowMs));
            }
        }
        pendingProposal = null;
        proposalsBlockedUntilMs = NEVER;
        servingFromMs = servingFrom(nowMs);
    }

    /** The earliest time a leader elected now at {@link #leaderEpoch} may serve (see the class comment). */
    private long servingFrom(long nowMs) {
        long wait = settings.leaseWaitMs();
        long from = plus(lastLeaderContactMs, wait);
        boolean liveHandoffNow = knownHandoffEpoch > 0 && knownHandoffEpoch == leaderEpoch;
        if (establishedLeaderEpochSeen == leaderEpoch - 1) {
            // The predecessor established itself, so every older leader was done; only a predecessor
            // deposed alive may still hold a lease.
            if (liveHandoffNow) {
                from = Math.max(from, nowMs + wait);
            }
        } else if (knownHandoffEpoch > 0) {
            from = Math.max(from, plus(knownHandoffSeenMs, wait));
        }
        return Math.max(from, nowMs);
    }

    private static long plus(long timeMs, long durationMs) {
        return timeMs == NEVER ? NEVER : timeMs + durationMs;
    }

    // =============================================================== leader: appends and fetches

    /** The leader appended up to {@code log.logEndOffset()}; with an ISR of itself alone the HW follows. */
    public Actions onLeaderAppend(LogView log) {
        return role == Role.LEADER ? Actions.of(maybeAdvanceHighWatermark(log), null) : Actions.NONE;
    }

    /**
     * Checks one partition of a follower's fetch before anything is read or recorded: the follower must
     * be a replica, fetch at this leader's epoch, and its last fetched epoch must end on this leader at or
     * after its fetch offset (else it is told where its log diverges: Kafka's in-band OffsetsForLeaderEpoch).
     */
    public FetchValidation validateFollowerFetch(int followerId, int followerLeaderEpoch, long fetchOffset,
                                                 int lastFetchedEpoch, LogView log) {
        if (role != Role.LEADER) {
            return FetchValidation.refuse(ErrorCode.NOT_LEADER_OR_FOLLOWER, "broker " + localBrokerId
                    + " does not lead this partition (leader " + leaderId + ", epoch " + leaderEpoch + ")");
        }
        if (followerLeaderEpoch < leaderEpoch) {
            return FetchValidation.refuse(ErrorCode.FENCED_LEADER_EPOCH, "follower " + followerId + " fetches at epoch "
                    + followerLeaderEpoch + ", older than the leader's " + leaderEpoch);
        }
        if (followerLeaderEpoch > leaderEpoch) {
            return FetchValidation.refuse(ErrorCode.UNKNOWN_LEADER_EPOCH, "follower " + followerId + " fetches at epoch "
                    + followerLeaderEpoch + ", newer than this leader's " + leaderEpoch);
        }
        if (followerId == localBrokerId || !replicas.contains(followerId)) {
            return FetchValidation.refuse(ErrorCode.REPLICA_NOT_AVAILABLE, "broker " + followerId
                    + " is not a follower of this partition (replicas " + replicas + ")");
        }
        if (lastFetchedEpoch >= 0) {
            EpochEndOffset end = log.endOffsetFor(lastFetchedEpoch);
            if (end.isUndefined()) {
                // The leader knows no epoch at or below the follower's: nothing of the follower's above the
                // leader's log start can be trusted.
                if (fetchOffset > log.logStartOffset()) {
                    return FetchValidation.diverge(new EpochEndOffset(EpochEndOffset.UNDEFINED_EPOCH, log.logStartOffset()));
                }
            } else if (end.epoch() < lastFetchedEpoch || end.endOffset() < fetchOffset) {
                return FetchValidation.diverge(end);
            }
        }
        if (fetchOffset < log.logStartOffset() || fetchOffset > log.logEndOffset()) {
            return FetchValidation.refuse(ErrorCode.OFFSET_OUT_OF_RANGE, "follower " + followerId + " fetches offset "
                    + fetchOffset + " outside the leader's log " + log.logStartOffset() + ".." + log.logEndOffset());
        }
        return FetchValidation.SERVE;
    }

    /**
     * Records a follower's fetch that {@link #validateFollowerFetch} accepted: its log end offset, whether
     * it caught up, the lease token it echoed, and its claim to have established leadership at some epoch
     * (a predecessor fetching at this epoch thereby proves it stepped down). May advance the high
     * watermark and propose adding the follower to the ISR ({@code eligible}: brokers that may join an ISR).
     */
    public Actions onFollowerFetch(int followerId, long fetchOffset, long followerLogStartOffset, long echoedToken,
                                   int followerEstablishedEpoch, LogView log, IntPredicate eligible, long nowMs) {
        FollowerProgress follower = followers.get(followerId);
        if (role != Role.LEADER || follower == null) {
            return Actions.NONE;
        }
        follower.onFetch(fetchOffset, followerLogStartOffset, log.logEndOffset(), nowMs);
        onFollowerAtCurrentEpoch(followerId, echoedToken, followerEstablishedEpoch, nowMs);
        IsrProposal proposal = maybeExpandIsr(follower, eligible, nowMs);
        return Actions.of(maybeAdvanceHighWatermark(log), proposal);
    }

    /**
     * A follower fetched at this leader's epoch (whether or not its log diverged): the token it echoed
     * renews the lease, and if it claims to have established leadership at the previous epoch, it is the
     * predecessor stepping down, so no older leader can still serve.
     */
    public void onFollowerAtCurrentEpoch(int followerId, long echoedToken, int followerEstablishedEpoch, long nowMs) {
        FollowerProgress follower = followers.get(followerId);
        if (role != Role.LEADER || follower == null) {
            return;
        }
        // A token is this leader's own time at an answer in this leadership; anything else (an answer of a
        // previous leadership, or of a previous process) proves nothing about this one.
        if (echoedToken != FollowerProgress.NO_TOKEN && echoedToken >= becameLeaderAtMs && echoedToken <= nowMs) {
            follower.onToken(echoedToken);
        }
        if (followerEstablishedEpoch >= 0 && followerEstablishedEpoch == leaderEpoch - 1 && servingFromMs > nowMs) {
            servingFromMs = nowMs;
        }
        noteEstablished(nowMs);
    }

    private IsrProposal maybeExpandIsr(FollowerProgress follower, IntPredicate eligible, long nowMs) {
        int id = follower.brokerId();
        if (pendingProposal != null || nowMs < proposalsBlockedUntilMs || isr.contains(id) || !eligible.test(id)) {
            return null;
        }
        long followerEnd = follower.logEndOffset();
        if (followerEnd < highWatermark || followerEnd < leaderEpochStartOffset) {
            return null;
        }
        List<Integer> newIsr = new ArrayList<>(isr);
        newIsr.add(id);
        return propose(newIsr);
    }

    /**
     * Periodic work: proposes removing ISR followers that have not caught up within
     * {@code replica.lag.time.max.ms} (all of them in one proposal), and notes when a new leader reaches
     * the end of its wait.
     */
    public Actions onTick(LogView log, long nowMs) {
        if (role != Role.LEADER) {
            return Actions.NONE;
        }
        noteEstablished(nowMs);
        if (pendingProposal != null || nowMs < proposalsBlockedUntilMs) {
            return Actions.NONE;
        }
        List<Integer> lagging = new ArrayList<>();
        for (int member : isr) {
            FollowerProgress follower = followers.get(member);
            if (member != localBrokerId && follower != null && !follower.isCaughtUp(nowMs, settings.replicaLagTimeMaxMs())) {
                lagging.add(member);
            }
        }
        if (lagging.isEmpty()) {
            return Actions.NONE;
        }
        List<Integer> newIsr = new ArrayList<>(isr);
        newIsr.removeAll(lagging);
        return Actions.of(false, propose(newIsr));
    }

    private IsrProposal propose(List<Integer> newIsr) {
        pendingProposal = new IsrProposal(leaderEpoch, partitionEpoch, newIsr);
        return pendingProposal;
    }

    /**
     * The controller committed {@code proposal}: the ISR and partition epoch it answered take effect if
     * they are newer than what this state holds. May advance the high watermark (a shrunken ISR).
     */
    public Actions onProposalCommitted(IsrProposal proposal, int committedLeaderEpoch, int committedPartitionEpoch,
                                       List<Integer> committedIsr, LogView log) {
        if (proposal.equals(pendingProposal)) {
            pendingProposal = null;
        }
        if (role != Role.LEADER || committedLeaderEpoch != leaderEpoch || committedPartitionEpoch <= partitionEpoch) {
            return Actions.NONE;
        }
        partitionEpoch = committedPartitionEpoch;
        isr = List.copyOf(committedIsr);
        return Actions.of(maybeAdvanceHighWatermark(log), null);
    }

    /**
     * The controller refused {@code proposal} (stale epochs, an ineligible replica) or this broker gave up
     * on it: proposals pause for the backoff; the metadata update that follows brings the current state.
     */
    public void onProposalRefused(IsrProposal proposal, long nowMs) {
        if (proposal.equals(pendingProposal)) {
            pendingProposal = null;
            proposalsBlockedUntilMs = nowMs + settings.isrProposalBackoffMs();
        }
    }

    /** True while {@code proposal} is the one this leader waits on (the shell stops retrying otherwise). */
    public boolean isPending(IsrProposal proposal) {
        return proposal.equals(pendingProposal);
    }

    private boolean maybeAdvanceHighWatermark(LogView log) {
        if (role != Role.LEADER) {
            return false;
        }
        long candidate = log.logEndOffset();
        for (int member : maximalIsr()) {
            if (member == localBrokerId) {
                continue;
            }
            FollowerProgress follower = followers.get(member);
            if (follower == null || follower.logEndOffset() < 0) {
                return false; // a member's position is unknown at this epoch yet
            }
            candidate = Math.min(candidate, follower.logEndOffset());
        }
        if (candidate > highWatermark) {
            highWatermark = candidate;
            return true;
        }
        return false;
    }

    /** The committed ISR together with the members of a pending proposal: what the HW and lease count. */
    public Set<Integer> maximalIsr() {
        Set<Integer> members = new LinkedHashSet<>(isr);
        if (pendingProposal != null) {
            members.addAll(pendingProposal.newIsr());
        }
        return members;
    }

    // =============================================================== leader: serving and the lease

    /**
     * True when this replica leads and may answer produce and fetch: its wait for older leaders is over and
     * its lease holds, through the controller heartbeat that started at {@code heartbeatLeaseStartMs}
     * (NEVER if none) or through every maximal-ISR follower's latest echoed token.
     */
    public boolean isServing(long heartbeatLeaseStartMs, long nowMs) {
        if (role != Role.LEADER || nowMs < servingFromMs) {
            return false;
        }
        noteEstablished(nowMs);
        return leaseExpiryMs(heartbeatLeaseStartMs) > nowMs;
    }

    /** When the lease ends as things stand (Long.MAX_VALUE with no follower to wait for). */
    public long leaseExpiryMs(long heartbeatLeaseStartMs) {
        long heartbeatExpiry = plus(heartbeatLeaseStartMs, settings.leaseMs());
        long followerLeaseStart = Long.MAX_VALUE;
        for (int member : maximalIsr()) {
            if (member == localBrokerId) {
                continue;
            }
            FollowerProgress follower = followers.get(member);
            long token = follower == null ? NEVER : follower.leaseToken();
            followerLeaseStart = Math.min(followerLeaseStart, token);
        }
        long followerExpiry = followerLeaseStart == Long.MAX_VALUE ? Long.MAX_VALUE : plus(followerLeaseStart, settings.leaseMs());
        return Math.max(heartbeatExpiry, followerExpiry);
    }

    /** True when the high watermark has reached the start of this leader's epoch, so reads may be served. */
    public boolean highWatermarkCaughtUp() {
        return role == Role.LEADER && highWatermark >= leaderEpochStartOffset;
    }

    private void noteEstablished(long nowMs) {
        if (role == Role.LEADER && nowMs >= servingFromMs && establishedEpoch < leaderEpoch) {
            establishedEpoch = leaderEpoch;
        }
    }

    // =============================================================== follower side

    /** The fetch this follower sends next for this partition (see {@link FollowerFetch}). */
    public FollowerFetch nextFetch(LogView log) {
        return new FollowerFetch(leaderEpoch, log.logEndOffset(), log.latestEpoch(), log.logStartOffset(), establishedEpoch);
    }

    /**
     * Interprets the leader's answer to a fetch that was sent at {@code sentLeaderEpoch} from
     * {@code sentFetchOffset}: append, truncate where the logs diverge, restart at the leader's log start,
     * or retry later. Records the contact with the leader (the lease history) whatever the answer.
     */
    public FollowerStep onFetchAnswer(int sentLeaderEpoch, long sentFetchOffset, io.runnel.proto.ErrorCode error,
                                      EpochEndOffset diverging, long leaderLogStartOffset, long leaderLogEndOffset,
                                      LogView log, long nowMs) {
        onLeaderContact(nowMs);
        if (role != Role.FOLLOWER || sentLeaderEpoch != leaderEpoch || sentFetchOffset != log.logEndOffset()) {
            return FollowerStep.of(FollowerStep.Kind.IGNORE, -1, "answer to a fetch at epoch " + sentLeaderEpoch
                    + " from offset " + sentFetchOffset + "; now at epoch " + leaderEpoch + ", log end " + log.logEndOffset());
        }
        switch (error) {
            case NONE -> {
                if (diverging != null) {
                    long offset = truncationOffset(diverging, log);
                    return FollowerStep.of(FollowerStep.Kind.TRUNCATE, offset, "log diverges from the leader's: its epoch "
                            + diverging.epoch() + " ends at " + diverging.endOffset());
                }
                return FollowerStep.of(FollowerStep.Kind.APPEND, -1, "");
            }
            case OFFSET_OUT_OF_RANGE -> {
                if (sentFetchOffset < leaderLogStartOffset) {
                    return FollowerStep.of(FollowerStep.Kind.RESET, leaderLogStartOffset, "fetch offset " + sentFetchOffset
                            + " is below the leader's log start " + leaderLogStartOffset);
                }
                if (leaderLogEndOffset >= 0 && sentFetchOffset > leaderLogEndOffset) {
                    return FollowerStep.of(FollowerStep.Kind.TRUNCATE, leaderLogEndOffset, "fetch offset " + sentFetchOffset
                            + " is past the leader's log end " + leaderLogEndOffset);
                }
                return FollowerStep.of(FollowerStep.Kind.RETRY_LATER, -1, "offset out of range at the leader");
            }
            default -> {
                return FollowerStep.of(FollowerStep.Kind.RETRY_LATER, -1, "leader answered " + error);
            }
        }
    }

    /**
     * This broker, as follower, received an answer from the leader: the lease history. Only answers count:
     * a leader's lease renews from a token it put in an answer, so it never outlasts the follower's last
     * receipt by more than a lease; a fetch sent to a leader that is gone (refused connections while the
     * controller has not yet fenced it) must not push the successor's wait further out.
     */
    public void onLeaderContact(long nowMs) {
        lastLeaderContactMs = Math.max(lastLeaderContactMs, nowMs);
    }

    /**
     * A fetch answer from the leader at {@code answerLeaderEpoch}: remembers whether that leader had
     * established itself, and moves the follower's high watermark to min(leader's, local log end), never
     * back. Returns true when the high watermark advanced.
     */
    public boolean onLeaderAnswer(int answerLeaderEpoch, boolean leaderEstablished, long leaderHighWatermark,
                                  LogView log, long nowMs) {
        onLeaderContact(nowMs);
        if (leaderEstablished && answerLeaderEpoch == leaderEpoch) {
            establishedLeaderEpochSeen = Math.max(establishedLeaderEpochSeen, answerLeaderEpoch);
        }
        if (role != Role.FOLLOWER) {
            return false;
        }
        long candidate = Math.min(leaderHighWatermark, log.logEndOffset());
        if (candidate > highWatermark) {
            highWatermark = candidate;
            return true;
        }
        return false;
    }

    /**
     * Where to truncate when the leader says the log diverges: Kafka's rule. If this log knows the epoch
     * the leader answered with, truncate to the smaller of both ends of it; otherwise to the end of the
     * largest epoch below it here (the next fetch asks again from there).
     */
    public long truncationOffset(EpochEndOffset leaderDiverging, LogView log) {
        if (leaderDiverging.isUndefined()) {
            return Math.min(leaderDiverging.endOffset(), log.logEndOffset());
        }
        EpochEndOffset local = log.endOffsetFor(leaderDiverging.epoch());
        if (local.isUndefined()) {
            return Math.min(leaderDiverging.endOffset(), log.logEndOffset());
        }
        if (local.epoch() != leaderDiverging.epoch()) {
            return Math.min(local.endOffset(), log.logEndOffset());
        }
        return Math.min(Math.min(leaderDiverging.endOffset(), local.endOffset()), log.logEndOffset());
    }

    /** The local log was truncated to {@code logEndOffset}: the high watermark cannot stay above it. */
    public void onTruncated(long logEndOffset) {
        highWatermark = Math.min(highWatermark, logEndOffset);
    }

    /** The log was emptied and restarted at {@code offset} (the leader's log start moved past it). */
    public void onLogReset(long offset) {
        highWatermark = offset;
    }

    // =============================================================== accessors

    public Role role() {
        return role;
    }

    public boolean isLeader() {
        return role == Role.LEADER;
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

    public List<Integer> replicas() {
        return replicas;
    }

    public List<Integer> isr() {
        return isr;
    }

    public long highWatermark() {
        return highWatermark;
    }

    public long leaderEpochStartOffset() {
        return leaderEpochStartOffset;
    }

    public long servingFromMs() {
        return servingFromMs;
    }

    /** The last leader epoch at which this broker established itself as leader, -1 if never. */
    public int establishedEpoch() {
        return establishedEpoch;
    }

    /** True when this broker leads and has waited out every older leader at its current epoch. */
    public boolean isEstablished() {
        return role == Role.LEADER && establishedEpoch == leaderEpoch;
    }

    public Collection<FollowerProgress> followers() {
        return List.copyOf(followers.values());
    }

    public ReplicationSettings settings() {
        return settings;
    }

    /** Replaces the settings (the broker learned the controller's session timeout, which bounds the lease). */
    public void updateSettings(ReplicationSettings newSettings) {
        this.settings = newSettings;
    }

    @Override
    public String toString() {
        return "PartitionState(" + role + ", leader=" + leaderId + ", epoch=" + leaderEpoch + "/" + partitionEpoch
                + ", isr=" + isr + ", hw=" + highWatermark + ")";
    }
}
