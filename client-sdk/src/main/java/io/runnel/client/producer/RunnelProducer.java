package io.runnel.client.producer;

import io.runnel.client.PartitionInfo;
import io.runnel.client.internal.BrokerAddress;
import io.runnel.client.internal.ChannelPool;
import io.runnel.client.internal.ClusterMetadata;
import io.runnel.client.internal.FutureRecordMetadata;
import io.runnel.client.internal.IdempotenceManager;
import io.runnel.client.internal.MemoryPool;
import io.runnel.client.internal.ProducerBatch;
import io.runnel.client.internal.ProducerInterceptors;
import io.runnel.client.internal.ProducerMetricsRecorder;
import io.runnel.client.internal.RecordAccumulator;
import io.runnel.client.internal.RecordSizes;
import io.runnel.client.internal.Sender;
import io.runnel.client.serialization.SerializationException;
import io.runnel.client.serialization.Serializer;
import io.runnel.common.TopicPartition;
import io.runnel.common.config.ConfigException;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.Errors;
import io.runnel.common.errors.UnknownTopicOrPartitionException;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatch;
import io.runnel.proto.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runnel's producer, modeled on Kafka's: {@code send} runs interceptors → serializer → partitioner →
 * accumulator on the calling thread and returns a future; one sender thread
 * ("runnel-producer-network-thread | client.id") sends batches to partition leaders over gRPC and completes
 * the futures and callbacks (after the interceptors' onAcknowledgement).
 *
 * <p>Idempotent by default (Kafka 3+): with {@code acks=all}, the producer gets a producer id and numbers
 * each partition's records, and brokers keep each record once, in send order, whatever the retries (see
 * {@link io.runnel.client.internal.IdempotenceManager}). Metrics under Kafka's names: {@link #metrics()}.
 *
 * <p>Thread-safe: share one instance between threads. {@code send} blocks only to fetch metadata for a new
 * topic and when {@code buffer.memory} is used up, both bounded by {@code max.block.ms}; a send that fails
 * (record too large, timeout, broker error) fails its future and calls its callback, it does not throw.
 * Programming errors (null record, send after close) throw.
 *
 * <pre>{@code
 * try (Producer<String, String> producer = new RunnelProducer<>(
 *         Map.of("bootstrap.servers", "localhost:9092"), new StringSerializer(), new StringSerializer())) {
 *     producer.send(new ProducerRecord<>("orders", "key", "value")).get();
 * }
 * }</pre>
 */
public final class RunnelProducer<K, V> implements Producer<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(RunnelProducer.class);
    private static final AtomicInteger CLIENT_SEQUENCE = new AtomicInteger();
    /** Answers are small; this bounds a broken broker's reply, not a legitimate one. */
    private static final int MAX_INBOUND_MESSAGE_BYTES = 16 * 1024 * 1024;

    private final ProducerConfig config;
    private final String clientId;
    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private final Partitioner partitioner;
    private final ProducerInterceptors<K, V> interceptors;
    private final ProducerMetricsRecorder metricsRecorder;
    private final ProducerMetrics metrics;
    private final ChannelPool channels;
    private final ClusterMetadata metadata;
    private final MemoryPool memory;
    private final RecordAccumulator accumulator;
    private final Sender sender;
    private final Thread ioThread;
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    private final long maxBlockMs;
    private final int maxRequestSizeBytes;
    private final long retryBackoffMs;
    private volatile boolean closed;

    /** Serializers from {@code key.serializer} and {@code value.serializer}. */
    public RunnelProducer(Map<String, ?> configs) {
        this(configs, null, null);
    }

    public RunnelProducer(Properties properties) {
        this(new ProducerConfig(properties), null, null);
    }

    public RunnelProducer(Properties properties, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this(new ProducerConfig(properties), keySerializer, valueSerializer);
    }

    /** Serializers given here take precedence over {@code key.serializer} / {@code value.serializer}. */
    public RunnelProducer(Map<String, ?> configs, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this(new ProducerConfig(configs), keySerializer, valueSerializer);
    }

    @SuppressWarnings("unchecked")
    private RunnelProducer(ProducerConfig config, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this.config = config;
        String configuredId = config.getString(ProducerConfig.CLIENT_ID_CONFIG);
        this.clientId = configuredId == null || configuredId.isEmpty()
                ? "producer-" + CLIENT_SEQUENCE.incrementAndGet() : configuredId;
        this.keySerializer = keySerializer != null ? keySerializer
                : (Serializer<K>) required(config.getInstance(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, Serializer.class),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        this.valueSerializer = valueSerializer != null ? valueSerializer
                : (Serializer<V>) required(config.getInstance(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, Serializer.class),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        Partitioner custom = config.getInstance(ProducerConfig.PARTITIONER_CLASS_CONFIG, Partitioner.class);
        this.partitioner = custom != null ? custom : new BuiltInPartitioner();
        this.interceptors = new ProducerInterceptors<>(interceptors(config, clientId));
        this.maxBlockMs = config.getLong(ProducerConfig.MAX_BLOCK_MS_CONFIG);
        this.maxRequestSizeBytes = config.getInt(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        this.retryBackoffMs = config.getLong(ProducerConfig.RETRY_BACKOFF_MS_CONFIG);
        List<BrokerAddress> bootstrap = new ArrayList<>();
        for (String address : config.getList(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            bootstrap.add(BrokerAddress.parse(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, address));
        }
        int requestTimeoutMs = config.getInt(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG);
        this.channels = new ChannelPool(MAX_INBOUND_MESSAGE_BYTES);
        this.metadata = new ClusterMetadata(channels, bootstrap, retryBackoffMs, requestTimeoutMs);
        this.memory = new MemoryPool(config.getLong(ProducerConfig.BUFFER_MEMORY_CONFIG));
        this.metricsRecorder = new ProducerMetricsRecorder(config.getLong(ProducerConfig.METRICS_SAMPLE_WINDOW_MS_CONFIG),
                config.getInt(ProducerConfig.METRICS_NUM_SAMPLES_CONFIG), System::currentTimeMillis);
        this.metrics = metricsRecorder.view(clientId, memory);
        long deliveryTimeoutMs = config.getInt(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
        this.accumulator = new RecordAccumulator(config.getInt(ProducerConfig.BATCH_SIZE_CONFIG),
                config.getLong(ProducerConfig.LINGER_MS_CONFIG), retryBackoffMs, deliveryTimeoutMs,
                CompressionType.forName(config.getString(ProducerConfig.COMPRESSION_TYPE_CONFIG)), memory,
                interceptors.isEmpty() ? ProducerBatch.AcknowledgementListener.NONE : interceptors::onAcknowledgement);
        int maxInFlight = config.getInt(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        IdempotenceManager idempotence = config.idempotenceEnabled() ? new IdempotenceManager(RecordBatch.PRODUCER_BATCHES_RETAINED) : null;
        if (!config.idempotenceEnabled() && !config.isSet(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)) {
            LOG.info("producer {}: idempotence is off because acks={}, max.in.flight.requests.per.connection={} and"
                    + " retries={} do not allow it", clientId, config.getString(ProducerConfig.ACKS_CONFIG), maxInFlight,
                    config.getInt(ProducerConfig.RETRIES_CONFIG));
        }
        this.sender = new Sender(accumulator, metadata, channels, new Sender.Settings(config.acks(), requestTimeoutMs,
                maxInFlight, maxRequestSizeBytes, config.getInt(ProducerConfig.RETRIES_CONFIG), retryBackoffMs,
                deliveryTimeoutMs, config.getLong(ProducerConfig.METADATA_MAX_AGE_MS_CONFIG)), topics, idempotence,
                metricsRecorder);
        this.ioThread = new Thread(sender, "runnel-producer-network-thread | " + clientId);
        ioThread.setDaemon(true);
        ioThread.start();
    }

    @SuppressWarnings("unchecked")
    private static <K, V> List<ProducerInterceptor<K, V>> interceptors(ProducerConfig config, String clientId) {
        List<ProducerInterceptor<K, V>> list = new ArrayList<>();
        Map<String, Object> settings = new java.util.HashMap<>(config.originals());
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        for (ProducerInterceptor<?, ?> interceptor : config.getInstances(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG,
                ProducerInterceptor.class)) {
            interceptor.configure(Map.copyOf(settings));
            list.add((ProducerInterceptor<K, V>) interceptor);
        }
        return list;
    }

    private static Object required(Object instance, String key) {
        if (instance == null) {
            throw new ConfigException("missing required configuration '" + key
                    + "': pass a Serializer to the constructor or name its class here");
        }
        return instance;
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
        return send(record, null);
    }

    @Override
    public Future<RecordMetadata> send(ProducerRecord<K, V> original, Callback callback) {
        Objects.requireNonNull(original, "record");
        if (closed) {
            throw new IllegalStateException("cannot send after the producer is closed");
        }
        ProducerRecord<K, V> record = interceptors.isEmpty() ? original : interceptors.onSend(original);
        long startMs = System.currentTimeMillis();
        try {
            ApiException fatal = sender.fatalError();
            if (fatal != null) {
                throw fatal;
            }
            ClusterMetadata.TopicState topic = waitOnMetadata(record.topic(), record.partition(), maxBlockMs);
            byte[] keyBytes = serialize(keySerializer, record, record.key(), "key");
            byte[] valueBytes = serialize(valueSerializer, record, record.value(), "value");
            // Serializers may add headers; after them the record's headers are fixed, as in Kafka.
            record.headers().setReadOnly();
            Header[] headers = record.headers().toArray();
            int sizeBound = RecordSizes.batchUpperBound(keyBytes, valueBytes, headers);
            metricsRecorder.recordSize(sizeBound);
            if (sizeBound > maxRequestSizeBytes) {
                throw ApiException.of(ErrorCode.RECORD_TOO_LARGE, "the record is up to " + sizeBound
                        + " bytes when serialized, which is larger than max.request.size (" + maxRequestSizeBytes + ")");
            }
            if (sizeBound > memory.totalBytes()) {
                throw ApiException.of(ErrorCode.RECORD_TOO_LARGE, "the record is up to " + sizeBound
                        + " bytes when serialized, which is larger than buffer.memory (" + memory.totalBytes() + ")");
            }
            List<PartitionInfo> partitions = topic.partitions();
            int partition = partition(record, keyBytes, valueBytes, partitions);
            long timestamp = record.timestamp() != null ? record.timestamp() : startMs;
            long remainingMs = Math.max(0, maxBlockMs - (System.currentTimeMillis() - startMs));
            boolean partitionerChose = record.partition() == null;
            RecordAccumulator.AppendResult result = accumulator.append(new TopicPartition(record.topic(), partition),
                    timestamp, keyBytes, valueBytes, headers, callback, sizeBound, remainingMs, partitionerChose,
                    System.currentTimeMillis());
            if (result.abortedForNewBatch()) {
                // The sticky partition's batch is complete: move on before opening a new batch.
                partitioner.onNewBatch(record.topic(), partitions, partition);
                partition = partition(record, keyBytes, valueBytes, partitions);
                remainingMs = Math.max(0, maxBlockMs - (System.currentTimeMillis() - startMs));
                result = accumulator.append(new TopicPartition(record.topic(), partition), timestamp, keyBytes,
                        valueBytes, headers, callback, sizeBound, remainingMs, false, System.currentTimeMillis());
            }
            if (result.batchIsFull() || result.newBatchCreated()) {
                sender.wakeup();
            }
            return result.future();
        } catch (ApiException e) {
            return failed(record, callback, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(record, callback, ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "interrupted while sending", e));
        }
    }

    private Future<RecordMetadata> failed(ProducerRecord<K, V> record, Callback callback, ApiException e) {
        interceptors.onSendError(record.topic(), record.partition(), e);
        if (callback != null) {
            callback.onCompletion(null, e);
        }
        return FutureRecordMetadata.failed(e);
    }

    private <T> byte[] serialize(Serializer<T> serializer, ProducerRecord<K, V> record, T data, String what) {
        try {
            return serializer.serialize(record.topic(), record.headers(), data);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("cannot serialize the " + what + " of a record for topic '"
                    + record.topic() + "' with " + serializer.getClass().getName() + ": " + e, e);
        }
    }

    private int partition(ProducerRecord<K, V> record, byte[] keyBytes, byte[] valueBytes,
                          List<PartitionInfo> partitions) {
        if (record.partition() != null) {
            return record.partition();
        }
        int chosen = partitioner.partition(record.topic(), record.key(), keyBytes, record.value(), valueBytes,
                partitions);
        if (chosen < 0 || chosen >= partitions.size()) {
            throw new UnknownTopicOrPartitionException("the partitioner chose partition "
                    + chosen + " of topic '" + record.topic() + "', which has " + partitions.size() + " partitions");
        }
        return chosen;
    }

    /**
     * The topic's metadata with at least {@code partition + 1} partitions, asking the cluster (with
     * auto-creation allowed) until it has them or {@code maxWaitMs} passed.
     */
    private ClusterMetadata.TopicState waitOnMetadata(String topic, Integer partition, long maxWaitMs) {
        topics.add(topic);
        ClusterMetadata.TopicState state = metadata.snapshot().topic(topic);
        if (usable(state, partition)) {
            return state;
        }
        long deadlineMs = System.currentTimeMillis() + maxWaitMs;
        ApiException last = null;
        while (true) {
            try {
                state = metadata.refresh(List.of(topic), false, true, deadlineMs).topic(topic);
            } catch (ApiException e) {
                // Keep the state last seen: it, not the failed refresh, says why the topic is not usable.
                last = e;
            }
            if (usable(state, partition)) {
                return state;
            }
            if (partition != null && state != null && state.ok() && !state.partitions().isEmpty()) {
                // The cluster has just described the topic: waiting for more partitions would only end in a
                // timeout (partitions are added by an admin, not by sending), so fail now, as for the partitioner.
                throw new UnknownTopicOrPartitionException("partition " + partition + " of topic '" + topic
                        + "' does not exist: the topic has " + state.partitions().size() + " partitions (0 to "
                        + (state.partitions().size() - 1) + ")");
            }
            if (state != null && !state.ok() && !Errors.isRetriable(state.error())) {
                throw ApiException.of(state.error(), state.errorMessage().isEmpty()
                        ? "cannot send to topic '" + topic + "': " + state.error() : state.errorMessage());
            }
            long remainingMs = deadlineMs - System.currentTimeMillis();
            if (remainingMs <= 0) {
                String what = partition == null ? "topic '" + topic + "'"
                        : "partition " + partition + " of topic '" + topic + "'";
                String why = state != null && !state.ok() ? " (" + state.error() + ")"
                        : last != null ? " (" + last.getMessage() + ")" : "";
                throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, what + " not present in metadata after "
                        + maxWaitMs + " ms" + why);
            }
            try {
                Thread.sleep(Math.min(remainingMs, retryBackoffMs));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for metadata", e);
            }
        }
    }

    private static boolean usable(ClusterMetadata.TopicState state, Integer partition) {
        return state != null && state.ok() && !state.partitions().isEmpty()
                && (partition == null || partition < state.partitions().size());
    }

    @Override
    public void flush() {
        accumulator.beginFlush();
        sender.wakeup();
        try {
            accumulator.awaitFlushCompletion();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "interrupted while flushing", e);
        }
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        Objects.requireNonNull(topic, "topic");
        if (closed) {
            throw new IllegalStateException("the producer is closed");
        }
        return waitOnMetadata(topic, null, maxBlockMs).partitions();
    }

    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }

    @Override
    public void close(Duration timeout) {
        long timeoutMs = timeout.toMillis();
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("the close timeout must not be negative: " + timeout);
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        accumulator.close();
        sender.initiateClose();
        try {
            if (timeoutMs > 0) {
                ioThread.join(timeoutMs); // join(0) would wait forever
            }
            if (ioThread.isAlive()) {
                LOG.info("producer {} did not finish sending within {} ms; failing what is left", clientId, timeoutMs);
                sender.forceClose();
                // The loop may be blocked in a metadata call; the interrupt ends that call.
                ioThread.interrupt();
                ioThread.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sender.forceClose();
        } finally {
            memory.close();
            channels.close();
            interceptors.close();
        }
    }

    @Override
    public ProducerMetrics metrics() {
        return metrics;
    }

    /** The parsed configuration. */
    public ProducerConfig config() {
        return config;
    }

    /** client.id, or the generated "producer-N" when none was configured. */
    public String clientId() {
        return clientId;
    }
}
