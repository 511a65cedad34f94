package io.runnel.replication.sim;

import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.AlterPartitionData;
import io.runnel.proto.AlterPartitionRequest;
import io.runnel.proto.AlterPartitionResponse;
import io.runnel.proto.AlterPartitionResult;
import io.runnel.proto.AlterPartitionTopic;
import io.runnel.proto.BrokerHeartbeatRequest;
import io.runnel.proto.BrokerHeartbeatResponse;
import io.runnel.proto.Endpoint;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.RegisterBrokerRequest;
import io.runnel.proto.RegisterBrokerResponse;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.replication.core.Actions;
import io.runnel.replication.core.EpochEndOffset;
import io.runnel.replication.core.FetchValidation;
import io.runnel.replication.core.FollowerFetch;
import io.runnel.replication.core.FollowerProgress;
import io.runnel.replication.core.FollowerStep;
import io.runnel.replication.core.IsrProposal;
import io.runnel.replication.core.PartitionState;
import io.runnel.replication.core.ReplicationSettings;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * A broker in the simulation: the replication core ({@link PartitionState}) with a thin shell that
 * mirrors the real one — metadata pulled from the controller and applied in order, registration and
 * heartbeats (the lease's first source), follower fetches with long polls at the leader, ISR proposals,
 * produce with acks=1 or all, and reads for consumers. It has its own clock, which runs at a slightly
 * different rate from true time. A crash loses everything in memory and, for a power loss, each log's
 * unflushed tail. Not thread-safe.
 */
final class SimBroker {

    private static final long NEVER = Long.MIN_VALUE;

    /** One partition replica on this broker. */
    static final class Replica {
        final int partition;
        final SimLog log;
        PartitionState state;
        boolean fetchInFlight;
        long fetchSequence;
        long fetchBackoffUntilMs;
        long echoToken = FollowerProgress.NO_TOKEN;
        long checkpointedHighWatermark;
        /** Offsets below this were compared with the committed history while this replica led. */
        long verifiedUpTo;
        final List<ParkedFetch> parkedFetches = new ArrayList<>();
        final List<WaitingProduce> waitingProduces = new ArrayList<>();

        Replica(int partition, SimLog log) {
            this.partition = partition;
            this.log = log;
        }
    }

    /** A follower fetch the leader holds until data arrives or its wait ends. */
    record ParkedFetch(int followerId, FollowerFetch fetch, long deadlineLocalMs, Consumer<FetchAnswer> reply) {
    }

    /** An acks=all produce waiting for the high watermark to pass {@code requiredOffset}. */
    record WaitingProduce(long requiredOffset, long baseOffset, int epoch, long deadlineLocalMs, Consumer<ProduceAnswer> reply) {
    }

    /** A leader's answer to one partition of a follower fetch. */
    record FetchAnswer(ErrorCode error, int leaderEpoch, long highWatermark, long logStartOffset, long logEndOffset,
                       EpochEndOffset diverging, boolean leaderEstablished, long token, List<SimLog.Batch> batches) {
    }

    record ProduceAnswer(ErrorCode error, long baseOffset, int epoch) {
    }

    record ReadAnswer(ErrorCode error, long highWatermark, List<SimLog.Batch> batches, String source) {
    }

    final int id;
    private final SimWorld world;
    private final SimController controller;
    private final SimConfig config;
    private final Invariants invariants;
    private final double clockRate;
    private final long clockOffsetMs;
    private final Map<Integer, SimLog> disks = new TreeMap<>();

    private boolean alive;
    private long generation;
    private UUID incarnation;
    private long brokerEpoch = -1;
    private boolean registered;
    private boolean wantShutDown;
    private MetadataImage image = MetadataImage.EMPTY;
    private boolean metadataPullInFlight;
    private long heartbeatLeaseStartMs = NEVER;
    private final List<long[]> pendingGrants = new ArrayList<>();
    private final Map<Integer, Replica> replicas = new TreeMap<>();
    private ReplicationSettings settings;

    SimBroker(int id, SimWorld world, SimController controller, SimConfig config, Invariants invariants) {
        this.id = id;
        this.world = world;
        this.controller = controller;
        this.config = config;
        this.invariants = invariants;
        this.clockRate = 1.0 + (world.random.nextDouble() * 2 - 1) * config.clockDriftMax();
        this.clockOffsetMs = world.random.nextInt(1_000_000);
        this.settings = ReplicationSettings.of(config.replicaLagTimeMaxMs(), config.leaseMs());
    }

    // =============================================================== clock and lifecycle

    long localNow() {
        return clockOffsetMs + (long) Math.floor(world.now() * clockRate);
    }

    /** The true time at which this broker's clock shows {@code localMs} (for the invariants). */
    double trueTime(long localMs) {
        return (localMs - clockOffsetMs) / clockRate;
    }

    boolean alive() {
        return alive;
    }

    /** True while a controlled shutdown is under way (the broker is still up, but about to stop). */
    boolean shuttingDown() {
        return alive && wantShutDown;
    }

    /** Counts starts: an action meant for one incarnation checks it is still the same one. */
    long generation() {
        return generation;
    }

    private void trace(String what) {
        System.out.printf("%7d %s: %s%n", world.now(), this, what);
    }

    static final boolean TRACE = Boolean.getBoolean("sim.trace");

    void start() {
        if (TRACE) trace("start");
        alive = true;
        generation++;
        incarnation = new UUID(world.random.nextLong(), world.random.nextLong());
        registered = false;
        wantShutDown = false;
        brokerEpoch = -1;
        image = MetadataImage.EMPTY;
        metadataPullInFlight = false;
        heartbeatLeaseStartMs = NEVER;
        pendingGrants.clear();
        replicas.clear();
        disks.forEach((partition, log) -> {
            Replica replica = new Replica(partition, log);
            replica.checkpointedHighWatermark = Math.min(log.logEndOffset(), hwCheckpoint.getOrDefault(partition, 0L));
            replica.state = new PartitionState(id, settings, replica.checkpointedHighWatermark);
            replicas.put(partition, replica);
        });
        long gen = generation;
        every(config.heartbeatIntervalMs(), gen, this::heartbeat);
        every(config.metadataPullIntervalMs(), gen, this::pullMetadata);
        every(config.tickIntervalMs(), gen, this::tick);
        every(config.flushIntervalMs(), gen, this::flush);
    }

    private final Map<Integer, Long> hwCheckpoint = new TreeMap<>();

    /** kill -9: memory is gone, the page cache (every log) survives. */
    void crash() {
        if (TRACE) trace("kill -9");
        alive = false;
    }

    /** A power loss: memory and each log's unflushed tail are gone. */
    void powerLoss() {
        if (TRACE) trace("power loss");
        alive = false;
        disks.values().forEach(SimLog::loseUnflushed);
    }

    /** Asks the controller to move leadership away, then stops cleanly (logs flushed). */
    void controlledShutdown(Runnable onStopped) {
        if (TRACE) trace("controlled shutdown begins");
        wantShutDown = true;
        shutdownCallback = onStopped;
    }

    private Runnable shutdownCallback;

    private void stopCleanly() {
        if (TRACE) trace("stopped cleanly");
        flush();
        alive = false;
        if (shutdownCallback != null) {
            Runnable callback = shutdownCallback;
            shutdownCallback = null;
            callback.run();
        }
    }

    private void every(long intervalMs, long gen, Runnable action) {
        world.after(1 + world.random.nextInt((int) intervalMs), new Runnable() {
            @Override
            public void run() {
                if (!alive || generation != gen) {
                    return;
                }
                action.run();
                world.after(intervalMs, this);
            }
        });
    }

    /** Runs {@code action} on this broker if it is still the same incarnation when a message arrives. */
    private Runnable guarded(Runnable action) {
        long gen = generation;
        return () -> {
            if (alive && generation == gen) {
                action.run();
            }
        };
    }

    private void flush() {
        for (Replica replica : replicas.values()) {
            replica.log.flush();
            hwCheckpoint.put(replica.partition, replica.state.highWatermark());
        }
    }

    // =============================================================== controller: registration, heartbeats, metadata

    private void heartbeat() {
        if (!registered) {
            RegisterBrokerRequest request = RegisterBrokerRequest.newBuilder().setBrokerId(id).setClusterId("sim")
                    .setIncarnationId(incarnation.toString())
                    .addListeners(Endpoint.newBuilder().setListener("PLAINTEXT").setHost("b" + id).setPort(9092)).build();
            world.send(id, SimWorld.CONTROLLER, () -> {
                if (!controller.available(world.now())) {
                    return;
                }
                long epoch = controller.nextOffset();
                SimController.Decided<RegisterBrokerResponse> decided = controller.decide(image -> controller.logic()
                        .registerBroker(image, request, "sim", epoch, controller.tracker(), controller.context(world.now())));
                world.send(SimWorld.CONTROLLER, id, guarded(() -> onRegistered(decided.response())));
            });
            return;
        }
        long sentAt = localNow();
        BrokerHeartbeatRequest request = BrokerHeartbeatRequest.newBuilder().setBrokerId(id).setBrokerEpoch(brokerEpoch)
                .setCurrentMetadataOffset(image.offset()).setWantShutDown(wantShutDown).build();
        world.send(id, SimWorld.CONTROLLER, () -> {
            if (!controller.available(world.now())) {
                return;
            }
            SimController.Decided<BrokerHeartbeatResponse> decided = controller.decide(image -> controller.logic()
                    .brokerHeartbeat(image, request, controller.tracker(), controller.context(world.now())));
            world.send(SimWorld.CONTROLLER, id, guarded(() -> onHeartbeatAnswer(sentAt, decided.response(), decided.offset())));
        });
    }

    private void onRegistered(RegisterBrokerResponse response) {
        if (response.getError() == ErrorCode.NONE && !registered) {
            registered = true;
            brokerEpoch = response.getBrokerEpoch();
        }
    }

    private void onHeartbeatAnswer(long sentAt, BrokerHeartbeatResponse response, long offset) {
        if (response.getError() == ErrorCode.STALE_BROKER_EPOCH || response.getError() == ErrorCode.BROKER_ID_NOT_REGISTERED) {
            registered = false;
            return;
        }
        if (response.getError() != ErrorCode.NONE) {
            return;
        }
        if (wantShutDown && response.getShouldShutDown()) {
            stopCleanly();
            return;
        }
        if (!response.getIsFenced()) {
            pendingGrants.add(new long[] {sentAt, offset});
            resolveGrants();
        }
    }

    /** A heartbeat answer renews the lease once this broker applied the metadata the controller answered from. */
    private void resolveGrants() {
        Iterator<long[]> grants = pendingGrants.iterator();
        while (grants.hasNext()) {
            long[] grant = grants.next();
            if (image.offset() >= grant[1]) {
                heartbeatLeaseStartMs = Math.max(heartbeatLeaseStartMs, grant[0]);
                grants.remove();
            }
        }
    }

    private void pullMetadata() {
        if (metadataPullInFlight) {
            return;
        }
        metadataPullInFlight = true;
        long from = image.offset();
        long sentGeneration = generation;
        world.send(id, SimWorld.CONTROLLER, () -> {
            List<List<MetadataRecord>> batches = controller.batchesAfter(from, 50);
            world.send(SimWorld.CONTROLLER, id, guarded(() -> onMetadata(from, batches)));
        });
        world.after(200, guarded(() -> {
            if (generation == sentGeneration) {
                metadataPullInFlight = false;
            }
        }));
    }

    private void onMetadata(long from, List<List<MetadataRecord>> batches) {
        metadataPullInFlight = false;
        if (from != image.offset() || batches.isEmpty()) {
            return;
        }
        MetadataDelta delta = new MetadataDelta(image);
        for (List<MetadataRecord> batch : batches) {
            delta.replayAll(batch);
        }
        image = delta.apply(Math.max(0, from) + batches.size());
        long now = localNow();
        TopicImage topic = image.topics().getTopic(SimConfig.TOPIC);
        if (topic != null && ownRegistrationApplied()) {
            for (Map.Entry<Integer, PartitionRegistration> entry : topic.partitions().entrySet()) {
                if (entry.getValue().hasReplica(id)) {
                    applyRegistration(entry.getKey(), entry.getValue(), now);
                }
            }
        }
        resolveGrants();
        pullMetadata();
    }

    /**
     * As the real broker: partition roles are applied only once the image holds this incarnation's own
     * registration. Before that, the image may still name this broker leader of partitions its previous
     * incarnation led (the controller takes them away when the new incarnation registers).
     */
    private boolean ownRegistrationApplied() {
        BrokerRegistration self = image.cluster().broker(id);
        return registered && self != null && self.epoch() == brokerEpoch;
    }

    private void applyRegistration(int partition, PartitionRegistration registration, long now) {
        Replica replica = replicas.get(partition);
        if (replica == null) {
            SimLog log = disks.computeIfAbsent(partition, p -> new SimLog());
            replica = new Replica(partition, log);
            replica.state = new PartitionState(id, settings, 0);
            replicas.put(partition, replica);
        }
        PartitionState state = replica.state;
        boolean becomesLeader = registration.leader() == id
                && (registration.leaderEpoch() > state.leaderEpoch() || !state.isLeader());
        if (becomesLeader && registration.leaderEpoch() >= state.leaderEpoch()) {
            replica.log.assignEpoch(registration.leaderEpoch(), replica.log.logEndOffset());
        }
        Actions actions = state.applyRegistration(registration, replica.log, now);
        if (TRACE) trace("partition " + partition + " " + registration + " -> " + state + " " + replica.log);
        if (becomesLeader && state.isLeader()) {
            invariants.onBecameLeader(this, replica);
        }
        apply(replica, actions);
        completeWaiters(replica);
        maybeFetch(replica);
    }

    private IntPredicate eligible() {
        return brokerId -> {
            BrokerRegistration broker = image.cluster().broker(brokerId);
            return broker != null && !broker.fenced() && !broker.inControlledShutdown();
        };
    }

    // =============================================================== leader: actions, ISR proposals, ticks

    private void apply(Replica replica, Actions actions) {
        if (actions.highWatermarkAdvanced()) {
            invariants.onHighWatermark(this, replica);
            completeWaiters(replica);
            wakeParkedFetches(replica);
        }
        actions.proposal().ifPresent(proposal -> sendProposal(replica, proposal));
    }

    private void sendProposal(Replica replica, IsrProposal proposal) {
        if (TRACE) trace("partition " + replica.partition + " sends proposal " + proposal);
        AlterPartitionRequest request = AlterPartitionRequest.newBuilder().setBrokerId(id).setBrokerEpoch(brokerEpoch)
                .addTopics(AlterPartitionTopic.newBuilder().setTopic(SimConfig.TOPIC).addPartitions(AlterPartitionData.newBuilder()
                        .setPartition(replica.partition).setLeaderEpoch(proposal.leaderEpoch())
                        .setPartitionEpoch(proposal.partitionEpoch()).addAllNewIsr(proposal.newIsr()))).build();
        world.send(id, SimWorld.CONTROLLER, () -> {
            if (!controller.available(world.now())) {
                return;
            }
            SimController.Decided<AlterPartitionResponse> decided = controller.decide(image -> controller.logic()
                    .alterPartition(image, request, controller.context(world.now())));
            world.send(SimWorld.CONTROLLER, id, guarded(() -> onProposalAnswer(replica, proposal, decided.response())));
        });
        // The answer may be lost: ask again while the proposal is still the one the leader waits for.
        world.after(config.requestTimeoutMs(), guarded(() -> {
            if (replicas.get(replica.partition) == replica && replica.state.isPending(proposal)) {
                sendProposal(replica, proposal);
            }
        }));
    }

    private void onProposalAnswer(Replica replica, IsrProposal proposal, AlterPartitionResponse response) {
        if (TRACE) trace("partition " + replica.partition + " proposal " + proposal + " answered " + response.getError() + " "
                + (response.getTopicsCount() > 0 ? response.getTopics(0).getPartitionsList() : ""));
        if (replicas.get(replica.partition) != replica) {
            return;
        }
        AlterPartitionResult result = response.getError() == ErrorCode.NONE && response.getTopicsCount() == 1
                && response.getTopics(0).getPartitionsCount() == 1 ? response.getTopics(0).getPartitions(0) : null;
        if (response.getError() == ErrorCode.STALE_BROKER_EPOCH || response.getError() == ErrorCode.BROKER_ID_NOT_REGISTERED) {
            replica.state.onProposalRefused(proposal, localNow());
            return;
        }
        if (result == null) {
            return; // retried by the timer
        }
        if (result.getError() == ErrorCode.NONE) {
            Actions actions = replica.state.onProposalCommitted(proposal, result.getLeaderEpoch(), result.getPartitionEpoch(),
                    result.getIsrList(), replica.log);
            apply(replica, actions);
        } else {
            replica.state.onProposalRefused(proposal, localNow());
        }
    }

    private void tick() {
        if (wantShutDown) {
            heartbeat(); // a controlled shutdown asks at every tick
        }
        long now = localNow();
        for (Replica replica : replicas.values()) {
            apply(replica, replica.state.onTick(replica.log, now));
            expireWaiters(replica, now);
            expireParkedFetches(replica, now);
            maybeFetch(replica);
        }
    }

    // =============================================================== leader: follower fetches

    /** A follower's fetch for one partition arrives at this broker. */
    void onReplicaFetch(int followerId, int partition, FollowerFetch fetch, long echoedToken, Consumer<FetchAnswer> reply) {
        Replica replica = replicas.get(partition);
        long now = localNow();
        if (replica == null) {
            reply.accept(errorAnswer(ErrorCode.NOT_LEADER_OR_FOLLOWER, null));
            return;
        }
        PartitionState state = replica.state;
        FetchValidation validation = state.validateFollowerFetch(followerId, fetch.leaderEpoch(), fetch.fetchOffset(),
                fetch.lastFetchedEpoch(), replica.log);
        if (validation.error() != ErrorCode.NONE) {
            reply.accept(errorAnswer(validation.error(), replica));
            return;
        }
        if (validation.isDiverging()) {
            state.onFollowerAtCurrentEpoch(followerId, echoedToken, fetch.establishedEpoch(), now);
            reply.accept(answer(replica, validation.diverging(), List.of()));
            return;
        }
        Actions actions = state.onFollowerFetch(followerId, fetch.fetchOffset(), fetch.logStartOffset(), echoedToken,
                fetch.establishedEpoch(), replica.log, eligible(), now);
        apply(replica, actions);
        if (TRACE && !state.maximalIsr().contains(followerId)) {
            trace("partition " + partition + " fetch from out-of-ISR " + followerId + " at " + fetch.fetchOffset() + " hw "
                    + state.highWatermark() + " leo " + replica.log.logEndOffset() + " eligible " + eligible().test(followerId));
        }
        List<SimLog.Batch> batches = replica.log.read(fetch.fetchOffset(), config.fetchBatchesMax());
        if (batches.isEmpty()) {
            replica.parkedFetches.add(new ParkedFetch(followerId, fetch, now + config.fetchWaitMaxMs(), reply));
        } else {
            reply.accept(answer(replica, null, batches));
        }
    }

    private FetchAnswer answer(Replica replica, EpochEndOffset diverging, List<SimLog.Batch> batches) {
        PartitionState state = replica.state;
        return new FetchAnswer(ErrorCode.NONE, state.leaderEpoch(), state.highWatermark(), replica.log.logStartOffset(),
                replica.log.logEndOffset(), diverging, state.isEstablished(), localNow(), batches);
    }

    private FetchAnswer errorAnswer(ErrorCode error, Replica replica) {
        return new FetchAnswer(error, replica == null ? -1 : replica.state.leaderEpoch(), -1,
                replica == null ? -1 : replica.log.logStartOffset(), replica == null ? -1 : replica.log.logEndOffset(),
                null, false, localNow(), List.of());
    }

    private void wakeParkedFetches(Replica replica) {
        List<ParkedFetch> parked = new ArrayList<>(replica.parkedFetches);
        replica.parkedFetches.clear();
        for (ParkedFetch fetch : parked) {
            List<SimLog.Batch> batches = replica.log.read(fetch.fetch().fetchOffset(), config.fetchBatchesMax());
            if (batches.isEmpty() && fetch.deadlineLocalMs() > localNow()) {
                replica.parkedFetches.add(fetch);
            } else {
                answerParked(replica, fetch, batches);
            }
        }
    }

    private void expireParkedFetches(Replica replica, long now) {
        Iterator<ParkedFetch> parked = replica.parkedFetches.iterator();
        List<ParkedFetch> due = new ArrayList<>();
        while (parked.hasNext()) {
            ParkedFetch fetch = parked.next();
            if (fetch.deadlineLocalMs() <= now || !replica.state.isLeader()) {
                parked.remove();
                due.add(fetch);
            }
        }
        due.forEach(fetch -> answerParked(replica, fetch, replica.log.read(fetch.fetch().fetchOffset(), config.fetchBatchesMax())));
    }

    private void answerParked(Replica replica, ParkedFetch fetch, List<SimLog.Batch> batches) {
        if (!replica.state.isLeader() || replica.state.leaderEpoch() != fetch.fetch().leaderEpoch()) {
            fetch.reply().accept(errorAnswer(ErrorCode.NOT_LEADER_OR_FOLLOWER, replica));
        } else {
            fetch.reply().accept(answer(replica, null, batches));
        }
    }

    // =============================================================== follower: fetching

    private void maybeFetch(Replica replica) {
        PartitionState state = replica.state;
        if (!alive || replica.fetchInFlight || state.role() != PartitionState.Role.FOLLOWER
                || state.leaderId() < 0 || state.leaderId() == id || world.now() < replica.fetchBackoffUntilMs) {
            return;
        }
        SimBroker leader = brokersById.apply(state.leaderId());
        if (leader == null) {
            return;
        }
        FollowerFetch fetch = state.nextFetch(replica.log);
        replica.fetchInFlight = true;
        long sequence = ++replica.fetchSequence;
        long token = replica.echoToken;
        world.send(id, leader.id, () -> {
            if (leader.alive()) {
                leader.onReplicaFetch(id, replica.partition, fetch, token,
                        answer -> world.send(leader.id, id, guarded(() -> onFetchAnswer(replica, sequence, fetch, answer))));
            }
        });
        world.after(config.fetchWaitMaxMs() * 2 + 100, guarded(() -> {
            if (replica.fetchSequence == sequence && replica.fetchInFlight) {
                replica.fetchInFlight = false;
                replica.fetchBackoffUntilMs = world.now() + config.fetchBackoffMs();
                world.after(config.fetchBackoffMs(), guarded(() -> maybeFetch(replica)));
            }
        }));
    }

    private void onFetchAnswer(Replica replica, long sequence, FollowerFetch sent, FetchAnswer answer) {
        if (replicas.get(replica.partition) != replica || replica.fetchSequence != sequence) {
            return;
        }
        replica.fetchInFlight = false;
        PartitionState state = replica.state;
        long now = localNow();
        FollowerStep step = state.onFetchAnswer(sent.leaderEpoch(), sent.fetchOffset(), answer.error(), answer.diverging(),
                answer.logStartOffset(), answer.logEndOffset(), replica.log, now);
        if (answer.error() == ErrorCode.NONE) {
            replica.echoToken = answer.token();
        }
        if (step.kind() != FollowerStep.Kind.APPEND) {
            if (TRACE) trace("partition " + replica.partition + " fetch answer " + answer.error() + " -> " + step);
        }
        switch (step.kind()) {
            case APPEND -> {
                for (SimLog.Batch batch : answer.batches()) {
                    if (batch.nextOffset() > replica.log.logEndOffset()) {
                        replica.log.appendAsFollower(batch);
                        invariants.onFollowerAppend(this, replica, batch);
                    }
                }
                if (config.flushEveryAppend()) {
                    replica.log.flush();
                }
                state.onLeaderAnswer(answer.leaderEpoch(), answer.leaderEstablished(), answer.highWatermark(), replica.log, now);
            }
            case TRUNCATE -> {
                if (TRACE) trace("partition " + replica.partition + " truncate to " + step.offset() + ": " + step.reason());
                replica.log.truncateTo(step.offset());
                state.onTruncated(replica.log.logEndOffset());
            }
            case RESET -> {
                if (TRACE) trace("partition " + replica.partition + " reset to " + step.offset() + ": " + step.reason());
                replica.log.resetTo(step.offset());
                state.onLogReset(step.offset());
            }
            case RETRY_LATER -> replica.fetchBackoffUntilMs = world.now() + config.fetchBackoffMs();
            case IGNORE -> {
            }
        }
        if (step.kind() == FollowerStep.Kind.RETRY_LATER) {
            world.after(config.fetchBackoffMs(), guarded(() -> maybeFetch(replica)));
        } else {
            maybeFetch(replica);
        }
    }

    private java.util.function.IntFunction<SimBroker> brokersById = brokerId -> null;

    void connect(java.util.function.IntFunction<SimBroker> lookup) {
        this.brokersById = lookup;
    }

    // =============================================================== clients: produce and read

    /** A client's produce to one partition; the answer goes to {@code reply}. */
    void onProduce(int partition, int acks, List<String> payloads, Consumer<ProduceAnswer> reply) {
        Replica replica = replicas.get(partition);
        long now = localNow();
        if (replica == null || !replica.state.isServing(heartbeatLeaseStartMs, now)) {
            reply.accept(new ProduceAnswer(ErrorCode.NOT_LEADER_OR_FOLLOWER, -1, -1));
            return;
        }
        invariants.onServing(this, replica);
        PartitionState state = replica.state;
        if (acks == -1 && state.isr().size() < config.minInsyncReplicas()) {
            reply.accept(new ProduceAnswer(ErrorCode.NOT_ENOUGH_REPLICAS, -1, -1));
            return;
        }
        SimLog.Batch batch = replica.log.appendAsLeader(state.leaderEpoch(), payloads);
        if (config.flushEveryAppend()) {
            replica.log.flush();
        }
        if (acks == -1) {
            replica.waitingProduces.add(new WaitingProduce(batch.nextOffset(), batch.baseOffset(), state.leaderEpoch(),
                    now + config.requestTimeoutMs(), reply));
        } else {
            reply.accept(new ProduceAnswer(ErrorCode.NONE, batch.baseOffset(), state.leaderEpoch()));
        }
        apply(replica, state.onLeaderAppend(replica.log));
        wakeParkedFetches(replica);
    }

    private void completeWaiters(Replica replica) {
        Iterator<WaitingProduce> waiting = replica.waitingProduces.iterator();
        List<Runnable> answers = new ArrayList<>();
        while (waiting.hasNext()) {
            WaitingProduce produce = waiting.next();
            PartitionState state = replica.state;
            if (!state.isLeader() || state.leaderEpoch() != produce.epoch()) {
                waiting.remove();
                answers.add(() -> produce.reply().accept(new ProduceAnswer(ErrorCode.NOT_LEADER_OR_FOLLOWER, -1, -1)));
            } else if (state.highWatermark() >= produce.requiredOffset()) {
                waiting.remove();
                ErrorCode error = state.isr().size() < config.minInsyncReplicas()
                        ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : ErrorCode.NONE;
                answers.add(() -> produce.reply().accept(new ProduceAnswer(error, produce.baseOffset(), produce.epoch())));
            }
        }
        answers.forEach(Runnable::run);
    }

    private void expireWaiters(Replica replica, long now) {
        completeWaiters(replica);
        Iterator<WaitingProduce> waiting = replica.waitingProduces.iterator();
        while (waiting.hasNext()) {
            WaitingProduce produce = waiting.next();
            if (produce.deadlineLocalMs() <= now) {
                waiting.remove();
                produce.reply().accept(new ProduceAnswer(ErrorCode.REQUEST_TIMED_OUT, -1, -1));
            }
        }
    }

    /** A consumer reads one partition from {@code position}: whole batches below the high watermark, once the leader may serve them. */
    void onRead(int partition, long position, Consumer<ReadAnswer> reply) {
        Replica replica = replicas.get(partition);
        if (replica == null || !replica.state.isServing(heartbeatLeaseStartMs, localNow())) {
            reply.accept(new ReadAnswer(ErrorCode.NOT_LEADER_OR_FOLLOWER, -1, List.of(), ""));
            return;
        }
        invariants.onServing(this, replica);
        if (!replica.state.highWatermarkCaughtUp()) {
            reply.accept(new ReadAnswer(ErrorCode.OFFSET_NOT_AVAILABLE, -1, List.of(), ""));
            return;
        }
        long hw = replica.state.highWatermark();
        List<SimLog.Batch> below = new ArrayList<>();
        for (SimLog.Batch batch : replica.log.read(position, 10)) {
            if (batch.nextOffset() <= hw) {
                below.add(batch);
            }
        }
        reply.accept(new ReadAnswer(ErrorCode.NONE, hw, below, this + " epoch " + replica.state.leaderEpoch()));
    }

    // =============================================================== inspection (invariants, final checks)

    Map<Integer, Replica> replicas() {
        return replicas;
    }

    long heartbeatLeaseStartMs() {
        return heartbeatLeaseStartMs;
    }

    MetadataImage image() {
        return image;
    }

    @Override
    public String toString() {
        return "broker " + id + (alive ? "" : " (down)");
    }
}
