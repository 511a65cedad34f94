package io.runnel.replication;

import static io.runnel.common.ListOffsetsTimestamps.EARLIEST_TIMESTAMP;
import static io.runnel.common.ListOffsetsTimestamps.LATEST_TIMESTAMP;
import static io.runnel.common.ListOffsetsTimestamps.MAX_TIMESTAMP;

import com.google.protobuf.UnsafeByteOperations;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.LocalReplicaChanges;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicIdPartition;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.EpochEndOffset;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReplicaFetchPartition;
import io.runnel.proto.ReplicaFetchPartitionResponse;
import io.runnel.proto.ReplicaFetchRequest;
import io.runnel.proto.ReplicaFetchResponse;
import io.runnel.proto.ReplicaFetchTopic;
import io.runnel.proto.ReplicaFetchTopicResponse;
import io.runnel.purgatory.DelayedOperationPurgatory;
import io.runnel.replication.core.Actions;
import io.runnel.replication.core.ReplicationSettings;
import io.runnel.storage.FetchDataInfo;
import io.runnel.storage.LogAppendInfo;
import io.runnel.storage.LogConfig;
import io.runnel.storage.LogManager;
import io.runnel.storage.LogOffsetMetadata;
import io.runnel.storage.OffsetAndEpoch;
import io.runnel.storage.PartitionLog;
import io.runnel.storage.TimestampAndOffset;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's replicas: creates, leads, follows and deletes them as the metadata image says, serves
 * produce, fetch and list-offsets against the ones it leads, answers followers' fetches, and fetches as a
 * follower through the {@link ReplicaFetcherManager}. Requests that must wait (acks=all, long-poll
 * fetches, follower fetches) wait in purgatories keyed by topic-partition; every append re-checks them.
 * ISR proposals go to the controller through the {@link IsrProposalSender}; a tick every
 * {@value #TICK_MS} ms lets leaders shrink the ISR of followers that fell behind.
 *
 * <p>Threads: metadata changes arrive on the metadata loader's single thread ({@link #applyDelta});
 * requests on gRPC threads; follower answers on the fetcher threads; ticks and proposal retries on this
 * manager's scheduler thread. The partition map is concurrent and each {@link Partition} guards its own
 * state.
 */
public final class ReplicaManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    private static final int PURGE_INTERVAL_REQUESTS = 1_000;
    /** Below this many partition changes in one delta, they are applied one after another. */
    private static final int PARALLEL_TRANSITIONS_MIN = 16;
    /** Threads that create logs and change leadership in parallel for large metadata changes. */
    private static final int TRANSITION_THREADS = 4;
    /** How often leaders check their followers' lag (and new leaders notice the end of their wait). */
    static final long TICK_MS = 250;

    private final int brokerId;
    private final LogManager logManager;
    private final ReplicationContext context;
    private final ReplicationSettings settings;
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    /** Per-topic counters exist only for topics with a replica here (an O(1) check per request). */
    private final BrokerTopicStats topicStats = new BrokerTopicStats(partitions::containsKey);
    private final DelayedOperationPurgatory<DelayedProduce> producePurgatory;
    private final DelayedOperationPurgatory<DelayedFetch> fetchPurgatory;
    private final DelayedOperationPurgatory<DelayedReplicaFetch> replicaFetchPurgatory =
            new DelayedOperationPurgatory<>("replica-fetch-purgatory", PURGE_INTERVAL_REQUESTS);
    private final ForkJoinPool transitionPool;
    private final ScheduledExecutorService scheduler;
    private final ReplicaFetcherManager fetchers;
    private final IsrProposalSender proposals;
    private final List<LeadershipListener> leadershipListeners = new CopyOnWriteArrayList<>();
    private final ReplicationQuota leaderQuota = new ReplicationQuota();
    private final ReplicationQuota followerQuota = new ReplicationQuota();
    private final AtomicLong isrShrinks = new AtomicLong();
    private final AtomicLong isrExpands = new AtomicLong();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    /** Metadata thread only: partition roles wait until the image holds this incarnation's registration. */
    private boolean rolesApplied;

    /**
     * Told when this broker starts or stops leading a partition (the group coordinator loads and unloads the
     * groups of a {@code __consumer_offsets} partition). Called on the thread applying the metadata change,
     * after the partition changed role: implementations must only hand the event on, never block.
     */
    public interface LeadershipListener {
        void onBecomeLeader(TopicPartition tp, int leaderEpoch);

        /** {@code leaderEpoch} is the epoch at which this broker led. */
        void onResign(TopicPartition tp, int leaderEpoch);
    }

    /** A broker alone: its partitions have no followers (single-broker tests). */
    public ReplicaManager(int brokerId, LogManager logManager) {
        this(brokerId, logManager, ReplicationContext.standalone(io.runnel.common.time.Time.SYSTEM));
    }

    public ReplicaManager(int brokerId, LogManager logManager, ReplicationContext context) {
        this(brokerId, logManager, context, new DelayedOperationPurgatory<>("produce-purgatory", PURGE_INTERVAL_REQUESTS),
                new DelayedOperationPurgatory<>("fetch-purgatory", PURGE_INTERVAL_REQUESTS));
    }

    /** With the given purgatories: tests pass ones whose clock they drive. */
    ReplicaManager(int brokerId, LogManager logManager, ReplicationContext context,
                           DelayedOperationPurgatory<DelayedProduce> producePurgatory,
                           DelayedOperationPurgatory<DelayedFetch> fetchPurgatory) {
        this.brokerId = brokerId;
        this.logManager = logManager;
        this.context = context;
        ReplicationConfig config = context.config();
        this.settings = ReplicationSettings.of(config.replicaLagTimeMaxMs(), context.lease().leaseMs());
        this.producePurgatory = producePurgatory;
        this.fetchPurgatory = fetchPurgatory;
        this.transitionPool = new ForkJoinPool(TRANSITION_THREADS);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "replica-manager-" + brokerId);
            thread.setDaemon(true);
            return thread;
        });
        this.fetchers = context.leaders() == null ? null
                : new ReplicaFetcherManager(brokerId, config, context.leaders(), context.brokerEpoch(), context.time(),
                        new FollowerThrottle());
        this.proposals = context.controller() == null ? null
                : new IsrProposalSender(brokerId, context.brokerEpoch(), context.controller(), scheduler, this::onProposalCommitted);
        scheduler.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    public int brokerId() {
        return brokerId;
    }

    public Optional<Partition> partition(TopicPartition tp) {
        return Optional.ofNullable(partitions.get(tp));
    }

    public Map<TopicPartition, Partition> partitions() {
        return Map.copyOf(partitions);
    }

    public void addLeadershipListener(LeadershipListener listener) {
        leadershipListeners.add(listener);
    }

    // ---------------------------------------------------------------- metadata

    /**
     * Acts on a metadata change for this broker: becomes leader or follower of the partitions the
     * image assigns it (creating their logs) and deletes the replicas it no longer holds. Until the
     * image holds this incarnation's own registration, roles wait; then the whole image is applied.
     */
    public void applyDelta(LocalReplicaChanges changes, MetadataImage newImage, Function<String, LogConfig> logConfigs) {
        this.image = newImage;
        context.lease().onMetadataApplied(newImage.offset());
        for (TopicIdPartition id : changes.deletes()) {
            stopReplica(new TopicPartition(id.topicName(), id.partition()), true);
        }
        if (!rolesApplied) {
            if (!ownRegistrationApplied(newImage)) {
                return;
            }
            rolesApplied = true;
            changes = localRoles(newImage);
        }
        applyRoles(changes, newImage, logConfigs);
    }

    private boolean ownRegistrationApplied(MetadataImage newImage) {
        if (!context.gateOnRegistration()) {
            return true;
        }
        BrokerRegistration self = newImage.cluster().broker(brokerId);
        return self != null && self.epoch() == context.brokerEpoch().getAsLong();
    }

    /** Every partition of the image this broker is a replica of, as leader or follower. */
    private LocalReplicaChanges localRoles(MetadataImage newImage) {
        Map<TopicIdPartition, PartitionRegistration> leaders = new HashMap<>();
        Map<TopicIdPartition, PartitionRegistration> followers = new HashMap<>();
        for (TopicImage topic : newImage.topics().topicsById().values()) {
            topic.partitions().forEach((partition, registration) -> {
                if (registration.hasReplica(brokerId)) {
                    TopicIdPartition id = new TopicIdPartition(topic.id(), topic.name(), partition);
                    (registration.leader() == brokerId ? leaders : followers).put(id, registration);
                }
            });
        }
        return new LocalReplicaChanges(leaders, followers, java.util.Set.of());
    }

    private void applyRoles(LocalReplicaChanges changes, MetadataImage newImage, Function<String, LogConfig> logConfigs) {
        List<Map.Entry<TopicIdPartition, PartitionRegistration>> work = new ArrayList<>(changes.leaders().entrySet());
        work.addAll(changes.followers().entrySet());
        if (work.size() <= PARALLEL_TRANSITIONS_MIN) {
            work.forEach(entry -> transition(entry.getKey(), entry.getValue(), logConfigs));
        } else {
            // Creating a log costs a few fsyncs (partition.metadata, leader-epoch checkpoint, directory);
            // a topic of thousands of partitions overlaps them instead of paying them one after another.
            transitionPool.submit(() -> work.parallelStream()
                    .forEach(entry -> transition(entry.getKey(), entry.getValue(), logConfigs))).join();
        }
        if (!work.isEmpty()) {
            log.info("Broker {} leads {} and follows {} partition(s) changed at metadata offset {}", brokerId,
                    changes.leaders().size(), changes.followers().size(), newImage.offset());
        }
    }

    private void transition(TopicIdPartition id, PartitionRegistration registration, Function<String, LogConfig> logConfigs) {
        Partition partition = getOrCreatePartition(id, logConfigs);
        boolean wasLeader = partition.isLeader();
        int previousEpoch = partition.leaderEpoch();
        Actions actions = partition.applyRegistration(registration);
        TopicPartition tp = partition.topicPartition();
        if (partition.isLeader()) {
            if (fetchers != null) {
                fetchers.unfollow(tp);
            }
            if (!wasLeader || previousEpoch != partition.leaderEpoch()) {
                log.info("Broker {} leads {} at epoch {} (ISR {})", brokerId, tp, registration.leaderEpoch(), registration.isr());
                leadershipListeners.forEach(l -> l.onBecomeLeader(tp, registration.leaderEpoch()));
            }
        } else {
            if (fetchers != null) {
                if (registration.leader() >= 0) {
                    fetchers.follow(partition, registration.leader());
                } else {
                    fetchers.unfollow(tp);
                }
            }
            if (wasLeader) {
                log.info("Broker {} no longer leads {}: leader {} at epoch {}", brokerId, tp, registration.leader(),
                        registration.leaderEpoch());
                leadershipListeners.forEach(l -> l.onResign(tp, previousEpoch));
            }
        }
        apply(partition, actions);
        completeDelayedRequests(tp);
    }

    public void updateLogConfig(String topic, LogConfig config) {
        partitions.forEach((tp, partition) -> {
            if (tp.topic().equals(topic)) {
                partition.log().updateConfig(config);
            }
        });
    }

    private Partition getOrCreatePartition(TopicIdPartition id, Function<String, LogConfig> logConfigs) {
        TopicPartition tp = new TopicPartition(id.topicName(), id.partition());
        Partition existing = partitions.get(tp);
        if (existing != null) {
            return existing;
        }
        // The log is created (a few file writes) outside the map's lock; only the metadata thread creates.
        PartitionLog partitionLog = logManager.getOrCreateLog(tp, id.topicId(), logConfigs.apply(id.topicName()));
        return partitions.computeIfAbsent(tp, key -> new Partition(key, id.topicId(), brokerId, partitionLog, settings,
                context.lease(), context.time()));
    }

    /** Stops serving a replica the cluster no longer assigns to this broker and deletes its log. */
    public void deleteReplica(TopicPartition tp) {
        stopReplica(tp, true);
    }

    private void stopReplica(TopicPartition tp, boolean deleteLog) {
        if (fetchers != null) {
            fetchers.unfollow(tp);
        }
        Partition removed = partitions.remove(tp);
        if (removed != null) {
            if (removed.isLeader()) {
                leadershipListeners.forEach(l -> l.onResign(tp, removed.leaderEpoch()));
            }
            completeDelayedRequests(tp);
        }
        if (deleteLog && logManager.getLog(tp).isPresent()) {
            logManager.deleteLog(tp);
            log.info("Deleted replica {}", tp);
        }
    }

    private void completeDelayedRequests(TopicPartition tp) {
        producePurgatory.checkAndComplete(tp);
        fetchPurgatory.checkAndComplete(tp);
        replicaFetchPurgatory.checkAndComplete(tp);
    }

    // ---------------------------------------------------------------- the core's actions

    /** Publishes what the core decided: completions after a high watermark move, and ISR proposals. */
    void apply(Partition partition, Actions actions) {
        if (actions.highWatermarkAdvanced()) {
            producePurgatory.checkAndComplete(partition.topicPartition());
            fetchPurgatory.checkAndComplete(partition.topicPartition());
        }
        actions.proposal().ifPresent(proposal -> {
            if (proposals != null) {
                proposals.submit(partition, proposal);
            }
        });
    }

    /** A committed ISR change: its actions, and a count for the IsrShrinksPerSec and IsrExpandsPerSec metrics. */
    private void onProposalCommitted(Partition partition, Actions actions, int isrSizeBefore, int isrSizeAfter) {
        if (isrSizeAfter < isrSizeBefore) {
            isrShrinks.incrementAndGet();
        } else if (isrSizeAfter > isrSizeBefore) {
            isrExpands.incrementAndGet();
        }
        apply(partition, actions);
    }

    private void tick() {
        for (Partition partition : partitions.values()) {
            try {
                apply(partition, partition.onTick());
            } catch (RuntimeException e) {
                log.error("Broker {}: replication tick of {} failed", brokerId, partition.topicPartition(), e);
            }
        }
    }

    // ---------------------------------------------------------------- produce

    /**
     * Appends each partition's batches as leader and calls {@code callback} once with every result:
     * at once for acks 0 and 1, after replication to the ISR (or the timeout) for acks=-1.
     */
    public void appendRecords(int requiredAcks, long timeoutMs, Map<TopicPartition, ProduceInput> inputs,
                              Consumer<Map<TopicPartition, ProduceResult>> callback) {
        Map<TopicPartition, ProduceResult> results = new LinkedHashMap<>();
        Map<TopicPartition, DelayedProduce.Pending> pending = new LinkedHashMap<>();
        inputs.forEach((tp, input) -> {
            try {
                Partition partition = leaderPartition(tp);
                Partition.LeaderAppend append = partition.appendRecordsToLeader(input.records(), requiredAcks,
                        input.currentLeaderEpoch());
                LogAppendInfo info = append.info();
                topicStats.recordProduce(tp, false, info.validBytes(), info.recordCount());
                apply(partition, append.actions());
                replicaFetchPurgatory.checkAndComplete(tp);
                ProduceResult success = ProduceResult.success(info.firstOffset(), info.logAppendTimeMs(), info.logStartOffset());
                if (requiredAcks == -1) {
                    pending.put(tp, new DelayedProduce.Pending(info.lastOffset() + 1, success, append.leaderEpoch()));
                } else {
                    results.put(tp, success);
                }
                fetchPurgatory.checkAndComplete(tp);
                producePurgatory.checkAndComplete(tp);
            } catch (RuntimeException e) {
                topicStats.recordProduce(tp, true, 0, 0);
                results.put(tp, produceError(tp, e));
            }
        });
        if (pending.isEmpty()) {
            callback.accept(results);
            return;
        }
        DelayedProduce delayed = new DelayedProduce(timeoutMs, results, pending, partitions::get, callback);
        producePurgatory.tryCompleteElseWatch(delayed, List.copyOf(pending.keySet()));
    }

    private ProduceResult produceError(TopicPartition tp, RuntimeException e) {
        if (e instanceof NotLeaderException notLeader) {
            return ProduceResult.error(notLeader.code(), notLeader.getMessage(), notLeader.leaderId(), notLeader.leaderEpoch());
        }
        if (e instanceof ApiException api) {
            return ProduceResult.error(api.code(), api.getMessage(), -1, -1);
        }
        log.error("Unexpected error appending to {}", tp, e);
        return ProduceResult.error(ErrorCode.UNKNOWN_SERVER_ERROR, "unexpected error appending to " + tp + ": " + e, -1, -1);
    }

    /** The local partition if this broker hosts it, else the right error for the client. */
    private Partition leaderPartition(TopicPartition tp) {
        Partition partition = partitions.get(tp);
        if (partition != null) {
            return partition;
        }
        TopicImage topic = image.topics().getTopic(tp.topic());
        PartitionRegistration registration = topic == null ? null : topic.partitions().get(tp.partition());
        if (registration == null) {
            throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topic == null
                    ? "topic '" + tp.topic() + "' does not exist"
                    : "topic '" + tp.topic() + "' has no partition " + tp.partition() + " (it has " + topic.partitions().size() + ")");
        }
        throw new NotLeaderException(tp, registration.leader(), registration.leaderEpoch());
    }

    // ---------------------------------------------------------------- fetch

    /** Reads for a consumer; long-polls in purgatory when fewer than {@code minBytes} are available. */
    public void fetch(FetchParams params, LinkedHashMap<TopicPartition, FetchInput> inputs,
                      Consumer<LinkedHashMap<TopicPartition, FetchResult>> answer) {
        // Counted as answered (after any wait in purgatory): a delayed fetch reads again before answering.
        Consumer<LinkedHashMap<TopicPartition, FetchResult>> callback = results -> {
            results.forEach((tp, result) -> topicStats.recordFetch(tp, result.error() != ErrorCode.NONE, result.sizeInBytes()));
            answer.accept(results);
        };
        Map<TopicPartition, LogOffsetMetadata> positions = new LinkedHashMap<>();
        LinkedHashMap<TopicPartition, FetchResult> results = read(params, inputs, positions);
        long bytes = results.values().stream().mapToLong(FetchResult::sizeInBytes).sum();
        boolean anyError = results.values().stream().anyMatch(r -> r.error() != ErrorCode.NONE);
        if (params.maxWaitMs() <= 0 || bytes >= params.minBytes() || anyError || inputs.isEmpty()) {
            callback.accept(results);
            return;
        }
        DelayedFetch delayed = new DelayedFetch(params, inputs, positions, partitions::get,
                again -> callback.accept(read(params, again, new LinkedHashMap<>())));
        fetchPurgatory.tryCompleteElseWatch(delayed, List.copyOf(inputs.keySet()));
    }

    private LinkedHashMap<TopicPartition, FetchResult> read(FetchParams params, LinkedHashMap<TopicPartition, FetchInput> inputs,
                                                            Map<TopicPartition, LogOffsetMetadata> positions) {
        LinkedHashMap<TopicPartition, FetchResult> results = new LinkedHashMap<>();
        long remaining = params.maxBytes();
        boolean first = true;
        for (Map.Entry<TopicPartition, FetchInput> entry : inputs.entrySet()) {
            TopicPartition tp = entry.getKey();
            FetchInput input = entry.getValue();
            try {
                Partition partition = leaderPartition(tp);
                int limit = (int) Math.max(0, Math.min(input.partitionMaxBytes(), remaining));
                FetchDataInfo data = partition.readRecords(input.fetchOffset(), limit, first, input.currentLeaderEpoch());
                ByteBuffer records = data.records().readAllBytes();
                positions.put(tp, data.fetchOffsetMetadata());
                if (records.remaining() > 0) {
                    first = false;
                    remaining -= records.remaining();
                }
                results.put(tp, new FetchResult(ErrorCode.NONE, "", partition.highWatermark(),
                        partition.log().logStartOffset(), records, -1, -1));
            } catch (NotLeaderException e) {
                results.put(tp, FetchResult.error(e.code(), e.getMessage(), e.leaderId(), e.leaderEpoch()));
            } catch (ApiException e) {
                results.put(tp, FetchResult.error(e.code(), e.getMessage(), -1, -1));
            } catch (RuntimeException e) {
                log.error("Unexpected error reading {}", tp, e);
                results.put(tp, FetchResult.error(ErrorCode.UNKNOWN_SERVER_ERROR, "unexpected error reading " + tp + ": " + e, -1, -1));
            }
        }
        return results;
    }

    // ---------------------------------------------------------------- follower fetches (leader side)

    /** Bound on how long a follower fetch may wait, whatever it asks. */
    static final int REPLICA_FETCH_WAIT_MS_MAX = 30_000;

    /**
     * Answers a follower's fetch: for each partition, checks the follower's epoch and position, records its
     * progress (which may move the high watermark, complete acks=all produces and grow the ISR), and reads
     * from its position up to the log end. With fewer than {@code min_bytes} and a wait allowed, the fetch
     * waits in purgatory for an append. {@code reply} is called exactly once.
     */
    public void fetchForFollower(ReplicaFetchRequest request, Consumer<ReplicaFetchResponse> reply) {
        String invalid = invalidReplicaFetch(request);
        if (invalid != null) {
            reply.accept(ReplicaFetchResponse.newBuilder().setError(ErrorCode.INVALID_REQUEST).setErrorMessage(invalid).build());
            return;
        }
        int followerId = request.getReplicaId();
        long token = request.hasLeaseToken() ? request.getLeaseToken() : io.runnel.replication.core.FollowerProgress.NO_TOKEN;
        IntPredicate eligible = eligibleForIsr(image);
        Map<TopicPartition, ReplicaFetchPartitionResponse.Builder> early = new LinkedHashMap<>();
        Map<TopicPartition, Partition.FollowerFetchOutcome> toRead = new LinkedHashMap<>();
        for (ReplicaFetchTopic topic : request.getTopicsList()) {
            for (ReplicaFetchPartition fetch : topic.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(topic.getTopic(), fetch.getPartition());
                ReplicaFetchPartitionResponse.Builder answer = ReplicaFetchPartitionResponse.newBuilder().setPartition(tp.partition());
                Partition partition = partitions.get(tp);
                if (partition == null || early.containsKey(tp) || toRead.containsKey(tp)) {
                    early.put(tp, answer.setError(partition == null ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.INVALID_REQUEST)
                            .setErrorMessage(partition == null ? "broker " + brokerId + " has no replica of " + tp
                                    : tp + " appears twice in one fetch"));
                    continue;
                }
                try {
                    Partition.FollowerFetchOutcome outcome = partition.onFollowerFetch(followerId, fetch, token, eligible);
                    apply(partition, outcome.actions());
                    if (outcome.validation().isServe()) {
                        toRead.put(tp, outcome);
                    } else if (outcome.validation().isDiverging()) {
                        var diverging = outcome.validation().diverging();
                        early.put(tp, partition.describeForFollower(answer.setError(ErrorCode.NONE)).setDivergingEpoch(
                                EpochEndOffset.newBuilder().setEpoch(diverging.epoch()).setEndOffset(diverging.endOffset())));
                    } else {
                        early.put(tp, partition.describeForFollower(answer.setError(outcome.validation().error())
                                .setErrorMessage(outcome.validation().message())));
                    }
                } catch (ApiException e) {
                    early.put(tp, answer.setError(e.code()).setErrorMessage(String.valueOf(e.getMessage())));
                }
            }
        }
        Runnable answer = () -> reply.accept(replicaFetchResponse(request, early, toRead));
        int maxWaitMs = Math.min(request.getMaxWaitMs(), REPLICA_FETCH_WAIT_MS_MAX);
        if (maxWaitMs <= 0 || !early.isEmpty() || toRead.isEmpty() || hasData(toRead, request.getMinBytes())) {
            answer.run();
            return;
        }
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        toRead.forEach((tp, outcome) -> offsets.put(tp, outcome.fetchOffset()));
        DelayedReplicaFetch delayed = new DelayedReplicaFetch(maxWaitMs, offsets, Math.max(1, request.getMinBytes()),
                partitions::get, answer);
        replicaFetchPurgatory.tryCompleteElseWatch(delayed, List.copyOf(offsets.keySet()));
    }

    private static String invalidReplicaFetch(ReplicaFetchRequest request) {
        if (request.getReplicaId() < 0) {
            return "replica_id " + request.getReplicaId() + " is not a broker id";
        }
        if (request.getMaxBytes() <= 0) {
            return "max_bytes " + request.getMaxBytes() + " must be positive";
        }
        if (request.getMinBytes() < 0) {
            return "min_bytes " + request.getMinBytes() + " must not be negative";
        }
        for (ReplicaFetchTopic topic : request.getTopicsList()) {
            for (ReplicaFetchPartition fetch : topic.getPartitionsList()) {
                if (fetch.getPartitionMaxBytes() <= 0) {
                    return "partition_max_bytes " + fetch.getPartitionMaxBytes() + " of " + topic.getTopic() + "-"
                            + fetch.getPartition() + " must be positive";
                }
            }
        }
        return null;
    }

    private boolean hasData(Map<TopicPartition, Partition.FollowerFetchOutcome> toRead, int minBytes) {
        long records = 0;
        for (Map.Entry<TopicPartition, Partition.FollowerFetchOutcome> entry : toRead.entrySet()) {
            Partition partition = partitions.get(entry.getKey());
            if (partition == null) {
                return true;
            }
            records += Math.max(0, partition.log().logEndOffset() - entry.getValue().fetchOffset());
        }
        return records > 0 && records >= minBytes;
    }

    private ReplicaFetchResponse replicaFetchResponse(ReplicaFetchRequest request,
                                                      Map<TopicPartition, ReplicaFetchPartitionResponse.Builder> early,
                                                      Map<TopicPartition, Partition.FollowerFetchOutcome> toRead) {
        Map<String, ReplicaFetchTopicResponse.Builder> topics = new LinkedHashMap<>();
        early.forEach((tp, answer) -> topics.computeIfAbsent(tp.topic(), t -> ReplicaFetchTopicResponse.newBuilder().setTopic(t))
                .addPartitions(answer));
        long remaining = request.getMaxBytes();
        boolean first = true;
        for (Map.Entry<TopicPartition, Partition.FollowerFetchOutcome> entry : toRead.entrySet()) {
            TopicPartition tp = entry.getKey();
            ReplicaFetchPartitionResponse.Builder answer = ReplicaFetchPartitionResponse.newBuilder().setPartition(tp.partition());
            Partition partition = partitions.get(tp);
            try {
                if (partition == null || !partition.isLeader()) {
                    throw new NotLeaderException(tp, partition == null ? -1 : partition.leaderId(),
                            partition == null ? -1 : partition.leaderEpoch());
                }
                int limit = (int) Math.max(first ? 1 : 0, Math.min(entry.getValue().maxBytes(), remaining));
                boolean throttled = isLeaderThrottled(tp, partition, request.getReplicaId());
                long now = nowMs();
                if (throttled && leaderQuota.isExceeded(leaderRate(), now)) {
                    limit = 0; // the moving replica's share of leader.replication.throttled.rate is used up
                }
                ByteBuffer records = ByteBuffer.allocate(0);
                if (limit > 0) {
                    FetchDataInfo data = partition.readForFollower(entry.getValue().fetchOffset(), limit);
                    records = data.records().readAllBytes();
                    topicStats.recordReplicationBytesOut(records.remaining());
                    if (throttled) {
                        leaderQuota.record(records.remaining(), leaderRate(), now);
                    }
                }
                if (records.remaining() > 0) {
                    first = false;
                    remaining -= records.remaining();
                }
                partition.describeForFollower(answer.setError(ErrorCode.NONE)).setRecords(UnsafeByteOperations.unsafeWrap(records));
            } catch (ApiException e) {
                answer.setError(e.code()).setErrorMessage(String.valueOf(e.getMessage()));
            }
            topics.computeIfAbsent(tp.topic(), t -> ReplicaFetchTopicResponse.newBuilder().setTopic(t)).addPartitions(answer);
        }
        ReplicaFetchResponse.Builder response = ReplicaFetchResponse.newBuilder().setError(ErrorCode.NONE)
                .setLeaseToken(TimeUnit.NANOSECONDS.toMillis(context.time().nanoseconds()));
        topics.values().forEach(response::addTopics);
        return response.build();
    }

    // ---------------------------------------------------------------- replication throttles

    /**
     * Kafka's rule: the leader throttles a partition listed in leader.replication.throttled.replicas for
     * this broker, towards a follower outside the ISR (a replica being added or catching up).
     */
    private boolean isLeaderThrottled(TopicPartition tp, Partition partition, int followerId) {
        var throttles = image.configs().replicationThrottles();
        return !throttles.isEmpty() && throttles.isLeaderThrottled(tp.topic(), tp.partition(), brokerId)
                && !partition.isr().contains(followerId);
    }

    private long leaderRate() {
        return image.configs().replicationThrottles().leaderRateBytesPerSecond(brokerId);
    }

    private long nowMs() {
        return TimeUnit.NANOSECONDS.toMillis(context.time().nanoseconds());
    }

    /** The follower side: follower.replication.throttled.replicas for this broker, outside the ISR. */
    private final class FollowerThrottle implements ReplicaFetcher.Throttle {
        @Override
        public boolean skip(TopicPartition tp) {
            return isThrottled(tp) && followerQuota.isExceeded(rate(), nowMs());
        }

        @Override
        public void record(TopicPartition tp, int bytes) {
            topicStats.recordReplicationBytesIn(bytes);
            if (bytes > 0 && isThrottled(tp)) {
                followerQuota.record(bytes, rate(), nowMs());
            }
        }

        private boolean isThrottled(TopicPartition tp) {
            var throttles = image.configs().replicationThrottles();
            if (throttles.isEmpty() || !throttles.isFollowerThrottled(tp.topic(), tp.partition(), brokerId)) {
                return false;
            }
            var topic = image.topics().getTopic(tp.topic());
            var registration = topic == null ? null : topic.partition(tp.partition());
            return registration == null || !registration.isInIsr(brokerId);
        }

        private long rate() {
            return image.configs().replicationThrottles().followerRateBytesPerSecond(brokerId);
        }
    }

    /** Brokers that may join an ISR: registered, unfenced and not shutting down (KIP-841). */
    private static IntPredicate eligibleForIsr(MetadataImage image) {
        return id -> {
            BrokerRegistration broker = image.cluster().broker(id);
            return broker != null && !broker.fenced() && !broker.inControlledShutdown();
        };
    }

    // ---------------------------------------------------------------- metrics

    /** Led partitions whose ISR is smaller than their replica set (Kafka's UnderReplicatedPartitions). */
    public long underReplicatedPartitions() {
        return partitions.values().stream().filter(p -> p.isLeader() && p.isr().size() < p.replicas().size()).count();
    }

    /** Led partitions whose ISR is smaller than min.insync.replicas (Kafka's UnderMinIsrPartitionCount). */
    public long underMinIsrPartitions() {
        return partitions.values().stream()
                .filter(p -> p.isLeader() && p.isr().size() < p.log().config().minInSyncReplicas()).count();
    }

    public long isrShrinks() {
        return isrShrinks.get();
    }

    /** Traffic counters per topic and in total (Kafka's BrokerTopicMetrics). */
    public BrokerTopicStats topicStats() {
        return topicStats;
    }

    /**
     * The purgatories by Kafka's delayedOperation names (Produce, Fetch) plus ReplicaFetch (Kafka keeps
     * follower fetches in the Fetch purgatory; here they wait in their own), for the purgatory metrics.
     */
    public Map<String, DelayedOperationPurgatory<?>> purgatories() {
        Map<String, DelayedOperationPurgatory<?>> all = new LinkedHashMap<>();
        all.put("Produce", producePurgatory);
        all.put("Fetch", fetchPurgatory);
        all.put("ReplicaFetch", replicaFetchPurgatory);
        return all;
    }

    public long isrExpands() {
        return isrExpands.get();
    }

    /** The largest follower lag, in records, over the partitions this broker leads. */
    public long maxFollowerLag() {
        return partitions.values().stream().mapToLong(Partition::maxFollowerLag).max().orElse(0);
    }

    /** Partitions this broker fetches as a follower. */
    public int followedPartitions() {
        return fetchers == null ? 0 : fetchers.partitionCount();
    }

    // ---------------------------------------------------------------- offsets

    /** Kafka's ListOffsets for a consumer: earliest (-2), latest (-1, the high watermark), the record with the largest timestamp (-3), or the first at or after a time. */
    public TimestampAndOffset listOffset(TopicPartition tp, long timestamp, OptionalInt currentLeaderEpoch) {
        Partition partition = leaderPartition(tp);
        partition.ensureReadable(currentLeaderEpoch);
        PartitionLog partitionLog = partition.log();
        OptionalInt epoch = OptionalInt.of(partition.leaderEpoch());
        if (timestamp == EARLIEST_TIMESTAMP) {
            return new TimestampAndOffset(-1, partitionLog.logStartOffset(), epoch);
        }
        if (timestamp == LATEST_TIMESTAMP) {
            return new TimestampAndOffset(-1, partition.highWatermark(), epoch);
        }
        if (timestamp < 0 && timestamp != MAX_TIMESTAMP) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "ListOffsets timestamp " + timestamp
                    + " is not supported: use -2 (earliest), -1 (latest), -3 (largest timestamp) or a time in ms");
        }
        Optional<TimestampAndOffset> found = partitionLog.fetchOffsetByTimestamp(timestamp);
        if (found.isEmpty() || found.get().offset() >= partition.highWatermark()) {
            return new TimestampAndOffset(-1, -1, OptionalInt.empty());
        }
        return found.get();
    }

    /** The end offset of {@code epoch} on this leader (for followers truncating by epoch). */
    public OffsetAndEpoch endOffsetForEpoch(TopicPartition tp, int epoch, OptionalInt currentLeaderEpoch) {
        return leaderPartition(tp).endOffsetForEpoch(epoch, currentLeaderEpoch);
    }

    /** DeleteRecords: moves the log start offset up to {@code offset} (-1: the high watermark). */
    public long deleteRecords(TopicPartition tp, long offset) {
        Partition partition = leaderPartition(tp);
        partition.ensureReadable(OptionalInt.empty());
        long target = offset == -1 ? partition.highWatermark() : offset;
        if (target < 0 || target > partition.highWatermark()) {
            throw new ApiException(ErrorCode.OFFSET_OUT_OF_RANGE, "cannot delete records of " + tp + " below offset "
                    + target + ": it must lie between the log start offset " + partition.log().logStartOffset()
                    + " and the high watermark " + partition.highWatermark());
        }
        partition.log().maybeIncrementLogStartOffset(target);
        partition.log().deleteOldSegments();
        return partition.log().logStartOffset();
    }

    /** Stops fetching, ticking and proposing, then the purgatories. */
    @Override
    public void close() {
        if (fetchers != null) {
            fetchers.close();
        }
        if (proposals != null) {
            proposals.close();
        }
        scheduler.shutdownNow();
        transitionPool.shutdownNow();
        producePurgatory.close();
        fetchPurgatory.close();
        replicaFetchPurgatory.close();
    }
}
