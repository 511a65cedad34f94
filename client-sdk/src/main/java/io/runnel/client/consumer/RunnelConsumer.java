package io.runnel.client.consumer;

import io.runnel.client.MetricName;
import io.runnel.client.PartitionInfo;
import io.runnel.client.internal.BrokerAddress;
import io.runnel.client.internal.ChannelPool;
import io.runnel.client.internal.ClusterMetadata;
import io.runnel.client.internal.Fetcher;
import io.runnel.client.internal.GroupCoordinatorClient;
import io.runnel.client.internal.GroupMembership;
import io.runnel.client.internal.SubscriptionState;
import io.runnel.client.internal.SubscriptionState.ResetStrategy;
import io.runnel.client.serialization.Deserializer;
import io.runnel.common.ListOffsetsTimestamps;
import io.runnel.common.TopicPartition;
import io.runnel.common.config.ConfigException;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.Errors;
import io.runnel.common.record.Records;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartitionResponse;
import io.runnel.proto.IsolationLevel;
import io.runnel.proto.OffsetCommitPartition;
import io.runnel.proto.OffsetCommitRequest;
import io.runnel.proto.OffsetCommitResponse;
import io.runnel.proto.OffsetCommitTopic;
import io.runnel.proto.OffsetCommitTopicResult;
import io.runnel.proto.OffsetFetchPartition;
import io.runnel.proto.PartitionResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runnel's consumer, modeled on Kafka's. It consumes either the partitions its group gives it
 * ({@link #subscribe}, with {@code group.id}: the group coordinator runs the assignor and moves partitions
 * incrementally, see docs/client.md "Groups") or partitions the application assigns itself ({@link #assign}).
 * Positions start at the group's committed offset when there is one, else as {@code auto.offset.reset} says;
 * {@code commitSync}/{@code commitAsync} (or auto-commit) store them. Fetches are pipelined: one Fetch per broker
 * is in flight while the application processes what the last poll returned.
 *
 * <p>Not thread-safe: one thread uses it; a second thread entering at the same time gets a
 * ConcurrentModificationException, as in Kafka. Only {@link #wakeup()} may be called from another thread. The
 * group membership runs on a background thread ({@code runnel-consumer-heartbeat | <client.id>}), which never
 * calls the application: rebalance listener, commit callbacks and interceptors run on the consumer's thread,
 * inside poll (or commitSync, close).
 *
 * <pre>{@code
 * try (Consumer<String, String> consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", "localhost:9092",
 *         "group.id", "billing", "enable.auto.commit", "false"), new StringDeserializer(), new StringDeserializer())) {
 *     consumer.subscribe(List.of("orders"));
 *     while (running) {
 *         for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(1))) { ... }
 *         consumer.commitSync();
 *     }
 * }
 * }</pre>
 */
public final class RunnelConsumer<K, V> implements Consumer<K, V> {

    private static final AtomicInteger CLIENT_SEQUENCE = new AtomicInteger();
    private static final long NO_THREAD = -1;
    /** Room for gRPC framing and the per-partition fields around fetch.max.bytes of records. */
    private static final int RESPONSE_OVERHEAD_BYTES = 1024 * 1024;

    private final ConsumerConfig config;
    private final String clientId;
    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final ChannelPool channels;
    private final ClusterMetadata metadata;
    private final Fetcher fetcher;
    private final SubscriptionState subscriptions;
    private final FetchDecoder<K, V> decoder;
    private final int maxPollRecords;
    private final boolean checkCrcs;
    private final boolean readCommitted;
    private final long retryBackoffMs;
    private final long requestTimeoutMs;
    private final long defaultApiTimeoutMs;
    private final long metadataMaxAgeMs;
    private static final Logger LOG = LoggerFactory.getLogger(RunnelConsumer.class);
    /** Kafka's default bound on close. */
    private static final Duration CLOSE_TIMEOUT_DEFAULT = Duration.ofSeconds(30);
    /** commitAsync calls waiting for their answer at most; more fail at once (REQUEST_TIMED_OUT). */
    static final int ASYNC_COMMITS_MAX = 1024;
    private static final ConsumerRebalanceListener NO_LISTENER = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }
    };

    /** How the consumer gets its partitions. */
    private enum Mode { NONE, ASSIGNED, SUBSCRIBED }

    private final String groupId;
    private final GroupCoordinatorClient coordinator;
    private final GroupMembership membership;
    private final boolean autoCommit;
    private final long autoCommitIntervalMs;
    private final boolean excludeInternalTopics;
    private final List<ConsumerInterceptor<K, V>> interceptors;
    /** Runs commitAsync's calls; answers come back through {@link #commitOutcomes}. */
    private final ThreadPoolExecutor asyncCommits;
    private final UnaryOperator<Runnable> commitTasks;
    /** A revocation waiting for its auto-commit (consumer thread only); null when none. */
    private PendingRevocation pendingRevocation;
    private final ConcurrentLinkedQueue<Runnable> commitOutcomes = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupRequested = new AtomicBoolean();
    private Mode mode = Mode.NONE;
    private ConsumerRebalanceListener listener = NO_LISTENER;
    private Pattern pattern;
    private Set<String> subscribedTopics = Set.of();
    private long nextPatternRefreshMs;
    private long nextAutoCommitMs;
    private final AtomicLong owner = new AtomicLong(NO_THREAD);
    /** Nesting depth of the owning thread's calls (position inside poll, etc.). */
    private int refCount;
    private PartitionRecords nextInLine;
    /** A failure met after some records were collected; thrown by the next poll. */
    private RuntimeException pendingFailure;
    private boolean metadataNeeded = true;
    private long lastMetadataAttemptMs = -1;
    private volatile boolean closed;

    public RunnelConsumer(Map<String, ?> configs) {
        this(new ConsumerConfig(configs), null, null);
    }

    public RunnelConsumer(Properties properties) {
        this(new ConsumerConfig(properties), null, null);
    }

    public RunnelConsumer(Properties properties, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        this(new ConsumerConfig(properties), keyDeserializer, valueDeserializer);
    }

    /** Deserializers given here take precedence over {@code key.deserializer} / {@code value.deserializer}. */
    public RunnelConsumer(Map<String, ?> configs, Deserializer<K> keyDeserializer,
                          Deserializer<V> valueDeserializer) {
        this(new ConsumerConfig(configs), keyDeserializer, valueDeserializer);
    }

    /**
     * For tests: every background commit runs as {@code commitTasks} wraps it, on the commit thread (a test
     * holds a commit there to see what the consumer does while it is pending).
     */
    RunnelConsumer(Map<String, ?> configs, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
                   UnaryOperator<Runnable> commitTasks) {
        this(new ConsumerConfig(configs), keyDeserializer, valueDeserializer, commitTasks);
    }

    private RunnelConsumer(ConsumerConfig config, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        this(config, keyDeserializer, valueDeserializer, UnaryOperator.identity());
    }

    @SuppressWarnings("unchecked")
    private RunnelConsumer(ConsumerConfig config, Deserializer<K> keyDeserializer,
                           Deserializer<V> valueDeserializer, UnaryOperator<Runnable> commitTasks) {
        this.config = config;
        this.commitTasks = commitTasks;
        String configuredId = config.getString(ConsumerConfig.CLIENT_ID_CONFIG);
        this.clientId = configuredId == null || configuredId.isEmpty()
                ? "consumer-" + CLIENT_SEQUENCE.incrementAndGet() : configuredId;
        this.keyDeserializer = keyDeserializer != null ? keyDeserializer
                : (Deserializer<K>) required(config.getInstance(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                Deserializer.class), ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        this.valueDeserializer = valueDeserializer != null ? valueDeserializer
                : (Deserializer<V>) required(config.getInstance(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                Deserializer.class), ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        this.maxPollRecords = config.getInt(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
        this.checkCrcs = config.getBoolean(ConsumerConfig.CHECK_CRCS_CONFIG);
        this.readCommitted = config.getString(ConsumerConfig.ISOLATION_LEVEL_CONFIG).equals("read_committed");
        this.retryBackoffMs = config.getLong(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG);
        this.requestTimeoutMs = config.getInt(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG);
        this.defaultApiTimeoutMs = config.getInt(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        this.metadataMaxAgeMs = config.getLong(ConsumerConfig.METADATA_MAX_AGE_MS_CONFIG);
        List<BrokerAddress> bootstrap = new ArrayList<>();
        for (String address : config.getList(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            bootstrap.add(BrokerAddress.parse(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, address));
        }
        int fetchMaxBytes = config.getInt(ConsumerConfig.FETCH_MAX_BYTES_CONFIG);
        int partitionMaxBytes = config.getInt(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG);
        this.channels = new ChannelPool((int) Math.min(Integer.MAX_VALUE,
                (long) Math.max(fetchMaxBytes, partitionMaxBytes) + RESPONSE_OVERHEAD_BYTES));
        this.metadata = new ClusterMetadata(channels, bootstrap, retryBackoffMs, requestTimeoutMs);
        this.fetcher = new Fetcher(channels, new Fetcher.Settings(config.getInt(ConsumerConfig.FETCH_MIN_BYTES_CONFIG),
                config.getInt(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), fetchMaxBytes, partitionMaxBytes,
                readCommitted ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED,
                (int) requestTimeoutMs, config.getString(ConsumerConfig.CLIENT_RACK_CONFIG)), retryBackoffMs);
        this.decoder = new FetchDecoder<>(this.keyDeserializer, this.valueDeserializer, checkCrcs, readCommitted,
                partitionMaxBytes, fetchMaxBytes);
        this.subscriptions = new SubscriptionState(
                ResetStrategy.forConfig(config.getString(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG)));
        this.groupId = config.getString(ConsumerConfig.GROUP_ID_CONFIG);
        this.autoCommit = groupId != null && config.getBoolean(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
        this.autoCommitIntervalMs = config.getInt(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG);
        this.excludeInternalTopics = config.getBoolean(ConsumerConfig.EXCLUDE_INTERNAL_TOPICS_CONFIG);
        this.interceptors = interceptors(config);
        if (groupId == null) {
            this.coordinator = null;
            this.membership = null;
            this.asyncCommits = null;
        } else {
            this.coordinator = new GroupCoordinatorClient(channels, metadata, groupId, retryBackoffMs, requestTimeoutMs);
            List<String> strategies = config.getList(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
            this.membership = new GroupMembership(new GroupMembership.Settings(groupId,
                    config.getString(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), clientId,
                    config.getString(ConsumerConfig.CLIENT_RACK_CONFIG), strategies.isEmpty() ? "" : strategies.get(0),
                    config.getInt(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), config.getInt(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG),
                    config.getInt(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), requestTimeoutMs, retryBackoffMs),
                    coordinator, channels, fetcher::wakeup);
            this.asyncCommits = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(ASYNC_COMMITS_MAX),
                    runnable -> {
                        Thread thread = new Thread(runnable, "runnel-consumer-commit | " + clientId);
                        thread.setDaemon(true);
                        return thread;
                    });
        }
    }

    @SuppressWarnings("unchecked")
    private List<ConsumerInterceptor<K, V>> interceptors(ConsumerConfig config) {
        List<ConsumerInterceptor<K, V>> list = new ArrayList<>();
        for (String className : config.getList(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG)) {
            ConsumerInterceptor<K, V> interceptor;
            try {
                Class<?> type = Class.forName(className, true, Thread.currentThread().getContextClassLoader() != null
                        ? Thread.currentThread().getContextClassLoader() : RunnelConsumer.class.getClassLoader());
                if (!ConsumerInterceptor.class.isAssignableFrom(type)) {
                    throw new ConfigException(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, className, "is not a ConsumerInterceptor");
                }
                interceptor = (ConsumerInterceptor<K, V>) type.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new ConfigException(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, className, "cannot be instantiated: " + e);
            }
            interceptor.configure(config.values());
            list.add(interceptor);
        }
        return List.copyOf(list);
    }

    private static Object required(Object instance, String key) {
        if (instance == null) {
            throw new ConfigException("missing required configuration '" + key
                    + "': pass a Deserializer to the constructor or name its class here");
        }
        return instance;
    }

    // ---- assignment and positions ----------------------------------------------------------------

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        acquire();
        try {
            Objects.requireNonNull(partitions, "partitions");
            for (TopicPartition tp : partitions) {
                Objects.requireNonNull(tp, "a partition in the assignment is null");
                if (tp.topic().isBlank()) {
                    throw new IllegalArgumentException("topic names in an assignment must not be blank");
                }
            }
            if (mode == Mode.SUBSCRIBED) {
                throw new IllegalStateException("the consumer is subscribed to topics; call unsubscribe before assign");
            }
            Set<TopicPartition> removed = subscriptions.assign(new LinkedHashSet<>(partitions), groupId != null);
            if (nextInLine != null && removed.contains(nextInLine.partition)) {
                dropNextInLine();
            }
            mode = partitions.isEmpty() ? Mode.NONE : Mode.ASSIGNED;
            metadataNeeded = true;
        } finally {
            release();
        }
    }

    // ---- subscriptions ---------------------------------------------------------------------------

    @Override
    public void subscribe(Collection<String> topics) {
        subscribe(topics, NO_LISTENER);
    }

    @Override
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener rebalanceListener) {
        acquire();
        try {
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(rebalanceListener, "listener");
            if (topics.isEmpty()) {
                unsubscribe();
                return;
            }
            for (String topic : topics) {
                if (topic == null || topic.isBlank()) {
                    throw new IllegalArgumentException("topic names of a subscription must not be null or blank");
                }
            }
            startSubscription(rebalanceListener);
            pattern = null;
            subscribedTopics = Set.copyOf(new TreeSet<>(topics));
            membership.subscribe(subscribedTopics);
        } finally {
            release();
        }
    }

    @Override
    public void subscribe(Pattern topicPattern) {
        subscribe(topicPattern, NO_LISTENER);
    }

    @Override
    public void subscribe(Pattern topicPattern, ConsumerRebalanceListener rebalanceListener) {
        acquire();
        try {
            Objects.requireNonNull(topicPattern, "pattern");
            Objects.requireNonNull(rebalanceListener, "listener");
            startSubscription(rebalanceListener);
            pattern = topicPattern;
            nextPatternRefreshMs = 0;
            refreshPattern(System.currentTimeMillis());
        } finally {
            release();
        }
    }

    private void startSubscription(ConsumerRebalanceListener rebalanceListener) {
        requireGroup("subscribe");
        if (mode == Mode.ASSIGNED) {
            throw new IllegalStateException("the consumer has assigned partitions; subscribing and assigning are exclusive "
                    + "(call unsubscribe first)");
        }
        mode = Mode.SUBSCRIBED;
        listener = rebalanceListener;
    }

    private void requireGroup(String what) {
        if (groupId == null) {
            throw ApiException.of(ErrorCode.INVALID_GROUP_ID, what + " needs a consumer group: set group.id");
        }
    }

    /** With a pattern: the topics that match it now become the subscription (every metadata.max.age.ms). */
    private void refreshPattern(long nowMs) {
        if (pattern == null || nowMs < nextPatternRefreshMs) {
            return;
        }
        nextPatternRefreshMs = nowMs + metadataMaxAgeMs;
        ClusterMetadata.Snapshot all;
        try {
            all = metadata.refresh(List.of(), true, false, nowMs + requestTimeoutMs, 1);
        } catch (ApiException e) {
            nextPatternRefreshMs = nowMs + retryBackoffMs;
            return;
        }
        Set<String> matching = new TreeSet<>();
        all.topics().forEach((name, state) -> {
            if (state.ok() && !(excludeInternalTopics && (state.internal() || name.startsWith("__")))
                    && pattern.matcher(name).matches()) {
                matching.add(name);
            }
        });
        subscribedTopics = Set.copyOf(matching);
        membership.subscribe(subscribedTopics);
    }

    @Override
    public void unsubscribe() {
        acquire();
        try {
            if (mode == Mode.SUBSCRIBED) {
                Set<TopicPartition> owned = subscriptions.assignment();
                if (autoCommit) {
                    commitQuietly(consumedOffsets(owned), "before unsubscribing");
                }
                try {
                    listener.onPartitionsRevoked(owned);
                } finally {
                    dropAll();
                    membership.leave(false, requestTimeoutMs);
                }
            } else {
                dropAll();
            }
            mode = Mode.NONE;
            pattern = null;
            subscribedTopics = Set.of();
            listener = NO_LISTENER;
        } finally {
            release();
        }
    }

    private void dropAll() {
        pendingRevocation = null;
        if (nextInLine != null) {
            dropNextInLine();
        }
        subscriptions.assign(List.of());
    }

    @Override
    public Set<String> subscription() {
        acquire();
        try {
            return mode == Mode.SUBSCRIBED ? subscribedTopics : Set.of();
        } finally {
            release();
        }
    }

    @Override
    public Set<TopicPartition> assignment() {
        acquire();
        try {
            return subscriptions.assignment();
        } finally {
            release();
        }
    }

    @Override
    public void seek(TopicPartition partition, long offset) {
        acquire();
        try {
            if (offset < 0) {
                throw new IllegalArgumentException("seek offset must not be negative: " + offset);
            }
            subscriptions.seek(partition, offset);
            dropBuffered(partition);
        } finally {
            release();
        }
    }

    @Override
    public void seek(TopicPartition partition, OffsetAndMetadata offsetAndMetadata) {
        seek(partition, offsetAndMetadata.offset());
    }

    @Override
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        requestReset(partitions, ResetStrategy.EARLIEST);
    }

    @Override
    public void seekToEnd(Collection<TopicPartition> partitions) {
        requestReset(partitions, ResetStrategy.LATEST);
    }

    private void requestReset(Collection<TopicPartition> partitions, ResetStrategy strategy) {
        acquire();
        try {
            Collection<TopicPartition> targets = partitions.isEmpty() ? subscriptions.assignment() : partitions;
            for (TopicPartition tp : targets) {
                subscriptions.requestReset(tp, strategy);
                dropBuffered(tp);
            }
        } finally {
            release();
        }
    }

    @Override
    public long position(TopicPartition partition) {
        return position(partition, Duration.ofMillis(defaultApiTimeoutMs));
    }

    @Override
    public long position(TopicPartition partition, Duration timeout) {
        acquire();
        try {
            long deadlineMs = System.currentTimeMillis() + timeout.toMillis();
            while (true) {
                Long position = subscriptions.position(partition);
                if (position != null) {
                    return position;
                }
                updateFetchPositions(deadlineMs);
                position = subscriptions.position(partition);
                if (position != null) {
                    return position;
                }
                long remainingMs = deadlineMs - System.currentTimeMillis();
                if (remainingMs <= 0) {
                    throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "timeout of " + timeout.toMillis()
                            + " ms expired before the position for partition " + partition + " could be determined");
                }
                fetcher.awaitCompleted(Math.min(remainingMs, retryBackoffMs));
                maybeWakeup();
            }
        } finally {
            release();
        }
    }

    @Override
    public void pause(Collection<TopicPartition> partitions) {
        acquire();
        try {
            for (TopicPartition tp : partitions) {
                subscriptions.pause(tp);
                // Buffered records of a paused partition are dropped; its position is where they started.
                dropBuffered(tp);
            }
        } finally {
            release();
        }
    }

    @Override
    public void resume(Collection<TopicPartition> partitions) {
        acquire();
        try {
            for (TopicPartition tp : partitions) {
                subscriptions.resume(tp);
            }
        } finally {
            release();
        }
    }

    @Override
    public Set<TopicPartition> paused() {
        acquire();
        try {
            return subscriptions.paused();
        } finally {
            release();
        }
    }

    private void dropBuffered(TopicPartition tp) {
        if (nextInLine != null && nextInLine.partition.equals(tp)) {
            dropNextInLine();
        }
    }

    private void dropNextInLine() {
        if (!nextInLine.released) {
            fetcher.release(nextInLine.partition);
        }
        nextInLine = null;
    }

    // ---- poll ------------------------------------------------------------------------------------

    @Override
    public ConsumerRecords<K, V> poll(Duration timeout) {
        acquire();
        try {
            if (mode == Mode.NONE) {
                throw new IllegalStateException("the consumer is neither subscribed to topics nor assigned partitions; "
                        + "call subscribe or assign first");
            }
            long timeoutMs = timeout.toMillis();
            if (timeoutMs < 0) {
                throw new IllegalArgumentException("the poll timeout must not be negative: " + timeout);
            }
            maybeWakeup();
            runCommitOutcomes();
            if (pendingFailure != null) {
                RuntimeException failure = pendingFailure;
                pendingFailure = null;
                throw failure;
            }
            long deadlineMs = System.currentTimeMillis() + timeoutMs;
            if (mode == Mode.SUBSCRIBED) {
                membership.onPoll(System.currentTimeMillis());
            }
            maybeAutoCommit();
            do {
                if (mode == Mode.SUBSCRIBED) {
                    reconcile();
                    refreshPattern(System.currentTimeMillis());
                }
                // These lookups block; they get request.timeout.ms even from a short poll, so that a loop of
                // poll(Duration.ZERO) still makes progress (docs/client.md).
                updateFetchPositions(Math.max(deadlineMs, System.currentTimeMillis() + requestTimeoutMs));
                Map<TopicPartition, List<ConsumerRecord<K, V>>> records = collect();
                // Fetch the next records now, so they arrive while the application processes these.
                sendFetches();
                if (!records.isEmpty()) {
                    return intercept(new ConsumerRecords<>(records));
                }
                long remainingMs = deadlineMs - System.currentTimeMillis();
                if (remainingMs <= 0) {
                    break;
                }
                long waitMs = metadataNeeded || !subscriptions.partitionsNeedingReset().isEmpty()
                        ? Math.min(remainingMs, retryBackoffMs) : remainingMs;
                fetcher.awaitCompleted(waitMs);
                maybeWakeup();
            } while (System.currentTimeMillis() < deadlineMs);
            return ConsumerRecords.empty();
        } finally {
            release();
        }
    }

    private void maybeWakeup() {
        if (wakeupRequested.compareAndSet(true, false)) {
            throw new WakeupException();
        }
    }

    @Override
    public void wakeup() {
        wakeupRequested.set(true);
        fetcher.wakeup();
    }

    private ConsumerRecords<K, V> intercept(ConsumerRecords<K, V> records) {
        ConsumerRecords<K, V> current = records;
        for (ConsumerInterceptor<K, V> interceptor : interceptors) {
            try {
                current = interceptor.onConsume(current);
            } catch (RuntimeException e) {
                LOG.warn("Interceptor {} failed in onConsume; continuing with the records before it", interceptor, e);
            }
        }
        return current;
    }

    // ---- the group: reconciliation --------------------------------------------------------------

    /**
     * Acts on what the group decided: a loss (this consumer was removed: its partitions go, the listener's
     * onPartitionsLost runs, and it joins again), or a new assignment (revoke what moves away, after
     * committing it with auto-commit; then take the new partitions, whose positions come from their committed
     * offsets). Runs on the consumer's thread, so the listener may call the consumer.
     */
    private void reconcile() {
        GroupMembership.Snapshot state = membership.snapshot();
        if (state.fatal() != null) {
            throw state.fatal();
        }
        if (state.lost()) {
            Set<TopicPartition> lost = subscriptions.assignment();
            dropAll();
            try {
                listener.onPartitionsLost(lost);
            } finally {
                membership.lossHandled();
            }
            return;
        }
        if (pendingRevocation != null) {
            if (!pendingRevocation.committed.get()) {
                return; // the revoked partitions wait for their commit; the others are handed out meanwhile
            }
            Set<TopicPartition> committed = pendingRevocation.partitions;
            pendingRevocation = null;
            revoke(committed);
        }
        GroupMembership.Target target = state.target();
        if (target == null || (target.generation() == state.generation() && target.version() == state.reconciledVersion()
                && subscriptions.assignment().equals(target.partitions()))) {
            return;
        }
        Set<TopicPartition> owned = subscriptions.assignment();
        Set<TopicPartition> revoked = new TreeSet<>(owned);
        revoked.removeAll(target.partitions());
        Set<TopicPartition> added = new TreeSet<>(target.partitions());
        added.removeAll(owned);
        if (!revoked.isEmpty()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = autoCommit ? consumedOffsets(revoked) : Map.of();
            if (!offsets.isEmpty()) {
                // Committed in the background, as Kafka 4's consumer does: the revoked partitions are neither
                // fetched nor handed out any more, the others go on being handed out, and the revocation
                // completes (listener, release to the group) on the first poll after the commit's answer.
                PendingRevocation pending = new PendingRevocation(revoked);
                pendingRevocation = pending;
                revoked.forEach(this::dropBuffered);
                commitInBackground(Map.copyOf(offsets), (committedOffsets, error) -> {
                    if (error != null) {
                        LOG.warn("Committing {} for group {} before their revocation failed: {}", committedOffsets.keySet(),
                                groupId, error.getMessage());
                    }
                }, true, () -> pending.committed.set(true));
                return;
            }
            revoke(revoked);
        }
        if (membership.acquire(target.generation(), target.version(), target.partitions())) {
            subscriptions.assign(target.partitions(), true);
            metadataNeeded = true;
            listener.onPartitionsAssigned(added);
        }
    }

    /** Runs the listener for partitions moving away, then gives them up (to the group too). */
    private void revoke(Set<TopicPartition> revoked) {
        Set<TopicPartition> owned = subscriptions.assignment();
        try {
            listener.onPartitionsRevoked(revoked);
        } finally {
            Set<TopicPartition> remaining = new TreeSet<>(owned);
            remaining.removeAll(revoked);
            revoked.forEach(this::dropBuffered);
            subscriptions.assign(remaining, true);
            membership.release(remaining);
        }
    }

    /** True while {@code tp} waits for the commit that precedes its revocation: not fetched, not handed out. */
    private boolean revoking(TopicPartition tp) {
        return pendingRevocation != null && pendingRevocation.partitions.contains(tp);
    }

    /** Partitions being revoked once their positions are committed; {@code committed} is set by the commit thread. */
    private static final class PendingRevocation {
        final Set<TopicPartition> partitions;
        final AtomicBoolean committed = new AtomicBoolean();

        PendingRevocation(Set<TopicPartition> partitions) {
            this.partitions = Set.copyOf(partitions);
        }
    }

    private void maybeAutoCommit() {
        if (!autoCommit || mode == Mode.NONE) {
            return;
        }
        long nowMs = System.currentTimeMillis();
        if (nowMs < nextAutoCommitMs) {
            return;
        }
        nextAutoCommitMs = nowMs + autoCommitIntervalMs;
        Map<TopicPartition, OffsetAndMetadata> offsets = consumedOffsets(subscriptions.assignment());
        if (!offsets.isEmpty()) {
            commitAsync(offsets, (committed, error) -> {
                if (error != null) {
                    LOG.warn("Auto-commit of {} for group {} failed: {}", committed.keySet(), groupId, error.getMessage());
                }
            });
        }
    }

    /** The positions of the given partitions that have one: what poll has returned so far. */
    private Map<TopicPartition, OffsetAndMetadata> consumedOffsets(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            if (subscriptions.isAssigned(tp)) {
                Long position = subscriptions.position(tp);
                if (position != null) {
                    offsets.put(tp, new OffsetAndMetadata(position));
                }
            }
        }
        return offsets;
    }

    private void commitQuietly(Map<TopicPartition, OffsetAndMetadata> offsets, String when) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            commitSync(offsets, Duration.ofMillis(defaultApiTimeoutMs));
        } catch (ApiException e) {
            LOG.warn("Committing {} for group {} {} failed: {}", offsets.keySet(), groupId, when, e.getMessage());
        }
    }

    // ---- commits --------------------------------------------------------------------------------

    @Override
    public void commitSync() {
        commitSync(Duration.ofMillis(defaultApiTimeoutMs));
    }

    @Override
    public void commitSync(Duration timeout) {
        acquire();
        try {
            commitSync(consumedOffsets(subscriptions.assignment()), timeout);
        } finally {
            release();
        }
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        commitSync(offsets, Duration.ofMillis(defaultApiTimeoutMs));
    }

    /**
     * Commits and waits. A commit carrying a member epoch the group has moved past (STALE_MEMBER_EPOCH) is
     * sent again with the newest epoch while the deadline allows; a commit refused because this consumer is
     * no longer a member throws {@link CommitFailedException}.
     */
    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
        acquire();
        try {
            requireGroup("commitSync");
            runCommitOutcomes();
            if (offsets.isEmpty()) {
                return;
            }
            long deadlineMs = System.currentTimeMillis() + timeout.toMillis();
            ApiException failure = commitWithCurrentEpoch(commitRequest(offsets), deadlineMs, mode == Mode.SUBSCRIBED,
                    this::maybeWakeup);
            if (failure != null) {
                throw failure;
            }
            onCommitted(offsets);
        } finally {
            release();
        }
    }

    /**
     * Sends a commit; with {@code untilCurrentEpoch}, a refusal with STALE_MEMBER_EPOCH is sent again with the
     * member's newer epoch until the deadline (the group moved on before this member's heartbeat brought
     * the new epoch: it is waited for). {@code beforeEachAttempt} runs before every attempt. Returns the
     * failure, null when committed. Called on the consumer's thread and on the commit thread (it reads the
     * member's epoch from the membership, which is thread-safe).
     */
    private ApiException commitWithCurrentEpoch(OffsetCommitRequest request, long deadlineMs, boolean untilCurrentEpoch,
                                                Runnable beforeEachAttempt) {
        while (true) {
            beforeEachAttempt.run();
            ApiException failure;
            try {
                failure = commitFailure(coordinator.commit(request, deadlineMs));
            } catch (ApiException e) {
                failure = e;
            }
            if (failure == null || !untilCurrentEpoch || failure.code() != ErrorCode.STALE_MEMBER_EPOCH
                    || System.currentTimeMillis() >= deadlineMs) {
                return failure;
            }
            if (membership.memberEpoch() == request.getMemberEpoch()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return failure;
                }
            }
            request = request.toBuilder().setMemberId(membership.memberId()).setMemberEpoch(membership.memberEpoch()).build();
        }
    }

    private OffsetCommitRequest commitRequest(Map<TopicPartition, OffsetAndMetadata> offsets) {
        OffsetCommitRequest.Builder request = OffsetCommitRequest.newBuilder().setGroupId(groupId);
        if (mode == Mode.SUBSCRIBED) {
            request.setMemberId(membership.memberId()).setMemberEpoch(membership.memberEpoch());
        } else {
            request.setMemberEpoch(-1);
        }
        Map<String, OffsetCommitTopic.Builder> topics = new TreeMap<>();
        offsets.forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(), t -> OffsetCommitTopic.newBuilder().setName(t))
                .addPartitions(OffsetCommitPartition.newBuilder().setPartition(tp.partition())
                        .setCommittedOffset(offset.offset()).setCommittedLeaderEpoch(offset.leaderEpoch().orElse(-1))
                        .setCommittedMetadata(offset.metadata())));
        topics.values().forEach(request::addTopics);
        return request.build();
    }

    /** The first refusal in a commit's answer, as the exception the caller gets; null when every partition was committed. */
    private static ApiException commitFailure(OffsetCommitResponse response) {
        for (OffsetCommitTopicResult topic : response.getTopicsList()) {
            for (PartitionResult partition : topic.getPartitionsList()) {
                ErrorCode code = partition.getError();
                if (code == ErrorCode.NONE) {
                    continue;
                }
                if (code == ErrorCode.UNKNOWN_MEMBER_ID || code == ErrorCode.FENCED_MEMBER_EPOCH) {
                    return new CommitFailedException(code, code + ": " + partition.getErrorMessage());
                }
                return ApiException.of(code, partition.getErrorMessage().isEmpty() ? "committing offset of " + topic.getName()
                        + "-" + partition.getPartition() + " failed: " + code : partition.getErrorMessage());
            }
        }
        return null;
    }

    private void onCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (ConsumerInterceptor<K, V> interceptor : interceptors) {
            try {
                interceptor.onCommit(offsets);
            } catch (RuntimeException e) {
                LOG.warn("Interceptor {} failed in onCommit", interceptor, e);
            }
        }
    }

    @Override
    public void commitAsync() {
        commitAsync(null);
    }

    @Override
    public void commitAsync(OffsetCommitCallback callback) {
        acquire();
        try {
            commitAsync(consumedOffsets(subscriptions.assignment()), callback);
        } finally {
            release();
        }
    }

    /**
     * Sends the commit without waiting; the callback (if any) runs on this thread during a later poll,
     * commitSync or close. Not retried, as in Kafka: a later commit of newer offsets supersedes it.
     */
    @Override
    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        acquire();
        try {
            requireGroup("commitAsync");
            Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(offsets);
            if (copy.isEmpty()) {
                if (callback != null) {
                    commitOutcomes.add(() -> callback.onComplete(copy, null));
                }
                return;
            }
            commitInBackground(copy, callback, false, () -> { });
        } finally {
            release();
        }
    }

    /**
     * Sends a commit from the commit thread; its outcome reaches {@code callback} on the consumer's thread
     * (at the next poll or commit call). {@code afterAttempt} runs on the commit thread once the commit is
     * answered or has failed, or at once when it cannot be queued. With {@code untilCurrentEpoch}, a commit
     * refused with STALE_MEMBER_EPOCH is sent again with the member's newer epoch within request.timeout.ms,
     * as {@code commitSync} does (a revocation's commit must not be lost to a heartbeat arriving late).
     */
    private void commitInBackground(Map<TopicPartition, OffsetAndMetadata> copy, OffsetCommitCallback callback,
                                    boolean untilCurrentEpoch, Runnable afterAttempt) {
        OffsetCommitRequest first = commitRequest(copy);
        boolean subscribed = mode == Mode.SUBSCRIBED;
        try {
            asyncCommits.execute(commitTasks.apply(() -> {
                ApiException failure = commitWithCurrentEpoch(first, System.currentTimeMillis() + requestTimeoutMs,
                        untilCurrentEpoch && subscribed, () -> { });
                commitOutcomes.add(() -> {
                    if (failure == null) {
                        onCommitted(copy);
                    }
                    if (callback != null) {
                        callback.onComplete(copy, failure);
                    } else if (failure != null) {
                        LOG.warn("Asynchronous commit of {} for group {} failed: {}", copy.keySet(), groupId, failure.getMessage());
                    }
                });
                afterAttempt.run();
                fetcher.wakeup();
            }));
        } catch (RejectedExecutionException e) {
            ApiException refused = ApiException.of(ErrorCode.REQUEST_TIMED_OUT, asyncCommits.isShutdown()
                    ? "the consumer is closed" : "more than " + ASYNC_COMMITS_MAX + " asynchronous commits are waiting");
            if (callback != null) {
                commitOutcomes.add(() -> callback.onComplete(copy, refused));
            }
            afterAttempt.run();
        }
    }

    /** Runs the callbacks of completed asynchronous commits, on this thread. */
    private void runCommitOutcomes() {
        for (Runnable outcome = commitOutcomes.poll(); outcome != null; outcome = commitOutcomes.poll()) {
            outcome.run();
        }
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        return committed(partitions, Duration.ofMillis(defaultApiTimeoutMs));
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions, Duration timeout) {
        acquire();
        try {
            requireGroup("committed");
            maybeWakeup();
            Map<TopicPartition, OffsetAndMetadata> result = new LinkedHashMap<>();
            if (partitions.isEmpty()) {
                return result;
            }
            Map<TopicPartition, OffsetFetchPartition> found = coordinator.fetch(partitions,
                    System.currentTimeMillis() + timeout.toMillis());
            for (TopicPartition tp : partitions) {
                OffsetFetchPartition p = found.get(tp);
                result.put(tp, p == null ? null : new OffsetAndMetadata(p.getCommittedOffset(),
                        p.getCommittedLeaderEpoch() >= 0 ? Optional.of(p.getCommittedLeaderEpoch()) : Optional.empty(),
                        p.getMetadata()));
            }
            return result;
        } finally {
            release();
        }
    }

    private void sendFetches() {
        Map<TopicPartition, Long> positions = subscriptions.fetchablePositions();
        if (pendingRevocation != null) {
            positions.keySet().removeAll(pendingRevocation.partitions);
        }
        PartitionRecords buffered = nextInLine;
        if (buffered != null && buffered.released && positions.containsKey(buffered.partition)) {
            // Prefetch: the next answer for this partition starts where the buffered records end.
            positions.put(buffered.partition, buffered.nextOffset);
        }
        List<TopicPartition> leaderless = fetcher.sendFetches(metadata.snapshot(), positions);
        if (!leaderless.isEmpty()) {
            metadataNeeded = true;
        }
    }

    private Map<TopicPartition, List<ConsumerRecord<K, V>>> collect() {
        Map<TopicPartition, List<ConsumerRecord<K, V>>> out = new LinkedHashMap<>();
        int remaining = maxPollRecords;
        while (remaining > 0) {
            if (nextInLine == null) {
                Fetcher.CompletedFetch completed = fetcher.pollCompleted();
                if (completed == null) {
                    break;
                }
                try {
                    nextInLine = parse(completed);
                    if (nextInLine != null) {
                        // The partition may be fetched again at once, from where these records end: the next
                        // answer travels while these are decoded and handed out.
                        fetcher.release(nextInLine.partition);
                        nextInLine.released = true;
                        sendFetches();
                    }
                } catch (RuntimeException e) {
                    if (out.isEmpty()) {
                        throw e;
                    }
                    // Positions of the records collected so far have moved: hand them out, fail the next poll.
                    pendingFailure = e;
                    break;
                }
                continue;
            }
            PartitionRecords current = nextInLine;
            TopicPartition tp = current.partition;
            if (!subscriptions.isAssigned(tp) || subscriptions.isPaused(tp) || revoking(tp)
                    || !Objects.equals(subscriptions.position(tp), current.expectedPosition)) {
                dropNextInLine();
                continue;
            }
            List<ConsumerRecord<K, V>> taken = new ArrayList<>();
            long position;
            try {
                remaining -= current.records.take(remaining, taken);
                position = current.records.nextRecordOffset();
            } catch (RuntimeException e) {
                // A record that cannot be deserialized: hand out those before it, leave the position at it.
                if (!taken.isEmpty()) {
                    out.computeIfAbsent(tp, k -> new ArrayList<>()).addAll(taken);
                }
                subscriptions.seek(tp, current.records.failedOffset() >= 0 ? current.records.failedOffset()
                        : current.expectedPosition);
                dropNextInLine();
                if (out.isEmpty()) {
                    throw e;
                }
                pendingFailure = e;
                break;
            }
            if (!taken.isEmpty()) {
                out.computeIfAbsent(tp, k -> new ArrayList<>()).addAll(taken);
            }
            subscriptions.seek(tp, position);
            current.expectedPosition = position;
            if (!current.records.hasNext()) {
                dropNextInLine();
            }
        }
        return out;
    }

    /**
     * Records of one partition from one fetch answer, decoded and handed out across polls up to
     * max.poll.records.
     */
    private final class PartitionRecords {
        final TopicPartition partition;
        final FetchDecoder<K, V>.Decoded records;
        final long nextOffset;
        long expectedPosition;
        /** The partition was released for a prefetch from {@link #nextOffset}. */
        boolean released;

        PartitionRecords(TopicPartition partition, FetchDecoder<K, V>.Decoded records, long expectedPosition) {
            this.partition = partition;
            this.records = records;
            this.nextOffset = records.nextOffset();
            this.expectedPosition = expectedPosition;
        }
    }

    /** Turns an answer into records, or handles its error; null when there is nothing to hand out. */
    private PartitionRecords parse(Fetcher.CompletedFetch completed) {
        TopicPartition tp = completed.partition();
        boolean handedOff = false;
        try {
            if (!subscriptions.isAssigned(tp) || subscriptions.isPaused(tp) || revoking(tp)
                    || !Objects.equals(subscriptions.position(tp), completed.fetchOffset())) {
                return null; // stale: the position moved (seek, reset) or the partition left while it was in flight
            }
            if (completed.callError() != null) {
                metadataNeeded = true;
                return null;
            }
            FetchPartitionResponse response = completed.response();
            ErrorCode error = response.getError();
            if (error == ErrorCode.NONE) {
                subscriptions.updateHighWatermark(tp, response.getHighWatermark());
                PartitionRecords records = decode(tp, completed.fetchOffset(), response);
                handedOff = records != null;
                return records;
            }
            if (error == ErrorCode.OFFSET_OUT_OF_RANGE) {
                ResetStrategy strategy = subscriptions.defaultResetStrategy();
                if (strategy == ResetStrategy.NONE) {
                    throw new NoOffsetForPartitionException(Set.of(tp), "fetch offset " + completed.fetchOffset()
                            + " is out of range for partition " + tp + " and auto.offset.reset is none");
                }
                subscriptions.requestReset(tp, strategy);
                return null;
            }
            if (Errors.invalidatesMetadata(error)) {
                metadata.applyLeaderHint(tp, response.hasCurrentLeader() ? response.getCurrentLeader() : null);
                metadataNeeded = true;
                return null;
            }
            if (Errors.isRetriable(error)) {
                return null;
            }
            throw ApiException.of(error, response.getErrorMessage().isEmpty()
                    ? "fetching " + tp + " failed: " + error : response.getErrorMessage());
        } finally {
            if (!handedOff) {
                fetcher.release(tp);
            }
        }
    }

    private PartitionRecords decode(TopicPartition tp, long position, FetchPartitionResponse response) {
        FetchDecoder<K, V>.Decoded decoded = decoder.decode(tp, position, response);
        if (!decoded.hasNext()) {
            if (decoded.nextOffset() > position) {
                // Only control batches, aborted records or compacted gaps: move past them.
                subscriptions.seek(tp, decoded.nextOffset());
            }
            return null;
        }
        return new PartitionRecords(tp, decoded, position);
    }

    // ---- metadata and offset lookups -------------------------------------------------------------

    private void ensureMetadata(long deadlineMs) {
        long nowMs = System.currentTimeMillis();
        ClusterMetadata.Snapshot snapshot = metadata.snapshot();
        boolean missing = false;
        Set<String> topics = new HashSet<>();
        for (TopicPartition tp : subscriptions.assignment()) {
            topics.add(tp.topic());
            if (snapshot.leader(tp) == null) {
                missing = true;
            }
        }
        boolean stale = nowMs - snapshot.updatedMs() >= metadataMaxAgeMs;
        if (!(metadataNeeded || missing || stale) || topics.isEmpty()) {
            return;
        }
        if (lastMetadataAttemptMs >= 0 && nowMs - lastMetadataAttemptMs < retryBackoffMs) {
            return;
        }
        lastMetadataAttemptMs = nowMs;
        metadata.refresh(topics, false, false, Math.min(deadlineMs, nowMs + requestTimeoutMs), 1);
        metadataNeeded = false;
    }

    /**
     * Refreshes metadata if needed and resolves missing positions. A lookup that timed out is left for the
     * next attempt (the caller loops until its own deadline); other failures are thrown.
     */
    private void updateFetchPositions(long deadlineMs) {
        try {
            ensureMetadata(deadlineMs);
            resetPositions(deadlineMs);
        } catch (ApiException e) {
            if (e.code() != ErrorCode.REQUEST_TIMED_OUT || e instanceof NoOffsetForPartitionException) {
                throw e;
            }
        }
    }

    /** Resolves positions of partitions that need one per their reset strategy (ListOffsets). */
    private void resetPositions(long deadlineMs) {
        positionFromCommitted(deadlineMs);
        Set<TopicPartition> needing = subscriptions.partitionsNeedingReset();
        needing.removeAll(subscriptions.awaitingCommitted());
        if (needing.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> timestamps = new LinkedHashMap<>();
        Set<TopicPartition> noStrategy = new LinkedHashSet<>();
        for (TopicPartition tp : needing) {
            ResetStrategy strategy = subscriptions.resetStrategy(tp);
            switch (strategy) {
                case EARLIEST -> timestamps.put(tp, ListOffsetsTimestamps.EARLIEST_TIMESTAMP);
                case LATEST -> timestamps.put(tp, ListOffsetsTimestamps.LATEST_TIMESTAMP);
                case NONE -> noStrategy.add(tp);
                default -> throw new IllegalStateException("unhandled reset strategy " + strategy);
            }
        }
        if (!noStrategy.isEmpty()) {
            throw new NoOffsetForPartitionException(noStrategy, "no position for partition(s) " + noStrategy
                    + " and auto.offset.reset is none; seek to an offset first");
        }
        long remainingMs = Math.max(1, Math.min(deadlineMs - System.currentTimeMillis(), requestTimeoutMs));
        Map<TopicPartition, Fetcher.ListedOffset> listed = fetcher.listOffsets(metadata.snapshot(), timestamps,
                remainingMs);
        for (Map.Entry<TopicPartition, Fetcher.ListedOffset> entry : listed.entrySet()) {
            TopicPartition tp = entry.getKey();
            Fetcher.ListedOffset result = entry.getValue();
            if (result.error() == ErrorCode.NONE && result.offset() >= 0) {
                if (subscriptions.isAssigned(tp) && subscriptions.position(tp) == null) {
                    subscriptions.seek(tp, result.offset());
                }
            } else {
                handleListError(tp, result);
            }
        }
    }

    private void handleListError(TopicPartition tp, Fetcher.ListedOffset result) {
        if (Errors.invalidatesMetadata(result.error()) || result.error() == ErrorCode.NETWORK_EXCEPTION) {
            metadataNeeded = true;
        } else if (!Errors.isRetriable(result.error()) && result.error() != ErrorCode.NONE) {
            throw ApiException.of(result.error(), "looking up offsets of " + tp + " failed: "
                    + result.errorMessage());
        }
    }

    /** New partitions of a consumer with a group start at the group's committed offset, when it has one. */
    private void positionFromCommitted(long deadlineMs) {
        Set<TopicPartition> awaiting = subscriptions.awaitingCommitted();
        if (awaiting.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetFetchPartition> committed = coordinator.fetch(awaiting,
                Math.min(deadlineMs, System.currentTimeMillis() + requestTimeoutMs));
        for (TopicPartition tp : awaiting) {
            OffsetFetchPartition found = committed.get(tp);
            if (found != null) {
                subscriptions.seek(tp, found.getCommittedOffset());
            } else {
                subscriptions.noCommittedOffset(tp);
            }
        }
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch) {
        return offsetsForTimes(timestampsToSearch, Duration.ofMillis(defaultApiTimeoutMs));
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestampsToSearch, Duration timeout) {
        for (Map.Entry<TopicPartition, Long> entry : timestampsToSearch.entrySet()) {
            if (entry.getValue() == null || entry.getValue() < 0) {
                throw new IllegalArgumentException("the timestamp to search for " + entry.getKey() + " must not be negative: "
                        + entry.getValue());
            }
        }
        Map<TopicPartition, Fetcher.ListedOffset> listed = listOffsets(timestampsToSearch, timeout.toMillis());
        Map<TopicPartition, OffsetAndTimestamp> result = new LinkedHashMap<>();
        timestampsToSearch.keySet().forEach(tp -> {
            Fetcher.ListedOffset found = listed.get(tp);
            result.put(tp, found == null || found.offset() < 0 ? null
                    : new OffsetAndTimestamp(found.offset(), found.timestamp(), Optional.empty()));
        });
        return result;
    }

    @Override
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return listOffsets(partitions, ListOffsetsTimestamps.EARLIEST_TIMESTAMP);
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return listOffsets(partitions, ListOffsetsTimestamps.LATEST_TIMESTAMP);
    }

    private Map<TopicPartition, Long> listOffsets(Collection<TopicPartition> partitions, long target) {
        Map<TopicPartition, Long> timestamps = new LinkedHashMap<>();
        partitions.forEach(tp -> timestamps.put(tp, target));
        Map<TopicPartition, Long> result = new HashMap<>();
        listOffsets(timestamps, defaultApiTimeoutMs).forEach((tp, listed) -> result.put(tp, listed.offset()));
        return result;
    }

    /** ListOffsets for each partition's timestamp, retried until every one is answered or the timeout passes. */
    private Map<TopicPartition, Fetcher.ListedOffset> listOffsets(Map<TopicPartition, Long> timestamps, long timeoutMs) {
        acquire();
        try {
            long deadlineMs = System.currentTimeMillis() + timeoutMs;
            Map<TopicPartition, Fetcher.ListedOffset> result = new HashMap<>();
            Set<String> topics = new HashSet<>();
            timestamps.keySet().forEach(tp -> topics.add(tp.topic()));
            while (true) {
                Map<TopicPartition, Long> wanted = new LinkedHashMap<>();
                timestamps.forEach((tp, timestamp) -> {
                    if (!result.containsKey(tp)) {
                        wanted.put(tp, timestamp);
                    }
                });
                if (wanted.isEmpty()) {
                    return result;
                }
                ClusterMetadata.Snapshot snapshot = metadata.snapshot();
                boolean leaderless = wanted.keySet().stream().anyMatch(tp -> snapshot.leader(tp) == null);
                if (leaderless || metadataNeeded) {
                    if (deadlineMs - System.currentTimeMillis() <= 0) {
                        throw offsetsTimeout(wanted.keySet(), timeoutMs, null);
                    }
                    try {
                        metadata.refresh(topics, false, false, Math.min(deadlineMs,
                                System.currentTimeMillis() + requestTimeoutMs));
                    } catch (ApiException e) {
                        if (!e.isRetriable() || deadlineMs - System.currentTimeMillis() > 0) {
                            throw e;
                        }
                        throw offsetsTimeout(wanted.keySet(), timeoutMs, e);
                    }
                    metadataNeeded = false;
                    failUnknownTopics(wanted.keySet());
                }
                long remainingMs = deadlineMs - System.currentTimeMillis();
                if (remainingMs <= 0) {
                    throw offsetsTimeout(wanted.keySet(), timeoutMs, null);
                }
                Map<TopicPartition, Fetcher.ListedOffset> listed = fetcher.listOffsets(metadata.snapshot(), wanted,
                        Math.min(remainingMs, requestTimeoutMs));
                listed.forEach((tp, r) -> {
                    if (r.error() == ErrorCode.NONE) {
                        result.put(tp, r);
                    } else {
                        handleListError(tp, r);
                    }
                });
                if (result.size() < timestamps.size()) {
                    fetcher.awaitCompleted(Math.min(retryBackoffMs, Math.max(1, deadlineMs - System.currentTimeMillis())));
                    maybeWakeup();
                }
            }
        } finally {
            release();
        }
    }

    /**
     * The failure of an offsets lookup that ran out of time, saying why: a topic the cluster last said does
     * not exist gives UNKNOWN_TOPIC_OR_PARTITION naming it (topics being created appear within moments, so the
     * lookup waits for them until the timeout); otherwise REQUEST_TIMED_OUT with the last error, if any.
     */
    private ApiException offsetsTimeout(Set<TopicPartition> wanted, long timeoutMs, ApiException last) {
        ClusterMetadata.Snapshot snapshot = metadata.snapshot();
        for (TopicPartition tp : wanted) {
            ClusterMetadata.TopicState state = snapshot.topic(tp.topic());
            if (state != null && state.error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                return ApiException.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + tp.topic()
                        + "' does not exist: the cluster answered UNKNOWN_TOPIC_OR_PARTITION for it until the"
                        + " timeout (" + timeoutMs + " ms) passed", last);
            }
        }
        return ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "failed to get offsets of " + wanted + " within "
                + timeoutMs + " ms" + (last == null ? "" : "; last error: " + last.getMessage()), last);
    }

    /** A topic the cluster says does not exist fails the lookup at once instead of after the timeout. */
    private void failUnknownTopics(Set<TopicPartition> partitions) {
        ClusterMetadata.Snapshot snapshot = metadata.snapshot();
        for (TopicPartition tp : partitions) {
            ClusterMetadata.TopicState state = snapshot.topic(tp.topic());
            if (state != null && !state.ok() && !Errors.isRetriable(state.error())) {
                throw ApiException.of(state.error(), state.errorMessage());
            }
            if (state != null && state.ok() && tp.partition() >= state.partitions().size()) {
                throw ApiException.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + tp.topic() + "' has "
                        + state.partitions().size() + " partitions; " + tp + " does not exist");
            }
        }
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        acquire();
        try {
            ClusterMetadata.TopicState state = metadata.refresh(List.of(topic), false, false,
                    System.currentTimeMillis() + defaultApiTimeoutMs).topic(topic);
            if (state == null || state.error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                return List.of();
            }
            if (!state.ok()) {
                throw ApiException.of(state.error(), state.errorMessage());
            }
            return state.partitions();
        } finally {
            release();
        }
    }

    /** client.id, or the generated "consumer-N". */
    public String clientId() {
        return clientId;
    }

    @Override
    public Map<MetricName, Double> metrics() {
        acquire();
        try {
            Map<MetricName, Double> metrics = new LinkedHashMap<>();
            double lagMax = Double.NaN;
            for (TopicPartition tp : subscriptions.assignment()) {
                Long position = subscriptions.position(tp);
                long highWatermark = subscriptions.highWatermark(tp);
                if (position == null || highWatermark < 0) {
                    continue;
                }
                double lag = Math.max(0, highWatermark - position);
                metrics.put(new MetricName("records-lag", "consumer-fetch-manager-metrics", Map.of("client-id", clientId,
                        "topic", tp.topic(), "partition", String.valueOf(tp.partition()))), lag);
                lagMax = Double.isNaN(lagMax) ? lag : Math.max(lagMax, lag);
            }
            metrics.put(new MetricName("records-lag-max", "consumer-fetch-manager-metrics", Map.of("client-id", clientId)), lagMax);
            return metrics;
        } finally {
            release();
        }
    }

    /** The member id this consumer has in its group (a UUID chosen at construction), or null without group.id. */
    public String memberId() {
        return membership == null ? null : membership.memberId();
    }

    @Override
    public void close() {
        close(CLOSE_TIMEOUT_DEFAULT);
    }

    /**
     * Commits the consumed positions (with auto-commit), tells the rebalance listener its partitions are
     * revoked, leaves the group (a static member leaves for now, keeping its partitions for session.timeout.ms)
     * and stops, waiting at most {@code timeout} for the group.
     */
    @Override
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        acquire();
        try {
            if (closed) {
                return;
            }
            try {
                leaveOnClose(timeout);
            } finally {
                closed = true;
                if (membership != null) {
                    membership.close();
                }
                if (asyncCommits != null) {
                    asyncCommits.shutdownNow();
                }
                for (ConsumerInterceptor<K, V> interceptor : interceptors) {
                    try {
                        interceptor.close();
                    } catch (RuntimeException e) {
                        LOG.warn("Interceptor {} failed to close", interceptor, e);
                    }
                }
                channels.close();
            }
        } finally {
            owner.set(NO_THREAD);
            refCount = 0;
        }
    }

    private void leaveOnClose(Duration timeout) {
        long timeoutMs = Math.max(0, timeout.toMillis());
        runCommitOutcomes();
        if (autoCommit && mode != Mode.NONE) {
            Map<TopicPartition, OffsetAndMetadata> offsets = consumedOffsets(subscriptions.assignment());
            if (!offsets.isEmpty()) {
                try {
                    commitSync(offsets, Duration.ofMillis(timeoutMs));
                } catch (ApiException e) {
                    LOG.warn("The commit on close of group {} failed: {}", groupId, e.getMessage());
                }
            }
        }
        if (mode == Mode.SUBSCRIBED) {
            try {
                listener.onPartitionsRevoked(subscriptions.assignment());
            } finally {
                membership.leave(true, Math.min(timeoutMs, requestTimeoutMs));
            }
        }
    }

    private void acquire() {
        if (closed) {
            throw new IllegalStateException("the consumer is closed");
        }
        long me = Thread.currentThread().getId();
        if (owner.get() != me && !owner.compareAndSet(NO_THREAD, me)) {
            throw new ConcurrentModificationException("the consumer is not safe for multi-threaded access: "
                    + "another thread is using it");
        }
        refCount++;
    }

    private void release() {
        if (--refCount == 0) {
            owner.set(NO_THREAD);
        }
    }
}
