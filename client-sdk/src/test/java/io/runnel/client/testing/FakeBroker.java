package io.runnel.client.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.common.TopicNames;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.CorruptRecordException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.Records;
import io.runnel.proto.*;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test double of a Runnel cluster: {@code n} brokers, each a real gRPC Netty server on an ephemeral
 * loopback port serving Metadata, Produce, Fetch and Admin over one shared in-memory log. Partition p of a
 * topic is led by broker {@code p % n} at first. Faults are injected per partition (an error for the next
 * k produces or fetches), by moving leaders, by delaying produce answers, or by stopping a broker.
 *
 * <p>Thread-safe: all state is guarded by this object's monitor; fetches that wait for data wait on it.
 */
public final class FakeBroker implements AutoCloseable {

    /** One partition's log: batches with offsets assigned, log start and end. */
    public static final class PartitionLog {
        final List<ByteBuffer> batches = new ArrayList<>();
        int leader;
        int leaderEpoch;
        List<Integer> replicas;
        long logStartOffset;
        long logEndOffset;
    }

    static final class TopicData {
        final String id = UUID.randomUUID().toString();
        final List<PartitionLog> partitions = new ArrayList<>();
        final Map<String, String> configs = new LinkedHashMap<>();
    }

    public static final int MAX_MESSAGE_BYTES_DEFAULT = 1048588;

    private final List<Server> servers = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final boolean[] stopped;
    private final boolean[] blackHoled;
    /** Calls a black-holed broker took and never answered; closed on {@link #close()}. */
    private final List<io.grpc.ServerCall<?, ?>> swallowed = new CopyOnWriteArrayList<>();
    private final Map<String, TopicData> topics = new LinkedHashMap<>();
    private final Map<TopicPartition, Deque<ErrorCode>> produceErrors = new HashMap<>();
    private final Map<TopicPartition, Deque<ErrorCode>> fetchErrors = new HashMap<>();
    private final Map<TopicPartition, List<AbortedTransaction>> abortedTransactions = new HashMap<>();
    private final List<ProduceRequest> produceRequests = new CopyOnWriteArrayList<>();
    private final AtomicInteger metadataRequests = new AtomicInteger();
    private final List<FetchRequest> fetchRequests = new CopyOnWriteArrayList<>();
    private final AtomicInteger producesInProgress = new AtomicInteger();
    private final AtomicInteger producesInProgressMax = new AtomicInteger();
    private final Map<String, Boolean> autoCreateRequests = new ConcurrentHashMap<>();
    private final Deque<io.grpc.StatusRuntimeException> adminCallErrors = new ArrayDeque<>();
    private volatile long produceDelayMs;
    private final java.util.concurrent.atomic.AtomicLong nextProducerId = new java.util.concurrent.atomic.AtomicLong(1000);
    private final java.util.concurrent.atomic.AtomicInteger initProducerIdRequests = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean autoCreateTopics = true;
    private volatile int defaultPartitions = 1;

    private FakeBroker(int brokerCount) throws IOException {
        stopped = new boolean[brokerCount];
        blackHoled = new boolean[brokerCount];
        for (int id = 0; id < brokerCount; id++) {
            int brokerId = id;
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .maxInboundMessageSize(64 * 1024 * 1024)
                    .addService(new MetadataImpl(brokerId))
                    .addService(new ProduceImpl(brokerId))
                    .addService(new FetchImpl(brokerId))
                    .addService(new AdminImpl(brokerId))
                    .addService(new TransactionImpl())
                    .intercept(new BlackHole(brokerId))
                    .build()
                    .start();
            servers.add(server);
            ports.add(server.getPort());
        }
    }

    public static FakeBroker start(int brokerCount) throws IOException {
        return new FakeBroker(brokerCount);
    }

    /** bootstrap.servers for the first broker only (the rest are discovered). */
    public String bootstrap() {
        return "127.0.0.1:" + ports.get(0);
    }

    public int port(int brokerId) {
        return ports.get(brokerId);
    }

    // ---- test controls ----------------------------------------------------------------------------

    public synchronized void createTopic(String name, int partitions) {
        createTopic(name, partitions, 1, Map.of());
    }

    public synchronized void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        TopicData data = new TopicData();
        data.configs.putAll(configs);
        for (int p = 0; p < partitions; p++) {
            data.partitions.add(newPartition(p, replicationFactor));
        }
        topics.put(name, data);
    }

    private PartitionLog newPartition(int p, int replicationFactor) {
        PartitionLog log = new PartitionLog();
        log.replicas = new ArrayList<>();
        for (int i = 0; i < replicationFactor; i++) {
            log.replicas.add((p + i) % servers.size());
        }
        log.leader = log.replicas.get(0);
        return log;
    }

    /** The next {@code times} produce requests for {@code tp} are answered with {@code code}. */
    public synchronized void failProduce(TopicPartition tp, ErrorCode code, int times) {
        Deque<ErrorCode> queue = produceErrors.computeIfAbsent(tp, k -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            queue.add(code);
        }
    }

    public synchronized void failFetch(TopicPartition tp, ErrorCode code, int times) {
        Deque<ErrorCode> queue = fetchErrors.computeIfAbsent(tp, k -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            queue.add(code);
        }
    }

    /** The next admin call (any method, any broker) fails as a whole with {@code code} and {@code message}. */
    public synchronized void failNextAdminCall(ErrorCode code, String message) {
        adminCallErrors.add(callError(code, message));
    }

    private synchronized boolean failedAdminCall(StreamObserver<?> observer) {
        io.grpc.StatusRuntimeException error = adminCallErrors.poll();
        if (error == null) {
            return false;
        }
        observer.onError(error);
        return true;
    }

    /** Lists an aborted transaction in read_committed fetch answers for {@code tp}. */
    public synchronized void addAbortedTransaction(TopicPartition tp, long producerId, long firstOffset) {
        abortedTransactions.computeIfAbsent(tp, k -> new ArrayList<>()).add(AbortedTransaction.newBuilder()
                .setProducerId(producerId).setFirstOffset(firstOffset).build());
    }

    /** Moves leadership of {@code tp} to {@code brokerId} with a new epoch. */
    public synchronized void moveLeader(TopicPartition tp, int brokerId) {
        PartitionLog log = partition(tp);
        log.leader = brokerId;
        log.leaderEpoch++;
    }

    public void setProduceDelayMs(long delayMs) {
        this.produceDelayMs = delayMs;
    }

    public void setAutoCreateTopics(boolean enabled, int partitions) {
        this.autoCreateTopics = enabled;
        this.defaultPartitions = partitions;
    }

    /**
     * Makes one broker a black hole: its port still accepts connections and calls, but it never answers any
     * (a hung or paused process, a network that drops replies). The rest of the cluster does not notice.
     */
    public synchronized void blackHole(int brokerId) {
        blackHoled[brokerId] = true;
    }

    /** Calls the black-holed brokers have swallowed so far. */
    public int swallowedCalls() {
        return swallowed.size();
    }

    private final class BlackHole implements io.grpc.ServerInterceptor {
        private final int brokerId;

        BlackHole(int brokerId) {
            this.brokerId = brokerId;
        }

        @Override
        public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
                                                                  io.grpc.ServerCallHandler<Q, R> next) {
            boolean hole;
            synchronized (FakeBroker.this) {
                hole = blackHoled[brokerId];
            }
            if (!hole) {
                return next.startCall(call, headers);
            }
            swallowed.add(call);
            return new io.grpc.ServerCall.Listener<>() { };
        }
    }

    /** Stops answering on one broker (its port refuses connections). */
    public synchronized void stopBroker(int brokerId) {
        stopped[brokerId] = true;
        servers.get(brokerId).shutdownNow();
    }

    public List<ProduceRequest> produceRequests() {
        return produceRequests;
    }

    /** The most produce requests the brokers were serving at the same time. */
    public int producesInProgressMax() {
        return producesInProgressMax.get();
    }

    public List<FetchRequest> fetchRequests() {
        return fetchRequests;
    }

    public int metadataRequests() {
        return metadataRequests.get();
    }

    /** Whether any metadata request naming {@code topic} allowed auto-creation. */
    public boolean autoCreationRequested(String topic) {
        return autoCreateRequests.getOrDefault(topic, false);
    }

    public synchronized PartitionLog partition(TopicPartition tp) {
        TopicData data = topics.get(tp.topic());
        if (data == null || tp.partition() >= data.partitions.size()) {
            throw new IllegalArgumentException("no partition " + tp);
        }
        return data.partitions.get(tp.partition());
    }

    /** The stored batches of {@code tp}, as copies with their assigned offsets. */
    public synchronized List<RecordBatch> batches(TopicPartition tp) {
        List<RecordBatch> list = new ArrayList<>();
        for (ByteBuffer b : partition(tp).batches) {
            list.add(RecordBatch.readFrom(b.duplicate()));
        }
        return list;
    }

    public synchronized long logEndOffset(TopicPartition tp) {
        return partition(tp).logEndOffset;
    }

    public synchronized boolean topicExists(String name) {
        return topics.containsKey(name);
    }

    public synchronized Map<String, String> topicConfigs(String name) {
        return Map.copyOf(topics.get(name).configs);
    }

    /** Appends a batch directly, as if produced (for consumer tests). Returns its base offset. */
    public synchronized long append(TopicPartition tp, ByteBuffer batch) {
        PartitionLog log = partition(tp);
        return appendLocked(log, batch);
    }

    private long appendLocked(PartitionLog log, ByteBuffer batchBytes) {
        ByteBuffer copy = ByteBuffer.allocate(batchBytes.remaining());
        copy.put(batchBytes.duplicate()).flip();
        RecordBatch batch = RecordBatch.readFrom(copy.duplicate());
        long base = log.logEndOffset;
        batch.setBaseOffset(base);
        batch.setPartitionLeaderEpoch(log.leaderEpoch);
        log.batches.add(copy);
        log.logEndOffset = base + batch.lastOffsetDelta() + 1;
        notifyAll();
        return base;
    }

    @Override
    public void close() throws InterruptedException {
        for (io.grpc.ServerCall<?, ?> call : swallowed) {
            try {
                call.close(io.grpc.Status.UNAVAILABLE.withDescription("fake broker closed"), new io.grpc.Metadata());
            } catch (RuntimeException e) {
                // already cancelled by the client
            }
        }
        for (Server server : servers) {
            server.shutdownNow();
        }
        for (Server server : servers) {
            server.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private io.runnel.proto.Node node(int id) {
        return io.runnel.proto.Node.newBuilder().setId(id).setHost("127.0.0.1").setPort(ports.get(id)).build();
    }

    private CurrentLeader currentLeader(PartitionLog log) {
        return CurrentLeader.newBuilder().setLeaderId(log.leader).setLeaderEpoch(log.leaderEpoch)
                .setHost("127.0.0.1").setPort(ports.get(log.leader)).build();
    }

    private static ErrorCode nextInjected(Map<TopicPartition, Deque<ErrorCode>> errors, TopicPartition tp) {
        Deque<ErrorCode> queue = errors.get(tp);
        return queue == null || queue.isEmpty() ? null : queue.poll();
    }

    // ---- services ---------------------------------------------------------------------------------

    private final class MetadataImpl extends MetadataServiceGrpc.MetadataServiceImplBase {
        private final int brokerId;

        MetadataImpl(int brokerId) {
            this.brokerId = brokerId;
        }

        @Override
        public void getMetadata(MetadataRequest request, StreamObserver<MetadataResponse> observer) {
            metadataRequests.incrementAndGet();
            MetadataResponse.Builder response = MetadataResponse.newBuilder().setClusterId("fake-cluster")
                    .setControllerId(0);
            synchronized (FakeBroker.this) {
                for (int id = 0; id < servers.size(); id++) {
                    if (!stopped[id]) {
                        response.addBrokers(node(id));
                    }
                }
                List<String> names = request.getAllTopics() ? new ArrayList<>(topics.keySet()) : request.getTopicsList();
                for (String name : names) {
                    if (request.getAllowAutoTopicCreation()) {
                        autoCreateRequests.put(name, true);
                    }
                    TopicData data = topics.get(name);
                    if (data == null && request.getAllowAutoTopicCreation() && autoCreateTopics
                            && TopicNames.isValid(name)) {
                        createTopic(name, defaultPartitions);
                        data = topics.get(name);
                    }
                    if (data == null) {
                        response.addTopics(TopicMetadata.newBuilder().setName(name)
                                .setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                                .setErrorMessage("topic '" + name + "' does not exist"));
                        continue;
                    }
                    TopicMetadata.Builder topic = TopicMetadata.newBuilder().setName(name).setTopicId(data.id)
                            .setIsInternal(name.startsWith("__"));
                    for (int p = 0; p < data.partitions.size(); p++) {
                        PartitionLog log = data.partitions.get(p);
                        topic.addPartitions(PartitionMetadata.newBuilder().setPartition(p).setLeaderId(log.leader)
                                .setLeaderEpoch(log.leaderEpoch).addAllReplicas(log.replicas).addAllIsr(log.replicas));
                    }
                    response.addTopics(topic);
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }
    }

    private final class ProduceImpl extends ProduceServiceGrpc.ProduceServiceImplBase {
        private final int brokerId;

        ProduceImpl(int brokerId) {
            this.brokerId = brokerId;
        }

        @Override
        public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
            produceRequests.add(request);
            producesInProgressMax.accumulateAndGet(producesInProgress.incrementAndGet(), Math::max);
            try {
                handle(request, observer);
            } finally {
                producesInProgress.decrementAndGet();
            }
        }

        private void handle(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
            long delayMs = produceDelayMs;
            if (delayMs > 0) {
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            ProduceResponse.Builder response = ProduceResponse.newBuilder();
            synchronized (FakeBroker.this) {
                for (TopicProduceData topic : request.getTopicsList()) {
                    TopicProduceResponse.Builder t = TopicProduceResponse.newBuilder().setTopic(topic.getTopic());
                    for (PartitionProduceData p : topic.getPartitionsList()) {
                        t.addPartitions(producePartition(new TopicPartition(topic.getTopic(), p.getPartition()), p));
                    }
                    response.addTopics(t);
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }

        private PartitionProduceResponse producePartition(TopicPartition tp, PartitionProduceData data) {
            PartitionProduceResponse.Builder r = PartitionProduceResponse.newBuilder().setPartition(tp.partition())
                    .setLogAppendTimeMs(-1);
            TopicData topic = topics.get(tp.topic());
            if (topic == null || tp.partition() >= topic.partitions.size()) {
                return r.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                        .setErrorMessage("partition " + tp + " does not exist").build();
            }
            PartitionLog log = topic.partitions.get(tp.partition());
            ErrorCode injected = nextInjected(produceErrors, tp);
            if (injected != null) {
                r.setError(injected).setErrorMessage("injected " + injected + " for " + tp);
                if (injected == ErrorCode.NOT_LEADER_OR_FOLLOWER) {
                    r.setCurrentLeader(currentLeader(log));
                }
                return r.build();
            }
            if (log.leader != brokerId) {
                return r.setError(ErrorCode.NOT_LEADER_OR_FOLLOWER)
                        .setErrorMessage("broker " + brokerId + " is not the leader of " + tp)
                        .setCurrentLeader(currentLeader(log)).build();
            }
            int maxMessageBytes = Integer.parseInt(topic.configs.getOrDefault("max.message.bytes",
                    String.valueOf(MAX_MESSAGE_BYTES_DEFAULT)));
            List<ByteBuffer> valid = new ArrayList<>();
            ByteBuffer buffer = data.getRecords().asReadOnlyByteBuffer();
            try {
                for (RecordBatch batch : Records.wrap(buffer).batches()) {
                    batch.ensureValid();
                    if (batch.sizeInBytes() > maxMessageBytes) {
                        return r.setError(ErrorCode.RECORD_TOO_LARGE).setErrorMessage("batch of "
                                + batch.sizeInBytes() + " bytes exceeds max.message.bytes " + maxMessageBytes).build();
                    }
                    valid.add(batch.buffer());
                }
            } catch (CorruptRecordException e) {
                return r.setError(ErrorCode.CORRUPT_MESSAGE).setErrorMessage(e.getMessage()).build();
            }
            if (valid.isEmpty()) {
                return r.setError(ErrorCode.CORRUPT_MESSAGE).setErrorMessage("no whole batch in the request").build();
            }
            long base = -1;
            for (ByteBuffer batch : valid) {
                long offset = appendLocked(log, batch);
                if (base < 0) {
                    base = offset;
                }
            }
            return r.setBaseOffset(base).setLogStartOffset(log.logStartOffset).build();
        }
    }

    /** InitProducerId: a new producer id per call, epoch 0, as a broker answers an idempotent producer. */
    private final class TransactionImpl extends TransactionServiceGrpc.TransactionServiceImplBase {
        @Override
        public void initProducerId(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> observer) {
            initProducerIdRequests.incrementAndGet();
            observer.onNext(InitProducerIdResponse.newBuilder().setError(ErrorCode.NONE)
                    .setProducerId(nextProducerId.getAndIncrement()).setProducerEpoch(0).build());
            observer.onCompleted();
        }
    }

    /** InitProducerId calls answered so far. */
    public int initProducerIdRequests() {
        return initProducerIdRequests.get();
    }

    private final class FetchImpl extends FetchServiceGrpc.FetchServiceImplBase {
        private final int brokerId;

        FetchImpl(int brokerId) {
            this.brokerId = brokerId;
        }

        @Override
        public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
            fetchRequests.add(request);
            long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(request.getMaxWaitMs());
            FetchResponse response;
            synchronized (FakeBroker.this) {
                while (true) {
                    response = answer(request);
                    int bytes = 0;
                    boolean anyError = false;
                    for (FetchTopicResponse t : response.getTopicsList()) {
                        for (FetchPartitionResponse p : t.getPartitionsList()) {
                            bytes += p.getRecords().size();
                            anyError |= p.getError() != ErrorCode.NONE;
                        }
                    }
                    long remainingNs = deadlineNs - System.nanoTime();
                    if (anyError || bytes >= Math.max(1, request.getMinBytes()) || remainingNs <= 0) {
                        break;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(FakeBroker.this, remainingNs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            observer.onNext(response);
            observer.onCompleted();
        }

        private FetchResponse answer(FetchRequest request) {
            FetchResponse.Builder response = FetchResponse.newBuilder();
            int budget = request.getMaxBytes();
            for (FetchTopic topic : request.getTopicsList()) {
                FetchTopicResponse.Builder t = FetchTopicResponse.newBuilder().setTopic(topic.getTopic());
                for (FetchPartition p : topic.getPartitionsList()) {
                    TopicPartition tp = new TopicPartition(topic.getTopic(), p.getPartition());
                    FetchPartitionResponse.Builder r = FetchPartitionResponse.newBuilder().setPartition(p.getPartition());
                    TopicData data = topics.get(tp.topic());
                    if (data == null || tp.partition() >= data.partitions.size()) {
                        t.addPartitions(r.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
                        continue;
                    }
                    PartitionLog log = data.partitions.get(tp.partition());
                    ErrorCode injected = nextInjected(fetchErrors, tp);
                    if (injected != null) {
                        r.setError(injected);
                        if (injected == ErrorCode.NOT_LEADER_OR_FOLLOWER) {
                            r.setCurrentLeader(currentLeader(log));
                        }
                        t.addPartitions(r);
                        continue;
                    }
                    if (log.leader != brokerId) {
                        t.addPartitions(r.setError(ErrorCode.NOT_LEADER_OR_FOLLOWER).setCurrentLeader(currentLeader(log)));
                        continue;
                    }
                    r.setHighWatermark(log.logEndOffset).setLastStableOffset(log.logEndOffset)
                            .setLogStartOffset(log.logStartOffset);
                    long offset = p.getFetchOffset();
                    if (offset < log.logStartOffset || offset > log.logEndOffset) {
                        t.addPartitions(r.setError(ErrorCode.OFFSET_OUT_OF_RANGE).setErrorMessage("offset " + offset
                                + " is out of range [" + log.logStartOffset + ", " + log.logEndOffset + "]"));
                        continue;
                    }
                    ByteString records = ByteString.EMPTY;
                    int partitionBytes = 0;
                    for (ByteBuffer b : log.batches) {
                        RecordBatch batch = RecordBatch.readFrom(b.duplicate());
                        if (batch.lastOffset() < offset || batch.lastOffset() < log.logStartOffset) {
                            continue;
                        }
                        int size = batch.sizeInBytes();
                        boolean first = records.isEmpty();
                        if (!first && (partitionBytes + size > p.getPartitionMaxBytes() || size > budget)) {
                            break;
                        }
                        records = records.concat(UnsafeByteOperations.unsafeWrap(b.duplicate()));
                        partitionBytes += size;
                        budget -= size;
                    }
                    if (request.getIsolationLevel() == IsolationLevel.READ_COMMITTED) {
                        r.addAllAbortedTransactions(abortedTransactions.getOrDefault(tp, List.of()));
                    }
                    t.addPartitions(r.setRecords(records));
                }
                response.addTopics(t);
            }
            return response.build();
        }

        @Override
        public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> observer) {
            ListOffsetsResponse.Builder response = ListOffsetsResponse.newBuilder();
            synchronized (FakeBroker.this) {
                for (ListOffsetsTopic topic : request.getTopicsList()) {
                    ListOffsetsTopicResponse.Builder t = ListOffsetsTopicResponse.newBuilder().setTopic(topic.getTopic());
                    for (ListOffsetsPartition p : topic.getPartitionsList()) {
                        ListOffsetsPartitionResponse.Builder r = ListOffsetsPartitionResponse.newBuilder()
                                .setPartition(p.getPartition()).setTimestamp(-1);
                        TopicData data = topics.get(topic.getTopic());
                        if (data == null || p.getPartition() >= data.partitions.size()) {
                            t.addPartitions(r.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setOffset(-1));
                            continue;
                        }
                        PartitionLog log = data.partitions.get(p.getPartition());
                        if (log.leader != brokerId) {
                            t.addPartitions(r.setError(ErrorCode.NOT_LEADER_OR_FOLLOWER).setOffset(-1));
                            continue;
                        }
                        long offset = p.getTimestamp() == -2 ? log.logStartOffset : log.logEndOffset;
                        t.addPartitions(r.setOffset(offset).setLeaderEpoch(log.leaderEpoch));
                    }
                    response.addTopics(t);
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }
    }

    private final class AdminImpl extends AdminServiceGrpc.AdminServiceImplBase {
        private final int brokerId;

        AdminImpl(int brokerId) {
            this.brokerId = brokerId;
        }

        @Override
        public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> observer) {
            if (failedAdminCall(observer)) {
                return;
            }
            CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder();
            synchronized (FakeBroker.this) {
                for (CreatableTopic topic : request.getTopicsList()) {
                    CreatableTopicResult.Builder r = CreatableTopicResult.newBuilder().setName(topic.getName());
                    String name = topic.getName();
                    int partitions = topic.getNumPartitions() == -1 ? defaultPartitions : topic.getNumPartitions();
                    int rf = topic.getReplicationFactor() == -1 ? 1 : topic.getReplicationFactor();
                    String invalid = null;
                    try {
                        TopicNames.validate(name);
                    } catch (io.runnel.common.errors.ApiException e) {
                        invalid = e.getMessage();
                    }
                    if (invalid != null) {
                        r.setError(ErrorCode.INVALID_TOPIC_EXCEPTION).setErrorMessage(invalid);
                    } else if (topics.containsKey(name)) {
                        r.setError(ErrorCode.TOPIC_ALREADY_EXISTS).setErrorMessage("topic '" + name + "' already exists");
                    } else if (partitions <= 0) {
                        r.setError(ErrorCode.INVALID_PARTITIONS).setErrorMessage("number of partitions must be positive: " + partitions);
                    } else if (rf <= 0 || rf > servers.size()) {
                        r.setError(ErrorCode.INVALID_REPLICATION_FACTOR).setErrorMessage("replication factor " + rf
                                + " is larger than the " + servers.size() + " available brokers");
                    } else {
                        if (!request.getValidateOnly()) {
                            createTopic(name, partitions, rf, topic.getConfigsMap());
                        }
                        r.setNumPartitions(partitions).setReplicationFactor(rf);
                    }
                    response.addTopics(r);
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }

        @Override
        public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> observer) {
            if (failedAdminCall(observer)) {
                return;
            }
            DeleteTopicsResponse.Builder response = DeleteTopicsResponse.newBuilder();
            synchronized (FakeBroker.this) {
                for (String name : request.getNamesList()) {
                    DeletableTopicResult.Builder r = DeletableTopicResult.newBuilder().setName(name);
                    if (topics.remove(name) == null) {
                        r.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("topic '" + name + "' does not exist");
                    }
                    response.addTopics(r);
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }

        @Override
        public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> observer) {
            if (failedAdminCall(observer)) {
                return;
            }
            CreatePartitionsResponse.Builder response = CreatePartitionsResponse.newBuilder();
            synchronized (FakeBroker.this) {
                for (CreatePartitionsTopic topic : request.getTopicsList()) {
                    CreatePartitionsTopicResult.Builder r = CreatePartitionsTopicResult.newBuilder().setName(topic.getName());
                    TopicData data = topics.get(topic.getName());
                    if (data == null) {
                        r.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("topic '" + topic.getName() + "' does not exist");
                    } else if (topic.getCount() <= data.partitions.size()) {
                        r.setError(ErrorCode.INVALID_PARTITIONS).setErrorMessage("topic '" + topic.getName() + "' has "
                                + data.partitions.size() + " partitions; the count can only increase, not to " + topic.getCount());
                    } else if (!request.getValidateOnly()) {
                        int rf = data.partitions.get(0).replicas.size();
                        for (int p = data.partitions.size(); p < topic.getCount(); p++) {
                            data.partitions.add(newPartition(p, rf));
                        }
                    }
                    response.addResults(r);
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }

        @Override
        public void describeConfigs(DescribeConfigsRequest request, StreamObserver<DescribeConfigsResponse> observer) {
            if (failedAdminCall(observer)) {
                return;
            }
            DescribeConfigsResponse.Builder response = DescribeConfigsResponse.newBuilder();
            synchronized (FakeBroker.this) {
                for (ConfigResource resource : request.getResourcesList()) {
                    DescribeConfigsResult.Builder r = DescribeConfigsResult.newBuilder().setType(resource.getType())
                            .setName(resource.getName());
                    TopicData data = topics.get(resource.getName());
                    if (resource.getType() != ResourceType.TOPIC || data == null) {
                        r.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("topic '" + resource.getName() + "' does not exist");
                    } else {
                        Map<String, String> defaults = new LinkedHashMap<>();
                        defaults.put("cleanup.policy", "delete");
                        defaults.put("retention.ms", "604800000");
                        defaults.put("max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES_DEFAULT));
                        for (Map.Entry<String, String> e : defaults.entrySet()) {
                            String set = data.configs.get(e.getKey());
                            r.addEntries(io.runnel.proto.ConfigEntry.newBuilder().setName(e.getKey())
                                    .setValue(set != null ? set : e.getValue())
                                    .setSource(set != null ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG));
                        }
                    }
                    response.addResults(r);
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }

        @Override
        public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> observer) {
            if (failedAdminCall(observer)) {
                return;
            }
            AlterConfigsResponse.Builder response = AlterConfigsResponse.newBuilder();
            synchronized (FakeBroker.this) {
                for (AlterConfigsResource resource : request.getResourcesList()) {
                    AlterConfigsResult.Builder r = AlterConfigsResult.newBuilder().setType(resource.getType())
                            .setName(resource.getName());
                    TopicData data = topics.get(resource.getName());
                    if (data == null) {
                        r.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("topic '" + resource.getName() + "' does not exist");
                    } else {
                        for (AlterableConfig c : resource.getConfigsList()) {
                            if (c.getName().equals("retention.ms") && !c.getValue().matches("-?\\d+") && c.getOp() == io.runnel.proto.AlterConfigOp.SET) {
                                r.setError(ErrorCode.INVALID_CONFIG).setErrorMessage("invalid value '" + c.getValue()
                                        + "' for configuration 'retention.ms': expected a 64-bit integer");
                                break;
                            }
                            if (c.getOp() == io.runnel.proto.AlterConfigOp.DELETE) {
                                data.configs.remove(c.getName());
                            } else {
                                data.configs.put(c.getName(), c.getValue());
                            }
                        }
                    }
                    response.addResults(r);
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }

        @Override
        public void deleteRecords(DeleteRecordsRequest request, StreamObserver<DeleteRecordsResponse> observer) {
            if (failedAdminCall(observer)) {
                return;
            }
            DeleteRecordsResponse.Builder response = DeleteRecordsResponse.newBuilder();
            synchronized (FakeBroker.this) {
                for (DeleteRecordsTopic topic : request.getTopicsList()) {
                    DeleteRecordsTopicResult.Builder t = DeleteRecordsTopicResult.newBuilder().setName(topic.getName());
                    for (DeleteRecordsPartition p : topic.getPartitionsList()) {
                        DeleteRecordsPartitionResult.Builder r = DeleteRecordsPartitionResult.newBuilder()
                                .setPartition(p.getPartition());
                        TopicData data = topics.get(topic.getName());
                        if (data == null || p.getPartition() >= data.partitions.size()) {
                            t.addPartitions(r.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
                            continue;
                        }
                        PartitionLog log = data.partitions.get(p.getPartition());
                        long target = p.getOffset() == -1 ? log.logEndOffset : p.getOffset();
                        if (target > log.logEndOffset || target < 0) {
                            t.addPartitions(r.setError(ErrorCode.OFFSET_OUT_OF_RANGE).setErrorMessage("offset "
                                    + target + " is beyond the high watermark " + log.logEndOffset));
                            continue;
                        }
                        log.logStartOffset = Math.max(log.logStartOffset, target);
                        t.addPartitions(r.setLowWatermark(log.logStartOffset));
                    }
                    response.addTopics(t);
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }

        @Override
        public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> observer) {
            if (failedAdminCall(observer)) {
                return;
            }
            DescribeClusterResponse.Builder response = DescribeClusterResponse.newBuilder().setClusterId("fake-cluster")
                    .setControllerId(0);
            synchronized (FakeBroker.this) {
                for (int id = 0; id < servers.size(); id++) {
                    if (!stopped[id]) {
                        response.addBrokers(node(id));
                    }
                }
            }
            if (request.getIncludeQuorum()) {
                response.addControllers(ControllerInfo.newBuilder().setId(0).setHost("127.0.0.1").setPort(9093)
                        .setActive(true).setTerm(1).setReachable(true));
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }

        @Override
        public void electLeaders(ElectLeadersRequest request, StreamObserver<ElectLeadersResponse> observer) {
            if (failedAdminCall(observer)) {
                return;
            }
            ElectLeadersResponse.Builder response = ElectLeadersResponse.newBuilder();
            synchronized (FakeBroker.this) {
                List<TopicPartition> targets = new ArrayList<>();
                if (request.getPartitionsCount() == 0) {
                    topics.forEach((name, data) -> {
                        for (int p = 0; p < data.partitions.size(); p++) {
                            targets.add(new TopicPartition(name, p));
                        }
                    });
                } else {
                    request.getPartitionsList().forEach(tp -> targets.add(new TopicPartition(tp.getTopic(), tp.getPartition())));
                }
                for (TopicPartition tp : targets) {
                    ElectionResult.Builder r = ElectionResult.newBuilder().setTopic(tp.topic()).setPartition(tp.partition());
                    TopicData data = topics.get(tp.topic());
                    if (data == null || tp.partition() >= data.partitions.size()) {
                        r.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("partition " + tp + " does not exist");
                    } else {
                        PartitionLog log = data.partitions.get(tp.partition());
                        if (log.leader == log.replicas.get(0)) {
                            r.setError(ErrorCode.ELECTION_NOT_NEEDED).setErrorMessage("the preferred replica already leads " + tp);
                        } else {
                            log.leader = log.replicas.get(0);
                            log.leaderEpoch++;
                        }
                    }
                    response.addResults(r);
                }
            }
            observer.onNext(response.build());
            observer.onCompleted();
        }
    }

    /** A whole-call failure as a server sends it, for tests that need one. */
    static io.grpc.StatusRuntimeException callError(ErrorCode code, String message) {
        return GrpcErrors.toStatus(code, message, Collections.emptyMap());
    }
}
