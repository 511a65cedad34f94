package io.runnel.replication;

import static io.runnel.common.ListOffsetsTimestamps.EARLIEST_TIMESTAMP;
import static io.runnel.common.ListOffsetsTimestamps.LATEST_TIMESTAMP;
import static io.runnel.common.ListOffsetsTimestamps.MAX_TIMESTAMP;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.metadata.image.LocalReplicaChanges;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicIdPartition;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.ErrorCode;
import io.runnel.purgatory.DelayedOperationPurgatory;
import io.runnel.storage.FetchDataInfo;
import io.runnel.storage.LogAppendInfo;
import io.runnel.storage.LogConfig;
import io.runnel.storage.LogManager;
import io.runnel.storage.LogOffsetMetadata;
import io.runnel.storage.OffsetAndEpoch;
import io.runnel.storage.PartitionLog;
import io.runnel.storage.TimestampAndOffset;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's replicas: creates, leads, follows and deletes them as the metadata image says, and
 * serves produce, fetch and list-offsets against them. Requests that must wait (acks=all, long-poll
 * fetches) wait in purgatories keyed by topic-partition; every append re-checks both.
 *
 * <p>Thread-safe. Metadata changes arrive on the metadata loader's single thread
 * ({@link #applyDelta}); requests arrive on gRPC threads. The partition map is concurrent and each
 * {@link Partition} guards its own state.
 */
public final class ReplicaManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);
    private static final int PURGE_INTERVAL_REQUESTS = 1_000;
    /** Below this many partition changes in one delta, they are applied one after another. */
    private static final int PARALLEL_TRANSITIONS_MIN = 16;
    /** Threads that create logs and change leadership in parallel for large metadata changes. */
    private static final java.util.concurrent.ForkJoinPool TRANSITION_POOL = new java.util.concurrent.ForkJoinPool(8);

    private final int brokerId;
    private final LogManager logManager;
    private final ConcurrentHashMap<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    private final DelayedOperationPurgatory<DelayedProduce> producePurgatory;
    private final DelayedOperationPurgatory<DelayedFetch> fetchPurgatory;
    private final List<LeadershipListener> leadershipListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;

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

    public ReplicaManager(int brokerId, LogManager logManager) {
        this(brokerId, logManager, new DelayedOperationPurgatory<>("produce-purgatory", PURGE_INTERVAL_REQUESTS),
                new DelayedOperationPurgatory<>("fetch-purgatory", PURGE_INTERVAL_REQUESTS));
    }

    /** With the given purgatories: tests pass ones whose clock they drive. */
    ReplicaManager(int brokerId, LogManager logManager, DelayedOperationPurgatory<DelayedProduce> producePurgatory,
                   DelayedOperationPurgatory<DelayedFetch> fetchPurgatory) {
        this.brokerId = brokerId;
        this.logManager = logManager;
        this.producePurgatory = producePurgatory;
        this.fetchPurgatory = fetchPurgatory;
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
     * image assigns it (creating their logs) and deletes the replicas it no longer holds.
     */
    public void applyDelta(LocalReplicaChanges changes, MetadataImage newImage, Function<String, LogConfig> logConfigs) {
        this.image = newImage;
        for (TopicIdPartition id : changes.deletes()) {
            stopReplica(new TopicPartition(id.topicName(), id.partition()), true);
        }
        List<Map.Entry<TopicIdPartition, PartitionRegistration>> work = new java.util.ArrayList<>(changes.leaders().entrySet());
        work.addAll(changes.followers().entrySet());
        if (work.size() <= PARALLEL_TRANSITIONS_MIN) {
            work.forEach(entry -> transition(entry.getKey(), entry.getValue(), logConfigs));
        } else {
            // Creating a log costs a few fsyncs (partition.metadata, leader-epoch checkpoint, directory);
            // a topic of thousands of partitions overlaps them instead of paying them one after another.
            TRANSITION_POOL.submit(() -> work.parallelStream()
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
        TopicPartition tp = partition.topicPartition();
        if (registration.leader() == brokerId) {
            partition.makeLeader(registration);
            log.debug("Leading {} at epoch {} (ISR {})", tp, registration.leaderEpoch(), registration.isr());
            if (!wasLeader || previousEpoch != registration.leaderEpoch()) {
                leadershipListeners.forEach(l -> l.onBecomeLeader(tp, registration.leaderEpoch()));
            }
        } else {
            partition.makeFollower(registration);
            log.debug("Following {} at epoch {} (leader {})", tp, registration.leaderEpoch(), registration.leader());
            if (wasLeader) {
                leadershipListeners.forEach(l -> l.onResign(tp, previousEpoch));
            }
        }
        completeDelayedRequests(tp);
    }

    /** Records the newest image (for leader hints and existence checks) when no local replica changed. */
    public void updateImage(MetadataImage newImage) {
        this.image = newImage;
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
        return partitions.computeIfAbsent(tp, key -> {
            PartitionLog partitionLog = logManager.getOrCreateLog(key, id.topicId(), logConfigs.apply(id.topicName()));
            return new Partition(key, id.topicId(), brokerId, partitionLog);
        });
    }

    /** Stops serving a replica the cluster no longer assigns to this broker and deletes its log. */
    public void deleteReplica(TopicPartition tp) {
        stopReplica(tp, true);
    }

    private void stopReplica(TopicPartition tp, boolean deleteLog) {
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
                LogAppendInfo info = partition.appendRecordsToLeader(input.records(), requiredAcks, input.currentLeaderEpoch());
                ProduceResult success = ProduceResult.success(info.firstOffset(), info.logAppendTimeMs(), info.logStartOffset());
                if (requiredAcks == -1) {
                    pending.put(tp, new DelayedProduce.Pending(info.lastOffset() + 1, success));
                } else {
                    results.put(tp, success);
                }
                fetchPurgatory.checkAndComplete(tp);
                producePurgatory.checkAndComplete(tp);
            } catch (RuntimeException e) {
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
                      Consumer<LinkedHashMap<TopicPartition, FetchResult>> callback) {
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

    // ---------------------------------------------------------------- offsets

    /** Kafka's ListOffsets for a consumer: earliest (-2), latest (-1, the high watermark), the record with the largest timestamp (-3), or the first at or after a time. */
    public TimestampAndOffset listOffset(TopicPartition tp, long timestamp, OptionalInt currentLeaderEpoch) {
        Partition partition = leaderPartition(tp);
        partition.ensureLeader(currentLeaderEpoch);
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
        Partition partition = leaderPartition(tp);
        partition.ensureLeader(currentLeaderEpoch);
        return partition.log().endOffsetForEpoch(epoch).orElse(new OffsetAndEpoch(-1, -1));
    }

    /** DeleteRecords: moves the log start offset up to {@code offset} (-1: the high watermark). */
    public long deleteRecords(TopicPartition tp, long offset) {
        Partition partition = leaderPartition(tp);
        partition.ensureLeader(OptionalInt.empty());
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

    @Override
    public void close() {
        producePurgatory.close();
        fetchPurgatory.close();
    }
}
