package io.runnel.client.consumer;

import io.runnel.client.PartitionInfo;
import io.runnel.client.internal.BrokerAddress;
import io.runnel.client.internal.ChannelPool;
import io.runnel.client.internal.ClusterMetadata;
import io.runnel.client.internal.Fetcher;
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
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runnel's consumer in assign mode, modeled on Kafka's: the application assigns partitions, polls records,
 * and moves positions with seek, seekToBeginning/End; {@code auto.offset.reset} decides where a partition
 * without a position starts. Fetches are pipelined: one Fetch per broker is in flight while the
 * application processes what the last poll returned.
 *
 * <p>Not thread-safe: one thread uses it; a second thread entering at the same time gets a
 * ConcurrentModificationException, as in Kafka. Positions live only in this object (no commits yet).
 *
 * <pre>{@code
 * try (Consumer<String, String> consumer = new RunnelConsumer<>(Map.of("bootstrap.servers", "localhost:9092",
 *         "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
 *     consumer.assign(List.of(new TopicPartition("orders", 0)));
 *     for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(1))) { ... }
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

    @SuppressWarnings("unchecked")
    private RunnelConsumer(ConsumerConfig config, Deserializer<K> keyDeserializer,
                           Deserializer<V> valueDeserializer) {
        this.config = config;
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
            Set<TopicPartition> removed = subscriptions.assign(new LinkedHashSet<>(partitions));
            if (nextInLine != null && removed.contains(nextInLine.partition)) {
                dropNextInLine();
            }
            metadataNeeded = true;
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
                    throw new ApiException(ErrorCode.REQUEST_TIMED_OUT, "timeout of " + timeout.toMillis()
                            + " ms expired before the position for partition " + partition + " could be determined");
                }
                fetcher.awaitCompleted(Math.min(remainingMs, retryBackoffMs));
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
            if (subscriptions.assignment().isEmpty()) {
                throw new IllegalStateException("the consumer is not assigned any partitions; call assign first");
            }
            long timeoutMs = timeout.toMillis();
            if (timeoutMs < 0) {
                throw new IllegalArgumentException("the poll timeout must not be negative: " + timeout);
            }
            if (pendingFailure != null) {
                RuntimeException failure = pendingFailure;
                pendingFailure = null;
                throw failure;
            }
            long deadlineMs = System.currentTimeMillis() + timeoutMs;
            do {
                // These lookups block; they get request.timeout.ms even from a short poll, so that a loop of
                // poll(Duration.ZERO) still makes progress (docs/client.md).
                updateFetchPositions(Math.max(deadlineMs, System.currentTimeMillis() + requestTimeoutMs));
                Map<TopicPartition, List<ConsumerRecord<K, V>>> records = collect();
                // Fetch the next records now, so they arrive while the application processes these.
                sendFetches();
                if (!records.isEmpty()) {
                    return new ConsumerRecords<>(records);
                }
                long remainingMs = deadlineMs - System.currentTimeMillis();
                if (remainingMs <= 0) {
                    break;
                }
                long waitMs = metadataNeeded || !subscriptions.partitionsNeedingReset().isEmpty()
                        ? Math.min(remainingMs, retryBackoffMs) : remainingMs;
                fetcher.awaitCompleted(waitMs);
            } while (System.currentTimeMillis() < deadlineMs);
            return ConsumerRecords.empty();
        } finally {
            release();
        }
    }

    private void sendFetches() {
        Map<TopicPartition, Long> positions = subscriptions.fetchablePositions();
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
                        // The partition may be fetched again at once, from where these records end, so the
                        // next answer travels while the application works through these (see sendFetches).
                        fetcher.release(nextInLine.partition);
                        nextInLine.released = true;
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
            if (!subscriptions.isAssigned(tp) || subscriptions.isPaused(tp)
                    || !Objects.equals(subscriptions.position(tp), current.expectedPosition)) {
                dropNextInLine();
                continue;
            }
            int take = Math.min(remaining, current.records.size() - current.index);
            if (take > 0) {
                out.computeIfAbsent(tp, k -> new ArrayList<>())
                        .addAll(current.records.subList(current.index, current.index + take));
                current.index += take;
                remaining -= take;
            }
            long position = current.index < current.records.size()
                    ? current.records.get(current.index).offset() : current.nextOffset;
            subscriptions.seek(tp, position);
            current.expectedPosition = position;
            if (current.index >= current.records.size()) {
                dropNextInLine();
            }
        }
        return out;
    }

    /** Records of one partition from one fetch answer, handed out across polls up to max.poll.records. */
    private final class PartitionRecords {
        final TopicPartition partition;
        final List<ConsumerRecord<K, V>> records;
        final long nextOffset;
        long expectedPosition;
        int index;
        /** The partition was released for a prefetch from {@link #nextOffset}. */
        boolean released;

        PartitionRecords(TopicPartition partition, List<ConsumerRecord<K, V>> records, long nextOffset,
                         long expectedPosition) {
            this.partition = partition;
            this.records = records;
            this.nextOffset = nextOffset;
            this.expectedPosition = expectedPosition;
        }
    }

    /** Turns an answer into records, or handles its error; null when there is nothing to hand out. */
    private PartitionRecords parse(Fetcher.CompletedFetch completed) {
        TopicPartition tp = completed.partition();
        boolean handedOff = false;
        try {
            if (!subscriptions.isAssigned(tp) || subscriptions.isPaused(tp)
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
            throw new ApiException(error, response.getErrorMessage().isEmpty()
                    ? "fetching " + tp + " failed: " + error : response.getErrorMessage());
        } finally {
            if (!handedOff) {
                fetcher.release(tp);
            }
        }
    }

    private PartitionRecords decode(TopicPartition tp, long position, FetchPartitionResponse response) {
        FetchDecoder.Decoded<K, V> decoded = decoder.decode(tp, position, response);
        if (decoded.records().isEmpty()) {
            if (decoded.nextOffset() > position) {
                // Only control batches, aborted records or compacted gaps: move past them.
                subscriptions.seek(tp, decoded.nextOffset());
            }
            return null;
        }
        return new PartitionRecords(tp, decoded.records(), decoded.nextOffset(), position);
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
        Set<TopicPartition> needing = subscriptions.partitionsNeedingReset();
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
            throw new ApiException(result.error(), "looking up offsets of " + tp + " failed: "
                    + result.errorMessage());
        }
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
        acquire();
        try {
            long deadlineMs = System.currentTimeMillis() + defaultApiTimeoutMs;
            Map<TopicPartition, Long> result = new HashMap<>();
            Set<String> topics = new HashSet<>();
            partitions.forEach(tp -> topics.add(tp.topic()));
            while (true) {
                Map<TopicPartition, Long> wanted = new LinkedHashMap<>();
                for (TopicPartition tp : partitions) {
                    if (!result.containsKey(tp)) {
                        wanted.put(tp, target);
                    }
                }
                if (wanted.isEmpty()) {
                    return result;
                }
                ClusterMetadata.Snapshot snapshot = metadata.snapshot();
                boolean leaderless = wanted.keySet().stream().anyMatch(tp -> snapshot.leader(tp) == null);
                if (leaderless || metadataNeeded) {
                    metadata.refresh(topics, false, false, Math.min(deadlineMs,
                            System.currentTimeMillis() + requestTimeoutMs));
                    metadataNeeded = false;
                    failUnknownTopics(wanted.keySet());
                }
                long remainingMs = deadlineMs - System.currentTimeMillis();
                if (remainingMs <= 0) {
                    throw new ApiException(ErrorCode.REQUEST_TIMED_OUT, "failed to get offsets of " + wanted.keySet()
                            + " within default.api.timeout.ms (" + defaultApiTimeoutMs + " ms)");
                }
                Map<TopicPartition, Fetcher.ListedOffset> listed = fetcher.listOffsets(metadata.snapshot(), wanted,
                        Math.min(remainingMs, requestTimeoutMs));
                listed.forEach((tp, r) -> {
                    if (r.error() == ErrorCode.NONE) {
                        result.put(tp, r.offset());
                    } else {
                        handleListError(tp, r);
                    }
                });
                if (result.size() < partitions.size()) {
                    fetcher.awaitCompleted(Math.min(retryBackoffMs, Math.max(1, deadlineMs - System.currentTimeMillis())));
                }
            }
        } finally {
            release();
        }
    }

    /** A topic the cluster says does not exist fails the lookup at once instead of after the timeout. */
    private void failUnknownTopics(Set<TopicPartition> partitions) {
        ClusterMetadata.Snapshot snapshot = metadata.snapshot();
        for (TopicPartition tp : partitions) {
            ClusterMetadata.TopicState state = snapshot.topic(tp.topic());
            if (state != null && !state.ok() && !Errors.isRetriable(state.error())) {
                throw new ApiException(state.error(), state.errorMessage());
            }
            if (state != null && state.ok() && tp.partition() >= state.partitions().size()) {
                throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + tp.topic() + "' has "
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
                throw new ApiException(state.error(), state.errorMessage());
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
    public void close() {
        if (closed) {
            return;
        }
        acquire();
        try {
            if (closed) {
                return;
            }
            closed = true;
            channels.close();
        } finally {
            owner.set(NO_THREAD);
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
