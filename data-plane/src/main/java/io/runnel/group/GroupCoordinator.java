package io.runnel.group;

import io.runnel.common.InternalTopics;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.time.Time;
import io.runnel.group.core.CommittedOffset;
import io.runnel.group.core.CoordinatorRecord;
import io.runnel.group.core.GroupLimits;
import io.runnel.group.core.GroupRecords;
import io.runnel.group.core.GroupShard;
import io.runnel.group.core.HeartbeatResult;
import io.runnel.group.core.MemberUpdate;
import io.runnel.group.core.Partitions;
import io.runnel.group.core.ShardResult;
import io.runnel.group.core.TopicView;
import io.runnel.metadata.client.MetadataPublisher;
import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.Assignment;
import io.runnel.proto.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.DeleteGroupResult;
import io.runnel.proto.DeleteGroupsRequest;
import io.runnel.proto.DeleteGroupsResponse;
import io.runnel.proto.DescribeGroupsRequest;
import io.runnel.proto.DescribeGroupsResponse;
import io.runnel.proto.DescribedGroup;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ListGroupsRequest;
import io.runnel.proto.ListGroupsResponse;
import io.runnel.proto.OffsetCommitPartition;
import io.runnel.proto.OffsetCommitRequest;
import io.runnel.proto.OffsetCommitResponse;
import io.runnel.proto.OffsetCommitTopic;
import io.runnel.proto.OffsetCommitTopicResult;
import io.runnel.proto.OffsetDeleteRequest;
import io.runnel.proto.OffsetDeleteResponse;
import io.runnel.proto.OffsetDeleteTopicResult;
import io.runnel.proto.OffsetFetchPartition;
import io.runnel.proto.OffsetFetchRequest;
import io.runnel.proto.OffsetFetchResponse;
import io.runnel.proto.OffsetFetchTopic;
import io.runnel.proto.PartitionResult;
import io.runnel.proto.TopicPartitions;
import io.runnel.replication.ProduceInput;
import io.runnel.replication.ProduceResult;
import io.runnel.replication.ReplicaManager;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator of one broker: the {@link GroupShard}s of the {@code __consumer_offsets} partitions
 * it leads, an event thread that runs every operation on them, and the appends that make their records
 * durable.
 *
 * <p><b>Leadership.</b> When the broker becomes leader of an offsets partition ({@link #onBecomeLeader}), a
 * loader thread reads the partition from its log start to its end and replays every record into a new shard;
 * until then requests for its groups are answered COORDINATOR_LOAD_IN_PROGRESS. When the broker resigns, the
 * shard is dropped, waiting answers fail with NOT_COORDINATOR and its members' streams end with it, so the
 * members find the new coordinator.
 *
 * <p><b>Writes.</b> An operation's records (already applied to the shard) are appended as leader with
 * acks=all, at the leader epoch the shard was loaded at. Its answer, and the pushes to other members' streams,
 * wait until those records are replicated, behind every earlier write of the shard (so an answer never
 * reveals state that a failover could lose). A failed append fails everything waiting and reloads the shard
 * from the log, which is then the truth.
 *
 * <p><b>Threads.</b> Callers (gRPC threads, the metadata loader, append callbacks) only queue events; the
 * event thread {@code group-coordinator-<broker>} owns the shards, the sessions and every answer; the loader
 * thread only reads logs into new shards. Requests wait in a queue of {@value #REQUEST_QUEUE_MAX}; beyond it
 * they are refused COORDINATOR_NOT_AVAILABLE. Member streams are bounded by {@value #MEMBER_STREAMS_MAX}.
 * Thread-safe.
 */
public final class GroupCoordinator implements ReplicaManager.LeadershipListener, MetadataPublisher, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    /** Requests waiting for the event thread at most; a heartbeat counts once per stream (newer ones replace it). */
    static final int REQUEST_QUEUE_MAX = 10_000;
    /** Open member streams per broker at most. */
    public static final int MEMBER_STREAMS_MAX = 10_000;
    /** Bytes of records per batch appended to __consumer_offsets (below the default max.message.bytes). */
    static final int BATCH_BYTES_MAX = 512 * 1024;
    /** Longest the event thread sleeps without a deadline, so a close is noticed. */
    private static final long IDLE_WAIT_MS = 1_000;

    private final int brokerId;
    private final ReplicaManager replicaManager;
    private final Supplier<MetadataImage> image;
    private final InternalTopicCreator topicCreator;
    private final GroupCoordinatorConfig config;
    private final Time time;
    private final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>(REQUEST_QUEUE_MAX);
    /** Completions of appends and loads, and leadership and metadata events: bounded by what caused them. */
    private final ConcurrentLinkedQueue<Runnable> internal = new ConcurrentLinkedQueue<>();
    private final Thread eventThread;
    private final ExecutorService loader;
    private final AtomicBoolean creatingTopic = new AtomicBoolean();
    private final AtomicInteger openStreams = new AtomicInteger();
    private volatile boolean closed;

    // ---- event thread only ----
    private final Map<Integer, Shard> shards = new HashMap<>();
    private final Map<MemberKey, Session> sessions = new HashMap<>();
    private TopicView topics;

    private record MemberKey(String groupId, String memberId) {
    }

    /** A request for the event thread, and how to refuse it when it cannot run (queue full, shutdown). */
    private record Request(Runnable run, Consumer<ApiException> refused) {
    }

    private static final Request WAKE_UP = new Request(() -> { }, error -> { });

    /** An answer or push that waits for the append of sequence {@code seq} of its shard. */
    private record Deferred(long seq, Runnable deliver, Consumer<ApiException> fail) {
    }

    /** One led offsets partition: its groups once loaded, and the writes not yet replicated. Event thread only. */
    private static final class Shard {
        final int partition;
        final int leaderEpoch;
        GroupShard groups;
        boolean failed;
        long appendedSeq;
        long replicatedSeq;
        final ArrayDeque<Deferred> waiting = new ArrayDeque<>();

        Shard(int partition, int leaderEpoch) {
            this.partition = partition;
            this.leaderEpoch = leaderEpoch;
        }
    }

    public GroupCoordinator(int brokerId, ReplicaManager replicaManager, Supplier<MetadataImage> image,
                            InternalTopicCreator topicCreator, GroupCoordinatorConfig config, Time time) {
        this.brokerId = brokerId;
        this.replicaManager = replicaManager;
        this.image = image;
        this.topicCreator = topicCreator;
        this.config = config;
        this.time = time;
        this.topics = view(image.get());
        this.loader = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "group-loader-" + brokerId);
            thread.setDaemon(true);
            return thread;
        });
        this.eventThread = new Thread(this::run, "group-coordinator-" + brokerId);
        this.eventThread.setDaemon(true);
        this.eventThread.start();
    }

    public GroupCoordinatorConfig config() {
        return config;
    }

    // ==== where groups live ==========================================================================

    /** Kafka's rule: the offsets partition of a group is {@code (groupId.hashCode() & 0x7fffffff) % partitions}. */
    public static int partitionFor(String groupId, int partitions) {
        return (groupId.hashCode() & 0x7fffffff) % partitions;
    }

    /** The partition count in use: the topic's when it exists, else offsets.topic.num.partitions. */
    private int offsetsPartitions(MetadataImage current) {
        TopicImage topic = current.topics().getTopic(InternalTopics.CONSUMER_OFFSETS);
        return topic != null ? topic.partitionCount() : config.offsetsTopicPartitions();
    }

    /**
     * The broker coordinating a group: the leader of its offsets partition, or -1 when there is none yet. The
     * first call in a cluster without {@code __consumer_offsets} asks the controller to create it (50
     * partitions, replication factor min(offsets.topic.replication.factor, live brokers), compacted).
     */
    public int coordinatorFor(String groupId) {
        MetadataImage current = image.get();
        TopicImage topic = current.topics().getTopic(InternalTopics.CONSUMER_OFFSETS);
        if (topic == null) {
            createOffsetsTopic(current);
            return -1;
        }
        PartitionRegistration registration = topic.partition(partitionFor(groupId, topic.partitionCount()));
        return registration == null ? -1 : registration.leader();
    }

    private void createOffsetsTopic(MetadataImage current) {
        if (!creatingTopic.compareAndSet(false, true)) {
            return;
        }
        int liveBrokers = Math.max(1, current.cluster().activeBrokers().size());
        short replicationFactor = (short) Math.min(config.offsetsTopicReplicationFactor(), liveBrokers);
        log.info("Creating {} with {} partitions and replication factor {} for the group coordinator",
                InternalTopics.CONSUMER_OFFSETS, config.offsetsTopicPartitions(), replicationFactor);
        topicCreator.create(InternalTopics.CONSUMER_OFFSETS, config.offsetsTopicPartitions(), replicationFactor,
                        InternalTopics.defaultConfigs(InternalTopics.CONSUMER_OFFSETS))
                .whenComplete((done, error) -> {
                    creatingTopic.set(false);
                    if (error != null) {
                        log.warn("Creating {} failed (the next FindCoordinator tries again): {}",
                                InternalTopics.CONSUMER_OFFSETS, error.getMessage());
                    }
                });
    }

    /** The shard of a group, or the error a client of this broker gets. Event thread only. */
    private Shard shardFor(String groupId) {
        GroupLimits.validateGroupId(groupId);
        MetadataImage current = image.get();
        int partition = partitionFor(groupId, offsetsPartitions(current));
        Shard shard = shards.get(partition);
        if (shard == null) {
            TopicImage topic = current.topics().getTopic(InternalTopics.CONSUMER_OFFSETS);
            PartitionRegistration registration = topic == null ? null : topic.partition(partition);
            throw new ApiException(ErrorCode.NOT_COORDINATOR, "broker " + brokerId + " is not the coordinator of group "
                    + ErrorText.quote(groupId) + ": partition " + partition + " of " + InternalTopics.CONSUMER_OFFSETS
                    + (registration == null ? " does not exist yet" : " is led by broker " + registration.leader()));
        }
        if (shard.failed) {
            throw new ApiException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the groups of partition " + partition + " of "
                    + InternalTopics.CONSUMER_OFFSETS + " could not be loaded on broker " + brokerId + " (see its log)");
        }
        if (shard.groups == null) {
            throw new ApiException(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, "broker " + brokerId + " is still loading partition "
                    + partition + " of " + InternalTopics.CONSUMER_OFFSETS + ", which holds group " + ErrorText.quote(groupId));
        }
        return shard;
    }

    private static TopicView view(MetadataImage current) {
        return topic -> {
            TopicImage image = current.topics().getTopic(topic);
            return image == null ? -1 : image.partitionCount();
        };
    }

    // ==== events =====================================================================================

    private void submitRequest(Runnable event, Consumer<ApiException> refused) {
        if (closed) {
            refused.accept(new ApiException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the group coordinator of broker "
                    + brokerId + " is shutting down"));
        } else if (!requests.offer(new Request(event, refused))) {
            refused.accept(new ApiException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the group coordinator of broker "
                    + brokerId + " has " + REQUEST_QUEUE_MAX + " requests waiting; try again"));
        }
    }

    private void submitInternal(Runnable event) {
        internal.add(event);
        // Wake the event thread if it waits on an empty request queue.
        requests.offer(WAKE_UP);
    }

    private void run() {
        while (!closed) {
            try {
                long nowMs = time.milliseconds();
                long waitMs = Math.max(0, Math.min(IDLE_WAIT_MS, nextDeadlineMs() - nowMs));
                Request request = requests.poll(waitMs, TimeUnit.MILLISECONDS);
                runInternal();
                if (request != null) {
                    runSafely(request.run());
                }
                tick(time.milliseconds());
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException e) {
                log.error("Unexpected error on the group coordinator's event thread of broker {}", brokerId, e);
            }
        }
    }

    private void runInternal() {
        for (Runnable event = internal.poll(); event != null; event = internal.poll()) {
            runSafely(event);
        }
    }

    private void runSafely(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException e) {
            log.error("Unexpected error on the group coordinator's event thread of broker {}", brokerId, e);
        }
    }

    private long nextDeadlineMs() {
        long next = Long.MAX_VALUE;
        for (Shard shard : shards.values()) {
            if (shard.groups != null) {
                next = Math.min(next, shard.groups.nextDeadlineMs());
            }
        }
        return next;
    }

    private void tick(long nowMs) {
        for (Shard shard : List.copyOf(shards.values())) {
            if (shard.groups != null && shards.get(shard.partition) == shard && shard.groups.nextDeadlineMs() <= nowMs) {
                ShardResult<Void> result = shard.groups.tick(nowMs);
                complete(shard, result, () -> push(result.updates()), error -> { });
            }
        }
    }

    // ==== writes and deferred answers ================================================================

    /**
     * Delivers an operation's outcome once its records (if any) and every earlier write of the shard are
     * replicated; appends the records first.
     */
    private void complete(Shard shard, ShardResult<?> result, Runnable deliver, Consumer<ApiException> fail) {
        if (!result.records().isEmpty()) {
            long seq = ++shard.appendedSeq;
            shard.waiting.add(new Deferred(seq, deliver, fail));
            append(shard, seq, result.records());
        } else if (shard.waiting.isEmpty()) {
            deliver.run();
        } else {
            shard.waiting.add(new Deferred(shard.appendedSeq, deliver, fail));
        }
    }

    private void append(Shard shard, long seq, List<CoordinatorRecord> records) {
        TopicPartition tp = new TopicPartition(InternalTopics.CONSUMER_OFFSETS, shard.partition);
        ByteBuffer batches = encode(records, time.milliseconds());
        replicaManager.appendRecords(-1, config.offsetsCommitTimeoutMs(),
                Map.of(tp, new ProduceInput(batches, OptionalInt.of(shard.leaderEpoch))),
                results -> submitInternal(() -> appended(shard, seq, results.get(tp))));
    }

    /** The records as v2 batches of at most {@value #BATCH_BYTES_MAX} bytes each, one after another. */
    static ByteBuffer encode(List<CoordinatorRecord> records, long timestampMs) {
        List<ByteBuffer> batches = new ArrayList<>();
        RecordBatchBuilder builder = null;
        for (CoordinatorRecord record : records) {
            byte[] key = GroupRecords.keyBytes(record);
            byte[] value = GroupRecords.valueBytes(record);
            if (builder != null && !builder.hasRoomFor(timestampMs, key, value, null)) {
                batches.add(builder.build());
                builder = null;
            }
            if (builder == null) {
                builder = RecordBatchBuilder.spec().writeLimitBytes(BATCH_BYTES_MAX).newBuilder();
            }
            builder.append(timestampMs, key, value, null);
        }
        if (builder != null) {
            batches.add(builder.build());
        }
        int size = batches.stream().mapToInt(ByteBuffer::remaining).sum();
        ByteBuffer all = ByteBuffer.allocate(size);
        batches.forEach(all::put);
        return all.flip();
    }

    private void appended(Shard shard, long seq, ProduceResult result) {
        if (shards.get(shard.partition) != shard) {
            return;  // unloaded meanwhile; what waited has failed already
        }
        if (result == null || result.error() != ErrorCode.NONE) {
            String why = result == null ? "no answer" : result.error() + ": " + result.errorMessage();
            log.warn("Appending to {}-{} failed ({}); reloading its groups from the log", InternalTopics.CONSUMER_OFFSETS,
                    shard.partition, why);
            ErrorCode code = result != null && (result.error() == ErrorCode.NOT_LEADER_OR_FOLLOWER
                    || result.error() == ErrorCode.FENCED_LEADER_EPOCH) ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE;
            unload(shard, code, "writing to partition " + shard.partition + " of " + InternalTopics.CONSUMER_OFFSETS
                    + " failed: " + why);
            replicaManager.partition(new TopicPartition(InternalTopics.CONSUMER_OFFSETS, shard.partition))
                    .filter(p -> p.isLeader() && p.leaderEpoch() == shard.leaderEpoch)
                    .ifPresent(p -> becomeLeader(shard.partition, shard.leaderEpoch));
            return;
        }
        shard.replicatedSeq = Math.max(shard.replicatedSeq, seq);
        while (!shard.waiting.isEmpty() && shard.waiting.peek().seq() <= shard.replicatedSeq) {
            Deferred next = shard.waiting.poll();
            runSafely(next.deliver());
        }
    }

    /** Drops a shard: what waits fails with {@code code}, its members' streams end with it. */
    private void unload(Shard shard, ErrorCode code, String message) {
        shards.remove(shard.partition, shard);
        ApiException error = new ApiException(code, message);
        for (Deferred deferred = shard.waiting.poll(); deferred != null; deferred = shard.waiting.poll()) {
            Consumer<ApiException> fail = deferred.fail();
            runSafely(() -> fail.accept(error));
        }
        int partitions = offsetsPartitions(image.get());
        for (Session session : List.copyOf(sessions.values())) {
            if (partitionFor(session.groupId, partitions) == shard.partition) {
                session.endWithError(code, message);
            }
        }
    }

    // ==== leadership and metadata ====================================================================

    @Override
    public void onBecomeLeader(TopicPartition tp, int leaderEpoch) {
        if (tp.topic().equals(InternalTopics.CONSUMER_OFFSETS)) {
            submitInternal(() -> becomeLeader(tp.partition(), leaderEpoch));
        }
    }

    @Override
    public void onResign(TopicPartition tp, int leaderEpoch) {
        if (tp.topic().equals(InternalTopics.CONSUMER_OFFSETS)) {
            submitInternal(() -> {
                Shard shard = shards.get(tp.partition());
                if (shard != null && shard.leaderEpoch <= leaderEpoch) {
                    log.info("Broker {} gives up the groups of {} (leader epoch {})", brokerId, tp, leaderEpoch);
                    unload(shard, ErrorCode.NOT_COORDINATOR, "broker " + brokerId + " no longer leads " + tp
                            + "; find the group's coordinator again");
                }
            });
        }
    }

    private void becomeLeader(int partition, int leaderEpoch) {
        Shard existing = shards.get(partition);
        if (existing != null) {
            if (existing.leaderEpoch == leaderEpoch && !existing.failed) {
                return;
            }
            unload(existing, ErrorCode.NOT_COORDINATOR, "partition " + partition + " of " + InternalTopics.CONSUMER_OFFSETS
                    + " has a new leader epoch " + leaderEpoch);
        }
        Shard shard = new Shard(partition, leaderEpoch);
        shards.put(partition, shard);
        TopicView current = topics;
        loader.execute(() -> load(shard, current));
    }

    /** On the loader thread: reads the partition into a new shard and hands it to the event thread. */
    private void load(Shard shard, TopicView current) {
        TopicPartition tp = new TopicPartition(InternalTopics.CONSUMER_OFFSETS, shard.partition);
        long startNs = time.nanoseconds();
        try {
            io.runnel.storage.PartitionLog partitionLog = replicaManager.partition(tp)
                    .orElseThrow(() -> new IllegalStateException("no replica of " + tp + " on broker " + brokerId))
                    .log();
            GroupShard groups = new GroupShard(shard.partition, config.settings(), current);
            CoordinatorLoader.Stats stats = CoordinatorLoader.load(partitionLog, config.offsetsLoadBufferBytes(), groups::replay,
                    () -> closed || shard.failed);
            long elapsedMs = (time.nanoseconds() - startNs) / 1_000_000;
            submitInternal(() -> loaded(shard, groups, stats, elapsedMs));
        } catch (RuntimeException e) {
            log.error("Loading the groups of {} failed; its groups are unavailable until leadership moves", tp, e);
            submitInternal(() -> shard.failed = true);
        }
    }

    private void loaded(Shard shard, GroupShard groups, CoordinatorLoader.Stats stats, long elapsedMs) {
        if (shards.get(shard.partition) != shard) {
            return;
        }
        long nowMs = time.milliseconds();
        shard.groups = groups;
        groups.onLoaded(nowMs);
        log.info("Broker {} coordinates {} group(s) of {}-{} (leader epoch {}): {} records, {} bytes read in {} ms",
                brokerId, groups.groups().size(), InternalTopics.CONSUMER_OFFSETS, shard.partition, shard.leaderEpoch,
                stats.records(), stats.bytes(), elapsedMs);
        ShardResult<Void> result = groups.onTopicsChanged(topics, nowMs);
        complete(shard, result, () -> push(result.updates()), error -> { });
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        if (delta.topicsDelta() != null) {
            TopicView next = view(newImage);
            submitInternal(() -> {
                topics = next;
                long nowMs = time.milliseconds();
                for (Shard shard : List.copyOf(shards.values())) {
                    if (shard.groups != null) {
                        ShardResult<Void> result = shard.groups.onTopicsChanged(next, nowMs);
                        complete(shard, result, () -> push(result.updates()), error -> { });
                    }
                }
            });
        }
    }

    // ==== member streams =============================================================================

    /**
     * Opens the coordinator's side of a member stream.
     *
     * @throws ApiException COORDINATOR_NOT_AVAILABLE when {@value #MEMBER_STREAMS_MAX} streams are open
     */
    public Session openStream(MemberChannel channel) {
        if (openStreams.incrementAndGet() > MEMBER_STREAMS_MAX) {
            openStreams.decrementAndGet();
            throw new ApiException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "broker " + brokerId + " already holds "
                    + MEMBER_STREAMS_MAX + " member streams");
        }
        return new Session(channel);
    }

    /**
     * One member stream. Its handlers may be called on any thread (gRPC's); they queue events. The fields are
     * the event thread's. A stream carries one member: the first heartbeat binds it.
     */
    public final class Session {
        private final MemberChannel channel;
        private final AtomicReference<ConsumerGroupHeartbeatRequest> queued = new AtomicReference<>();
        private final AtomicBoolean released = new AtomicBoolean();
        private String groupId;
        private String memberId;
        private long sentVersion = -1;
        private boolean ended;

        private Session(MemberChannel channel) {
            this.channel = channel;
        }

        /**
         * A heartbeat arrived. Heartbeats carry a member's whole state, so one waiting is replaced by a newer
         * one: a stream never queues more than one.
         */
        public void onHeartbeat(ConsumerGroupHeartbeatRequest request) {
            if (queued.getAndSet(request) == null) {
                submitRequest(() -> {
                    ConsumerGroupHeartbeatRequest next = queued.getAndSet(null);
                    if (next != null) {
                        heartbeat(this, next);
                    }
                }, error -> {
                    queued.set(null);
                    submitInternal(() -> endWithError(error.code(), error.getMessage()));
                });
            }
        }

        /** The stream ended from the member's side (it closed, or its connection broke). */
        public void onClosed() {
            submitInternal(() -> {
                // A heartbeat that arrived before the end (a leave, typically) is handled first.
                ConsumerGroupHeartbeatRequest last = queued.getAndSet(null);
                if (last != null) {
                    heartbeat(this, last);
                }
                if (!ended) {
                    end(true);
                }
                release();
            });
        }

        private void release() {
            if (released.compareAndSet(false, true)) {
                openStreams.decrementAndGet();
            }
        }

        private void unbind(boolean disconnected) {
            if (memberId == null) {
                return;
            }
            MemberKey key = new MemberKey(groupId, memberId);
            if (sessions.get(key) == this) {
                sessions.remove(key);
                if (disconnected) {
                    Shard shard = shards.get(partitionFor(groupId, offsetsPartitions(image.get())));
                    if (shard != null && shard.groups != null) {
                        shard.groups.memberDisconnected(groupId, memberId);
                    }
                }
            }
        }

        void answer(HeartbeatResult result) {
            ConsumerGroupHeartbeatResponse.Builder message = ConsumerGroupHeartbeatResponse.newBuilder()
                    .setMemberId(result.memberId())
                    .setMemberEpoch(result.memberEpoch())
                    .setHeartbeatIntervalMs(config.settings().heartbeatIntervalMs());
            send(message, result.memberEpoch() >= 0, result.assigned(), result.assignmentVersion());
        }

        void push(MemberUpdate update) {
            if (update.error() != ErrorCode.NONE) {
                endWithError(update.error(), update.errorMessage());
                return;
            }
            ConsumerGroupHeartbeatResponse.Builder message = ConsumerGroupHeartbeatResponse.newBuilder()
                    .setMemberId(update.memberId())
                    .setMemberEpoch(update.memberEpoch())
                    .setHeartbeatIntervalMs(config.settings().heartbeatIntervalMs());
            send(message, true, update.assigned(), update.assignmentVersion());
        }

        private void send(ConsumerGroupHeartbeatResponse.Builder message, boolean withAssignment, Set<TopicPartition> assigned,
                          long version) {
            if (ended) {
                return;
            }
            if (withAssignment && version != sentVersion) {
                message.setAssignment(Assignment.newBuilder().addAllTopics(Partitions.toProto(assigned)));
                message.setAssignmentVersion(version);
                sentVersion = version;
            } else {
                message.setAssignmentVersion(Math.max(0, sentVersion));
            }
            if (!channel.send(message.build())) {
                // The member does not read what it is sent: end the stream rather than buffer without bound.
                end(true);
            }
        }

        /** Sends a last message with an error and ends the stream. */
        void endWithError(ErrorCode code, String message) {
            if (ended) {
                return;
            }
            channel.send(ConsumerGroupHeartbeatResponse.newBuilder().setError(code)
                    .setErrorMessage(ErrorText.printable(message, ApiException.MESSAGE_CHARS_MAX))
                    .setMemberId(memberId == null ? "" : memberId).setMemberEpoch(-1).build());
            end(true);
        }

        private void end(boolean disconnected) {
            ended = true;
            unbind(disconnected);
            channel.close();
            release();
        }
    }

    private void heartbeat(Session session, ConsumerGroupHeartbeatRequest request) {
        if (session.ended) {
            return;
        }
        if (session.memberId != null && (!session.groupId.equals(request.getGroupId())
                || !session.memberId.equals(request.getMemberId()))) {
            session.endWithError(ErrorCode.INVALID_REQUEST, "a stream carries one member: it began as member "
                    + session.memberId + " of group " + ErrorText.quote(session.groupId) + ", not member "
                    + ErrorText.quote(request.getMemberId()) + " of group " + ErrorText.quote(request.getGroupId()));
            return;
        }
        Shard shard;
        ShardResult<HeartbeatResult> result;
        try {
            shard = shardFor(request.getGroupId());
            result = shard.groups.heartbeat(request, session.channel.clientHost(), time.milliseconds());
        } catch (ApiException e) {
            session.endWithError(e.code(), e.getMessage());
            return;
        }
        if (session.memberId == null) {
            session.groupId = request.getGroupId();
            session.memberId = request.getMemberId();
            Session previous = sessions.put(new MemberKey(session.groupId, session.memberId), session);
            if (previous != null && previous != session) {
                // The member reconnected: its older stream is over.
                previous.end(false);
            }
        }
        boolean leaving = request.getMemberEpoch() < 0;
        complete(shard, result, () -> {
            session.answer(result.response());
            if (leaving) {
                session.end(false);
            }
            push(result.updates());
        }, error -> session.endWithError(error.code(), error.getMessage()));
    }

    private void push(List<MemberUpdate> updates) {
        for (MemberUpdate update : updates) {
            Session session = sessions.get(new MemberKey(update.groupId(), update.memberId()));
            if (session != null) {
                session.push(update);
            }
        }
    }

    // ==== offsets and groups =========================================================================

    public CompletableFuture<OffsetCommitResponse> commitOffsets(OffsetCommitRequest request) {
        CompletableFuture<OffsetCommitResponse> future = new CompletableFuture<>();
        Consumer<ApiException> failAll = error -> future.complete(commitError(request, error));
        submitRequest(() -> {
            Shard shard;
            ShardResult<List<GroupShard.PartitionOutcome>> result;
            try {
                shard = shardFor(request.getGroupId());
                result = shard.groups.commitOffsets(request, time.milliseconds());
            } catch (ApiException e) {
                failAll.accept(e);
                return;
            }
            complete(shard, result, () -> future.complete(commitResponse(result.response())), failAll);
        }, failAll);
        return future;
    }

    private static OffsetCommitResponse commitResponse(List<GroupShard.PartitionOutcome> outcomes) {
        Map<String, OffsetCommitTopicResult.Builder> topics = new LinkedHashMap<>();
        for (GroupShard.PartitionOutcome outcome : outcomes) {
            topics.computeIfAbsent(outcome.topic(), t -> OffsetCommitTopicResult.newBuilder().setName(t))
                    .addPartitions(PartitionResult.newBuilder().setPartition(outcome.partition()).setError(outcome.error())
                            .setErrorMessage(outcome.message()));
        }
        OffsetCommitResponse.Builder response = OffsetCommitResponse.newBuilder();
        topics.values().forEach(response::addTopics);
        return response.build();
    }

    /** A commit refused as a whole: every partition carries the error, as in Kafka. */
    private static OffsetCommitResponse commitError(OffsetCommitRequest request, ApiException error) {
        List<GroupShard.PartitionOutcome> outcomes = new ArrayList<>();
        for (OffsetCommitTopic topic : request.getTopicsList()) {
            for (OffsetCommitPartition partition : topic.getPartitionsList()) {
                outcomes.add(new GroupShard.PartitionOutcome(topic.getName(), partition.getPartition(), error.code(), error.getMessage()));
            }
        }
        return commitResponse(outcomes);
    }

    public CompletableFuture<OffsetFetchResponse> fetchOffsets(OffsetFetchRequest request) {
        CompletableFuture<OffsetFetchResponse> future = new CompletableFuture<>();
        Consumer<ApiException> fail = error -> future.complete(OffsetFetchResponse.newBuilder().setError(error.code())
                .setErrorMessage(error.getMessage()).build());
        submitRequest(() -> {
            try {
                Shard shard = shardFor(request.getGroupId());
                List<TopicPartition> asked = partitions(request.getTopicsList());
                Map<TopicPartition, CommittedOffset> offsets = shard.groups.fetchOffsets(request.getGroupId(), asked);
                OffsetFetchResponse response = fetchResponse(offsets);
                // Behind the shard's unreplicated writes: an offset is never seen before it is durable.
                complete(shard, ShardResult.of(null), () -> future.complete(response), fail);
            } catch (ApiException e) {
                fail.accept(e);
            }
        }, fail);
        return future;
    }

    private static List<TopicPartition> partitions(List<TopicPartitions> topics) {
        if (Partitions.count(topics) > GroupLimits.PARTITIONS_PER_REQUEST_MAX) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "a request may name at most "
                    + GroupLimits.PARTITIONS_PER_REQUEST_MAX + " partitions");
        }
        List<TopicPartition> list = new ArrayList<>();
        for (TopicPartitions topic : topics) {
            for (int partition : topic.getPartitionsList()) {
                if (partition < 0) {
                    throw new ApiException(ErrorCode.INVALID_REQUEST, "partition " + partition + " of "
                            + ErrorText.quote(topic.getTopic()) + " is negative");
                }
                list.add(new TopicPartition(topic.getTopic(), partition));
            }
        }
        return list;
    }

    private static OffsetFetchResponse fetchResponse(Map<TopicPartition, CommittedOffset> offsets) {
        Map<String, OffsetFetchTopic.Builder> topics = new LinkedHashMap<>();
        offsets.forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(), t -> OffsetFetchTopic.newBuilder().setName(t))
                .addPartitions(OffsetFetchPartition.newBuilder().setPartition(tp.partition())
                        .setCommittedOffset(offset.offset()).setCommittedLeaderEpoch(offset.leaderEpoch())
                        .setMetadata(offset.metadata()).setCommitTimestampMs(offset.commitTimestampMs())));
        OffsetFetchResponse.Builder response = OffsetFetchResponse.newBuilder();
        topics.values().forEach(response::addTopics);
        return response.build();
    }

    public CompletableFuture<ListGroupsResponse> listGroups(ListGroupsRequest request) {
        CompletableFuture<ListGroupsResponse> future = new CompletableFuture<>();
        Consumer<ApiException> fail = error -> future.complete(ListGroupsResponse.newBuilder().setError(error.code())
                .setErrorMessage(error.getMessage()).build());
        submitRequest(() -> {
            Set<String> states = new HashSet<>();
            request.getStatesFilterList().forEach(s -> states.add(s.toLowerCase(java.util.Locale.ROOT)));
            ListGroupsResponse.Builder response = ListGroupsResponse.newBuilder();
            for (Shard shard : shards.values()) {
                if (shard.groups != null) {
                    response.addAllGroups(shard.groups.listGroups(states));
                }
            }
            future.complete(response.build());
        }, fail);
        return future;
    }

    public CompletableFuture<DescribeGroupsResponse> describeGroups(DescribeGroupsRequest request) {
        CompletableFuture<DescribeGroupsResponse> future = new CompletableFuture<>();
        List<String> ids = request.getGroupIdsList();
        Consumer<ApiException> fail = error -> {
            DescribeGroupsResponse.Builder response = DescribeGroupsResponse.newBuilder();
            ids.forEach(id -> response.addGroups(DescribedGroup.newBuilder().setGroupId(id).setError(error.code())
                    .setErrorMessage(error.getMessage())));
            future.complete(response.build());
        };
        if (ids.size() > GroupLimits.GROUPS_PER_REQUEST_MAX) {
            fail.accept(tooManyGroups(ids.size()));
            return future;
        }
        submitRequest(() -> {
            DescribeGroupsResponse.Builder response = DescribeGroupsResponse.newBuilder();
            for (String id : ids) {
                try {
                    response.addGroups(shardFor(id).groups.describe(id));
                } catch (ApiException e) {
                    response.addGroups(DescribedGroup.newBuilder().setGroupId(id).setError(e.code()).setErrorMessage(e.getMessage()));
                }
            }
            future.complete(response.build());
        }, fail);
        return future;
    }

    private static ApiException tooManyGroups(int count) {
        return new ApiException(ErrorCode.INVALID_REQUEST, "a request may name at most " + GroupLimits.GROUPS_PER_REQUEST_MAX
                + " groups, not " + count);
    }

    public CompletableFuture<DeleteGroupsResponse> deleteGroups(DeleteGroupsRequest request) {
        List<String> ids = request.getGroupIdsList();
        Map<String, CompletableFuture<DeleteGroupResult>> results = new LinkedHashMap<>();
        ids.forEach(id -> results.putIfAbsent(id, new CompletableFuture<>()));
        Consumer<ApiException> failAll = error -> results.forEach((id, f) -> f.complete(deleteResult(id, error)));
        if (ids.size() > GroupLimits.GROUPS_PER_REQUEST_MAX) {
            failAll.accept(tooManyGroups(ids.size()));
        } else {
            submitRequest(() -> results.forEach((id, future) -> {
                Consumer<ApiException> fail = error -> future.complete(deleteResult(id, error));
                try {
                    Shard shard = shardFor(id);
                    ShardResult<Void> result = shard.groups.deleteGroup(id);
                    complete(shard, result, () -> future.complete(deleteResult(id, null)), fail);
                } catch (ApiException e) {
                    fail.accept(e);
                }
            }), failAll);
        }
        return CompletableFuture.allOf(results.values().toArray(new CompletableFuture<?>[0])).thenApply(done -> {
            DeleteGroupsResponse.Builder response = DeleteGroupsResponse.newBuilder();
            results.values().forEach(f -> response.addResults(f.join()));
            return response.build();
        });
    }

    private static DeleteGroupResult deleteResult(String groupId, ApiException error) {
        DeleteGroupResult.Builder result = DeleteGroupResult.newBuilder().setGroupId(groupId);
        if (error != null) {
            result.setError(error.code()).setErrorMessage(error.getMessage());
        }
        return result.build();
    }

    public CompletableFuture<OffsetDeleteResponse> deleteOffsets(OffsetDeleteRequest request) {
        CompletableFuture<OffsetDeleteResponse> future = new CompletableFuture<>();
        Consumer<ApiException> fail = error -> future.complete(OffsetDeleteResponse.newBuilder().setError(error.code())
                .setErrorMessage(error.getMessage()).build());
        submitRequest(() -> {
            try {
                Shard shard = shardFor(request.getGroupId());
                ShardResult<List<GroupShard.PartitionOutcome>> result = shard.groups.deleteOffsets(request.getGroupId(),
                        partitions(request.getTopicsList()));
                complete(shard, result, () -> {
                    Map<String, OffsetDeleteTopicResult.Builder> topics = new LinkedHashMap<>();
                    for (GroupShard.PartitionOutcome outcome : result.response()) {
                        topics.computeIfAbsent(outcome.topic(), t -> OffsetDeleteTopicResult.newBuilder().setName(t))
                                .addPartitions(PartitionResult.newBuilder().setPartition(outcome.partition())
                                        .setError(outcome.error()).setErrorMessage(outcome.message()));
                    }
                    OffsetDeleteResponse.Builder response = OffsetDeleteResponse.newBuilder();
                    topics.values().forEach(response::addTopics);
                    future.complete(response.build());
                }, fail);
            } catch (ApiException e) {
                fail.accept(e);
            }
        }, fail);
        return future;
    }

    // ==== lifecycle ==================================================================================

    /** One group's committed offset on one partition, as the metrics read it. */
    public record CommittedPosition(String groupId, TopicPartition partition, long offset) {
    }

    /** The groups this broker coordinates and their committed offsets, taken at one moment on the event thread. */
    public record GroupStats(int groupCount, List<CommittedPosition> committed) {
        public static final GroupStats EMPTY = new GroupStats(0, List.of());
    }

    /**
     * A snapshot of the loaded groups for the metrics (docs/metrics.md: runnel_group_count, runnel_group_lag),
     * taken on the event thread, which owns the shards; completes once that thread gets to it.
     */
    public CompletableFuture<GroupStats> stats() {
        CompletableFuture<GroupStats> future = new CompletableFuture<>();
        if (closed) {
            future.complete(GroupStats.EMPTY);
            return future;
        }
        submitInternal(() -> {
            int groups = 0;
            List<CommittedPosition> committed = new ArrayList<>();
            for (Shard shard : shards.values()) {
                if (shard.groups == null) {
                    continue;
                }
                for (var group : shard.groups.groups()) {
                    groups++;
                    group.offsets().forEach((tp, offset) -> committed.add(new CommittedPosition(group.groupId(), tp, offset.offset())));
                }
            }
            future.complete(new GroupStats(groups, List.copyOf(committed)));
        });
        return future;
    }

    /** Test and metrics view: groups coordinated here (event-thread data read racily: for gauges only). */
    public int loadedPartitions() {
        return shards.size();
    }

    @Override
    public void close() {
        closed = true;
        eventThread.interrupt();
        try {
            eventThread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loader.shutdownNow();
        // The event thread has stopped: end the streams so members look for the next coordinator.
        for (Session session : List.copyOf(sessions.values())) {
            session.endWithError(ErrorCode.NOT_COORDINATOR, "broker " + brokerId + " is shutting down");
        }
        sessions.clear();
        for (Shard shard : List.copyOf(shards.values())) {
            for (Deferred deferred = shard.waiting.poll(); deferred != null; deferred = shard.waiting.poll()) {
                deferred.fail().accept(new ApiException(ErrorCode.NOT_COORDINATOR, "broker " + brokerId + " is shutting down"));
            }
        }
        ApiException stopping = new ApiException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "broker " + brokerId + " is shutting down");
        for (Request request = requests.poll(); request != null; request = requests.poll()) {
            request.refused().accept(stopping);
        }
    }
}
