package io.runnel.node.fuzz;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.record.Records;
import io.runnel.common.rpc.UnknownEnumValues;
import io.runnel.node.RunnelNode;
import io.runnel.node.testing.LogCapture;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.AlterConfigOp;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ControllerServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartition;
import io.runnel.proto.FetchPartitionResponse;
import io.runnel.proto.FetchRequest;
import io.runnel.proto.FetchServiceGrpc;
import io.runnel.proto.FetchTopic;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.PartitionProduceData;
import io.runnel.proto.PartitionProduceResponse;
import io.runnel.proto.ProduceRequest;
import io.runnel.proto.ProduceResponse;
import io.runnel.proto.ProduceServiceGrpc;
import io.runnel.proto.ResourceType;
import io.runnel.proto.TopicProduceData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A seeded fuzzer of Runnel's public gRPC API against one running node. Workers (threads) each own a
 * pool of topic names ({@code f<worker>-...}) and send requests of every method of the client services
 * (Metadata, Produce, Fetch, Admin) and of the controller's admin methods, built by
 * {@link RequestGenerator} from the protobuf descriptors; 5% of requests are corrupted after
 * serialization (invalid UTF-8 in a string, or random bytes). After every request the {@link Oracle}
 * judges the answer and the before/after state of the worker's topics, and the {@link LogCapture} must
 * be empty. Alongside: bursts of hundreds of concurrent calls, a canary topic whose bytes must read back
 * unchanged, and periodic checks that every stored record is readable.
 *
 * <p>Determinism: worker {@code w} draws from {@code new Random(seed * 31 + w)}, so its sequence of
 * requests depends on the seed alone; with one worker ({@code -Dfuzz.workers=1}) a run is replayed
 * request for request. Thread-safety: each worker's state is its own; shared tallies are concurrent.
 */
final class WireFuzzer {

    /** Run parameters, from system properties in {@link WireFuzzTest}. */
    record Settings(long seed, int cases, int workers, int burstEvery, int burstCalls) {
    }

    /** One public method, called with serialized bytes and answered with its response message. */
    record Target(String service, String method, MethodDescriptor<byte[], Message> call, Message prototype,
                  boolean onController, int weight) {
        @Override
        public String toString() {
            return (onController ? "controller " : "") + service + "/" + method;
        }
    }

    /** Methods left out, with the reason: each speaks for a broker, not a client. */
    static final Map<String, String> EXCLUDED = Map.of(
            "RegisterBroker", "a broker's registration", "BrokerHeartbeat", "a broker's session (it can fence the node)",
            "AlterPartition", "a partition leader's ISR change", "AllocateProducerIds", "a broker's producer id block",
            "CreateInternalTopics", "a broker creating its internal topics", "FetchMetadata", "a broker's metadata stream");
    /** Relative frequencies; a method not listed (added later) gets {@link #WEIGHT_DEFAULT}. */
    static final Map<String, Integer> WEIGHTS = Map.ofEntries(Map.entry("Produce", 300), Map.entry("Fetch", 140),
            Map.entry("ListOffsets", 60), Map.entry("OffsetForLeaderEpoch", 30), Map.entry("GetMetadata", 80),
            Map.entry("DescribeConfigs", 40), Map.entry("AlterConfigs", 40), Map.entry("CreateTopics", 50),
            Map.entry("DeleteTopics", 5), Map.entry("CreatePartitions", 20), Map.entry("DeleteRecords", 30),
            Map.entry("DescribeCluster", 10), Map.entry("ElectLeaders", 10), Map.entry("DescribeQuorum", 10));
    static final int WEIGHT_DEFAULT = 20;
    /** Of the weight of a method both services offer, the share sent to the controller directly. */
    static final int CONTROLLER_SHARE_PERCENT = 20;
    static final int VIOLATIONS_KEPT_MAX = 30;
    /** A worker deletes and re-creates its topics this often (cases), so that most requests find them. */
    static final int POOL_RESET_EVERY = 200;
    static final Duration CALL_DEADLINE = Duration.ofSeconds(60);
    /** Fetches that may long-poll run asynchronously, at most this many per worker at once. */
    static final int ASYNC_FETCHES_PER_WORKER_MAX = 8;
    static final String CANARY = "fuzz-canary";
    static final boolean DEBUG_ITEMS = System.getProperty("fuzz.debugCode") != null;
    static final String BURST = "fuzz-burst";
    /** Topic whose config the barrier writes after a timed-out write change ({@code Worker.settle}). */
    static final String BARRIER = "fuzz-barrier";
    static final int BARRIER_ATTEMPTS_MAX = 5;
    static final long BARRIER_VALUE_BASE = 1_000_000_000L;

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final Settings settings;
    private final RunnelNode node;
    private final ManagedChannel broker;
    private final ManagedChannel controller;
    private final LogCapture logs;
    private final List<Target> targets;
    private final int weightTotal;
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong violationCount = new AtomicLong();
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> items = new ConcurrentHashMap<>();
    private final AtomicLong cases = new AtomicLong();
    private final AtomicLong barrierWrites = new AtomicLong();
    /** Log lines already reported, so that each new one is blamed on the request that just ran. */
    private final AtomicLong logLinesReported = new AtomicLong();
    private volatile Map<Integer, ByteBuffer> canaryBytes;

    WireFuzzer(Settings settings, RunnelNode node, ManagedChannel broker, ManagedChannel controller, LogCapture logs) {
        this.settings = settings;
        this.node = node;
        this.broker = broker;
        this.controller = controller;
        this.logs = logs;
        List<Target> found = new ArrayList<>();
        for (ServiceDescriptor service : List.of(MetadataServiceGrpc.getServiceDescriptor(),
                ProduceServiceGrpc.getServiceDescriptor(), FetchServiceGrpc.getServiceDescriptor(),
                AdminServiceGrpc.getServiceDescriptor())) {
            addTargets(found, service, false);
        }
        addTargets(found, ControllerServiceGrpc.getServiceDescriptor(), true);
        this.targets = List.copyOf(found);
        this.weightTotal = targets.stream().mapToInt(Target::weight).sum();
    }

    @SuppressWarnings("unchecked")
    private static void addTargets(List<Target> found, ServiceDescriptor service, boolean onController) {
        String serviceName = service.getName().substring(service.getName().lastIndexOf('.') + 1);
        for (MethodDescriptor<?, ?> method : service.getMethods()) {
            String name = method.getBareMethodName();
            if (method.getType() != MethodDescriptor.MethodType.UNARY || EXCLUDED.containsKey(name)) {
                continue;
            }
            Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                    .getMessagePrototype();
            MethodDescriptor<byte[], Message> call = ((MethodDescriptor<Object, Message>) method)
                    .toBuilder(BYTES, (MethodDescriptor.Marshaller<Message>) method.getResponseMarshaller()).build();
            int weight = WEIGHTS.getOrDefault(name, WEIGHT_DEFAULT);
            weight = onController ? Math.max(1, weight * CONTROLLER_SHARE_PERCENT / 100) : weight;
            found.add(new Target(serviceName, name, call, prototype, onController, weight));
        }
    }

    List<Target> targets() {
        return targets;
    }

    /** Runs the whole fuzz: setup, workers, bursts, final checks. Returns the violations found (empty: none). */
    List<String> run() throws InterruptedException {
        createCanaryAndBurstTopics();
        List<Thread> threads = new ArrayList<>();
        int quota = settings.cases() / settings.workers();
        for (int w = 0; w < settings.workers(); w++) {
            Worker worker = new Worker(w, quota);
            Thread thread = new Thread(worker, "fuzz-worker-" + w);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        checkCanary("end");
        checkHealth("end");
        if (logs.count() > 0) {
            violation("end: " + logs.count() + " ERROR/SEVERE log lines, the first: " + logs.lines());
        }
        return List.copyOf(violations);
    }

    long cases() {
        return cases.get();
    }

    Map<String, Long> callCounts() {
        Map<String, Long> counts = new TreeMap<>();
        calls.forEach((k, v) -> counts.put(k, v.get()));
        return counts;
    }

    Map<String, Long> answerCounts() {
        Map<String, Long> counts = new TreeMap<>();
        answers.forEach((k, v) -> counts.put(k, v.get()));
        return counts;
    }

    Map<String, Long> itemCounts() {
        Map<String, Long> counts = new TreeMap<>();
        items.forEach((k, v) -> counts.put(k, v.get()));
        return counts;
    }

    long violationCount() {
        return violationCount.get();
    }

    private void violation(String text) {
        violationCount.incrementAndGet();
        if (violations.size() < VIOLATIONS_KEPT_MAX) {
            violations.add(text);
        }
    }

    private boolean enoughViolations() {
        return violations.size() >= VIOLATIONS_KEPT_MAX;
    }

    /** Counts the per-item error codes of an answer ("Produce item CORRUPT_MESSAGE"), to see how deep requests get. */
    private void tallyItemErrors(String method, Message message) {
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isRepeated() && !message.hasField(field)) {
                continue;
            }
            Object fieldValue = message.getField(field); // an unset ErrorCode is NONE, proto3's default
            List<?> values = field.isRepeated() ? (List<?>) fieldValue : List.of(fieldValue);
            for (Object value : values) {
                if (value instanceof Message nested) {
                    tallyItemErrors(method, nested);
                } else if (value instanceof com.google.protobuf.Descriptors.EnumValueDescriptor code
                        && code.getType().equals(ErrorCode.getDescriptor())) {
                    count(items, method + " item " + code.getName());
                    if (DEBUG_ITEMS && code.getName().equals(System.getProperty("fuzz.debugCode"))
                            && items.get(method + " item " + code.getName()).get() < 20) {
                        System.out.println("DEBUG " + method + " " + Oracle.shortText(message));
                    }
                }
            }
        }
    }

    private void count(Map<String, AtomicLong> tally, String key) {
        tally.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    // ---------------------------------------------------------------- plain calls

    private AdminServiceGrpc.AdminServiceBlockingStub admin() {
        return AdminServiceGrpc.newBlockingStub(broker).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private ProduceServiceGrpc.ProduceServiceBlockingStub produce() {
        return ProduceServiceGrpc.newBlockingStub(broker).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private FetchServiceGrpc.FetchServiceBlockingStub fetch() {
        return FetchServiceGrpc.newBlockingStub(broker).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void createTopic(String name, int partitions, Map<String, String> configs) {
        ErrorCode error = admin().createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName(name).setNumPartitions(partitions).setReplicationFactor(1).putAllConfigs(configs)).build())
                .getTopics(0).getError();
        if (error != ErrorCode.NONE) {
            throw new IllegalStateException("setup: creating " + name + " failed with " + error);
        }
    }

    /** Every batch of a partition from {@code logStartOffset}, read through Fetch; CRCs and records are checked on the way. */
    private ByteBuffer readAll(String topic, int partition, long logStartOffset, String label) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        long offset = logStartOffset;
        for (int round = 0; round < 10_000; round++) {
            FetchPartitionResponse response = fetch().fetch(FetchRequest.newBuilder().setMaxBytes(1 << 20)
                    .addTopics(FetchTopic.newBuilder().setTopic(topic).addPartitions(FetchPartition.newBuilder()
                            .setPartition(partition).setFetchOffset(offset).setPartitionMaxBytes(1 << 20))).build())
                    .getTopics(0).getPartitions(0);
            if (response.getError() != ErrorCode.NONE) {
                violation(label + ": reading " + topic + "-" + partition + " at " + offset + " failed: "
                        + response.getError() + " " + response.getErrorMessage());
                break;
            }
            long next = offset;
            for (RecordBatch batch : Records.wrap(response.getRecords().asReadOnlyByteBuffer()).batches()) {
                try {
                    batch.ensureValid();
                    batch.records().forEachRemaining(r -> { });
                } catch (RuntimeException e) {
                    violation(label + ": stored batch of " + topic + "-" + partition + " at " + batch.baseOffset()
                            + " is unreadable: " + e);
                }
                if (batch.nextOffset() > next) {
                    ByteBuffer view = batch.buffer();
                    byte[] bytes = new byte[view.remaining()];
                    view.get(bytes);
                    all.write(bytes, 0, bytes.length);
                    next = batch.nextOffset();
                }
            }
            if (next >= response.getHighWatermark() || next == offset) {
                break;
            }
            offset = next;
        }
        return ByteBuffer.wrap(all.toByteArray());
    }

    private void checkHealth(String label) {
        try {
            HealthCheckResponse health = HealthGrpc.newBlockingStub(broker).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
            if (health.getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
                violation(label + ": the node says " + health.getStatus());
            }
        } catch (StatusRuntimeException e) {
            violation(label + ": the node does not answer health checks: " + e);
        }
    }

    // ---------------------------------------------------------------- canary and bursts

    private void createCanaryAndBurstTopics() {
        // Topic-level retention overrides: a fuzzed broker-wide retention.ms must not touch the canary.
        createTopic(CANARY, 2, Map.of("retention.ms", "-1", "retention.bytes", "-1"));
        createTopic(BURST, 2, Map.of("retention.ms", "-1", "retention.bytes", "-1"));
        createTopic(BARRIER, 1, Map.of());
        Random random = new Random(settings.seed());
        for (int partition = 0; partition < 2; partition++) {
            for (CompressionType type : CompressionType.values()) {
                RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(type).newBuilder();
                for (int i = 0; i < 3; i++) {
                    byte[] value = new byte[50 + random.nextInt(200)];
                    random.nextBytes(value);
                    builder.append(System.currentTimeMillis(), ("k" + i).getBytes(StandardCharsets.UTF_8), value, null);
                }
                PartitionProduceResponse answer = produce().produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(30_000)
                        .addTopics(TopicProduceData.newBuilder().setTopic(CANARY).addPartitions(PartitionProduceData
                                .newBuilder().setPartition(partition).setRecords(UnsafeByteOperations.unsafeWrap(builder.build()))))
                        .build()).getTopics(0).getPartitions(0);
                if (answer.getError() != ErrorCode.NONE) {
                    throw new IllegalStateException("setup: canary produce failed: " + answer);
                }
            }
        }
        Map<Integer, ByteBuffer> bytes = new LinkedHashMap<>();
        for (int partition = 0; partition < 2; partition++) {
            bytes.put(partition, readAll(CANARY, partition, 0, "canary setup"));
        }
        canaryBytes = bytes;
    }

    private void checkCanary(String label) {
        for (Map.Entry<Integer, ByteBuffer> expected : canaryBytes.entrySet()) {
            ByteBuffer now = readAll(CANARY, expected.getKey(), 0, label);
            if (!now.equals(expected.getValue())) {
                violation(label + ": the canary's partition " + expected.getKey() + " no longer reads back byte for byte ("
                        + now.remaining() + " bytes, " + expected.getValue().remaining() + " expected)");
            }
        }
    }

    /**
     * Hundreds of calls at once on one connection: valid produces (whose values must all read back),
     * mutated produces, fetches and metadata requests, then the canary, health, and a reset of broker-wide
     * configs the workers may have set (so one fuzzed max.message.bytes does not refuse every later produce).
     */
    private void burst(Random random, int round) {
        String label = "burst " + round;
        ProduceServiceGrpc.ProduceServiceFutureStub produceAsync = ProduceServiceGrpc.newFutureStub(broker)
                .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        long[] endsBefore = {TopicState.of(node, List.of(BURST)).get(BURST).logEndOffset(0),
                TopicState.of(node, List.of(BURST)).get(BURST).logEndOffset(1)};
        List<com.google.common.util.concurrent.ListenableFuture<? extends Message>> futures = new ArrayList<>();
        List<Integer> produceIndexes = new ArrayList<>();
        List<ProduceRequest> produced = new ArrayList<>();
        List<Boolean> knownValues = new ArrayList<>();
        BatchFuzzer batches = new BatchFuzzer(random);
        for (int i = 0; i < settings.burstCalls(); i++) {
            int kind = i % 10;
            if (kind < 6) {
                int partition = random.nextInt(2);
                ByteBuffer records = kind < 5 ? valuesBatch(round, i) : batches.mutated(batches.validBatch());
                ProduceRequest request = ProduceRequest.newBuilder().setAcks(random.nextBoolean() ? -1 : 1).setTimeoutMs(30_000)
                        .addTopics(TopicProduceData.newBuilder().setTopic(BURST).addPartitions(PartitionProduceData.newBuilder()
                                .setPartition(partition).setRecords(UnsafeByteOperations.unsafeWrap(records)))).build();
                produceIndexes.add(futures.size());
                produced.add(request);
                knownValues.add(kind < 5);
                futures.add(produceAsync.produce(request));
            } else if (kind < 8) {
                futures.add(FetchServiceGrpc.newFutureStub(broker).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .fetch(FetchRequest.newBuilder().setMaxBytes(1 << 16).addTopics(FetchTopic.newBuilder()
                                .setTopic(BURST).addPartitions(FetchPartition.newBuilder().setPartition(random.nextInt(2))
                                        .setFetchOffset(random.nextInt(10)).setPartitionMaxBytes(1 << 16))).build()));
            } else {
                futures.add(MetadataServiceGrpc.newFutureStub(broker).withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .getMetadata(MetadataRequest.newBuilder().setAllTopics(random.nextBoolean()).addTopics(BURST).build()));
            }
        }
        Set<String> acknowledged = new HashSet<>();
        long[] appended = new long[2];
        for (int i = 0; i < futures.size(); i++) {
            cases.incrementAndGet();
            count(calls, "burst");
            try {
                Message answer = futures.get(i).get(CALL_DEADLINE.toSeconds(), TimeUnit.SECONDS);
                count(answers, "OK");
                Oracle.checkResponse(label + " call " + i, answer, false, this::violation);
                int produceIndex = produceIndexes.indexOf(i);
                if (produceIndex >= 0) {
                    ProduceRequest request = produced.get(produceIndex);
                    PartitionProduceResponse result = ((ProduceResponse) answer).getTopics(0).getPartitions(0);
                    if (result.getError() == ErrorCode.NONE) {
                        PartitionProduceData data = request.getTopics(0).getPartitions(0);
                        appended[data.getPartition()] += Oracle.recordCount(data.getRecords());
                        if (knownValues.get(produceIndex)) {
                            acknowledged.addAll(values(data.getRecords().asReadOnlyByteBuffer()));
                        }
                    }
                }
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof StatusRuntimeException status) {
                    count(answers, status.getStatus().getCode().name());
                    Oracle.checkFailure(label + " call " + i, status, false, this::violation);
                } else {
                    violation(label + " call " + i + ": " + e.getCause());
                }
            } catch (java.util.concurrent.TimeoutException e) {
                violation(label + " call " + i + ": no answer within " + CALL_DEADLINE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        TopicState after = TopicState.of(node, List.of(BURST)).get(BURST);
        for (int partition = 0; partition < 2; partition++) {
            if (after.logEndOffset(partition) - endsBefore[partition] != appended[partition]) {
                violation(label + ": " + BURST + "-" + partition + " grew by " + (after.logEndOffset(partition) - endsBefore[partition])
                        + " records; the acknowledged produces hold " + appended[partition]);
            }
        }
        Set<String> stored = new HashSet<>();
        for (int partition = 0; partition < 2; partition++) {
            stored.addAll(values(readAll(BURST, partition, 0, label)));
        }
        if (!stored.containsAll(acknowledged)) {
            Set<String> lost = new HashSet<>(acknowledged);
            lost.removeAll(stored);
            violation(label + ": " + lost.size() + " acknowledged records cannot be read back, e.g. " + lost.iterator().next());
        }
        checkCanary(label);
        checkHealth(label);
        resetBrokerConfigs(label);
    }

    private static ByteBuffer valuesBatch(int round, int call) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(CompressionType.values()[call % 5]).newBuilder();
        for (int r = 0; r < 2; r++) {
            builder.append(System.currentTimeMillis(), null, ("b" + round + "-" + call + "-" + r).getBytes(StandardCharsets.UTF_8), null);
        }
        return builder.build();
    }

    private static List<String> values(ByteBuffer batches) {
        List<String> values = new ArrayList<>();
        for (RecordBatch batch : Records.wrap(batches).batches()) {
            try (var records = batch.records()) {
                while (records.hasNext()) {
                    Record record = records.next();
                    if (record.value() != null) {
                        values.add(StandardCharsets.UTF_8.decode(record.value()).toString());
                    }
                }
            }
        }
        return values;
    }

    private void resetBrokerConfigs(String label) {
        Map<String, Map<String, String>> brokers = node.brokerImage().orElseThrow().configs().resourcesOfType(ResourceType.BROKER);
        if (brokers.isEmpty()) {
            return;
        }
        AlterConfigsRequest.Builder reset = AlterConfigsRequest.newBuilder();
        brokers.forEach((name, configs) -> {
            AlterConfigsResource.Builder resource = AlterConfigsResource.newBuilder().setType(ResourceType.BROKER).setName(name);
            configs.keySet().forEach(key -> resource.addConfigs(AlterableConfig.newBuilder().setName(key).setOp(AlterConfigOp.DELETE)));
            reset.addResources(resource);
        });
        admin().alterConfigs(reset.build()).getResultsList().stream().filter(r -> r.getError() != ErrorCode.NONE)
                .forEach(r -> violation(label + ": resetting broker configs of '" + r.getName() + "' failed: " + r));
    }

    // ---------------------------------------------------------------- workers

    /** One fuzzing thread with its own random source and its own topics. */
    private final class Worker implements Runnable {
        private final int id;
        private final int quota;
        private final Random random;
        private final List<String> pool;
        private final RequestGenerator generator;
        private final Semaphore asyncFetches = new Semaphore(ASYNC_FETCHES_PER_WORKER_MAX);
        private int done;
        private int bursts;

        Worker(int id, int quota) {
            this.id = id;
            this.quota = quota;
            this.random = new Random(settings.seed() * 31 + id);
            String prefix = "f" + id;
            this.pool = List.of(prefix + "-a", prefix + "-b", prefix + "-c", prefix + ".d", prefix + "_d",
                    prefix + "-" + "z".repeat(io.runnel.common.TopicNames.MAX_LENGTH - prefix.length() - 1));
            this.generator = new RequestGenerator(random, pool);
        }

        @Override
        public void run() {
            try {
                resetPool();
                while (done < quota && !enoughViolations()) {
                    if (id == 0 && settings.burstEvery() > 0 && done > 0 && done % settings.burstEvery() == 0) {
                        burst(random, ++bursts);
                        done += settings.burstCalls();
                    }
                    runCase(done);
                    done++;
                    cases.incrementAndGet();
                    if (done % 500 == 0) {
                        checkPoolReadable();
                    }
                    if (done % POOL_RESET_EVERY == 0) {
                        resetPool();
                    }
                }
                asyncFetches.acquire(ASYNC_FETCHES_PER_WORKER_MAX);
                checkPoolReadable();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | AssertionError e) {
                violation("worker " + id + " case " + done + " (seed " + settings.seed() + ") crashed: " + e
                        + " at " + Arrays.toString(Arrays.copyOf(e.getStackTrace(), Math.min(6, e.getStackTrace().length))));
            }
        }

        private Target pick() {
            int roll = random.nextInt(weightTotal);
            for (Target target : targets) {
                roll -= target.weight();
                if (roll < 0) {
                    return target;
                }
            }
            throw new IllegalStateException("weights");
        }

        private void runCase(int index) throws InterruptedException {
            Target target = pick();
            boolean corrupt = random.nextInt(100) < 5;
            Message typed = generator.generate(target.prototype(), corrupt);
            byte[] bytes = typed.toByteArray();
            if (corrupt) {
                byte[] marked = RequestGenerator.withInvalidUtf8(bytes);
                bytes = Arrays.equals(marked, bytes) ? corruptBytes(bytes) : marked;
            }
            Message seen = parse(target, bytes);
            boolean expectInvalid = seen == null || UnknownEnumValues.find(seen).isPresent();
            String label = "seed " + settings.seed() + " worker " + id + " case " + index + " " + target + " "
                    + (seen == null ? "<" + bytes.length + " malformed bytes>" : Oracle.shortText(seen));
            count(calls, target.toString());
            if (seen instanceof FetchRequest fetchRequest && fetchRequest.getMaxWaitMs() > 50 && !expectInvalid) {
                fetchAsync(target, bytes, label);
                return;
            }
            Map<String, TopicState> before = TopicState.of(node, pool);
            Message response = null;
            StatusRuntimeException failure = null;
            try {
                response = ClientCalls.blockingUnaryCall(target.onController() ? controller : broker, target.call(),
                        CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS), bytes);
                count(answers, "OK");
            } catch (StatusRuntimeException e) {
                failure = e;
                count(answers, e.getStatus().getCode().name());
                count(answers, e.getStatus().getCode().name() + " " + target.method() + " " + GrpcErrors.errorCode(e));
            }
            if (failure != null) {
                Oracle.checkFailure(label, failure, expectInvalid, WireFuzzer.this::violation);
            } else {
                Oracle.checkResponse(label, response, expectInvalid, WireFuzzer.this::violation);
                tallyItemErrors(target.method(), response);
            }
            long logLines = logs.count();
            if (logLines > logLinesReported.get() && logLinesReported.getAndSet(logLines) < logLines) {
                violation(label + ": ERROR/SEVERE log lines appeared: " + logs.lines());
            }
            String outcome = failure == null ? null : GrpcErrors.outcome(failure).orElse(null);
            if (GrpcErrors.OUTCOME_UNKNOWN.equals(outcome) || GrpcErrors.OUTCOME_COMMITTED.equals(outcome)) {
                settle(label);
                return;
            }
            if (target.onController() && response != null) {
                awaitBroker(response, label);
            }
            node.brokerImage().orElseThrow().topics().topicsByName().keySet().stream()
                    .filter(io.runnel.common.TopicNames::isInternal).findFirst()
                    .ifPresent(internal -> violation(label + ": internal topic " + internal + " exists; no client may create it"));
            Map<String, TopicState> after = TopicState.of(node, pool);
            Map<String, TopicState> expected = Oracle.expectedAfter(label, target.method(), seen, response, before, after,
                    WireFuzzer.this::violation);
            for (String topic : pool) {
                if (!expected.get(topic).equals(after.get(topic))) {
                    violation(label + " answered " + (failure != null ? failure.getStatus().getCode() + " "
                            + failure.getStatus().getDescription() : Oracle.shortText(response)) + ": topic " + topic
                            + " should be " + expected.get(topic) + " but is " + after.get(topic));
                }
            }
        }

        private void fetchAsync(Target target, byte[] bytes, String label) throws InterruptedException {
            asyncFetches.acquire();
            var call = broker.newCall(target.call(), CallOptions.DEFAULT.withDeadlineAfter(CALL_DEADLINE.toMillis(),
                    TimeUnit.MILLISECONDS));
            var future = ClientCalls.futureUnaryCall(call, bytes);
            future.addListener(() -> {
                try {
                    Message response = future.get();
                    count(answers, "OK");
                    Oracle.checkResponse(label, response, false, WireFuzzer.this::violation);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof StatusRuntimeException status) {
                        count(answers, status.getStatus().getCode().name());
                        Oracle.checkFailure(label, status, false, WireFuzzer.this::violation);
                    } else {
                        violation(label + ": " + e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    asyncFetches.release();
                }
            }, Runnable::run);
        }

        private byte[] corruptBytes(byte[] bytes) {
            if (bytes.length == 0) {
                return new byte[] {(byte) 0xff, (byte) 0xff};
            }
            byte[] out = bytes.clone();
            switch (random.nextInt(3)) {
                case 0 -> {
                    for (int i = 0; i < 1 + random.nextInt(4); i++) {
                        out[random.nextInt(out.length)] = (byte) random.nextInt(256);
                    }
                    return out;
                }
                case 1 -> {
                    return Arrays.copyOf(out, random.nextInt(out.length));
                }
                default -> {
                    byte[] longer = Arrays.copyOf(out, out.length + 1 + random.nextInt(8));
                    Arrays.fill(longer, out.length, longer.length, (byte) 0xff);
                    return longer;
                }
            }
        }

        private Message parse(Target target, byte[] bytes) {
            try {
                return target.prototype().getParserForType().parseFrom(bytes);
            } catch (InvalidProtocolBufferException e) {
                return null;
            }
        }

        /**
         * After a write whose outcome is unknown: a barrier write, a config change on {@link #BARRIER} sent to
         * the controller, which decides one write at a time on one thread and commits in submission order;
         * once the broker has applied the barrier, the unknown write has either taken effect or never will.
         */
        private void settle(String label) {
            for (int attempt = 0; attempt < BARRIER_ATTEMPTS_MAX; attempt++) {
                String value = String.valueOf(BARRIER_VALUE_BASE + barrierWrites.incrementAndGet());
                try {
                    var answer = ControllerServiceGrpc.newBlockingStub(controller)
                            .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                            .alterConfigs(AlterConfigsRequest.newBuilder().addResources(AlterConfigsResource.newBuilder()
                                    .setType(ResourceType.TOPIC).setName(BARRIER).addConfigs(AlterableConfig.newBuilder()
                                            .setName("retention.ms").setOp(AlterConfigOp.SET).setValue(value))).build());
                    if (answer.getResponse().getResults(0).getError() != ErrorCode.NONE) {
                        violation(label + ": the barrier write failed: " + answer.getResponse().getResults(0));
                        return;
                    }
                    node.awaitMetadata(answer.getMetadataOffset()).get(CALL_DEADLINE.toSeconds(), TimeUnit.SECONDS);
                    return;
                } catch (StatusRuntimeException e) {
                    if (GrpcErrors.errorCode(e) != ErrorCode.REQUEST_TIMED_OUT) {
                        violation(label + ": the barrier write failed: " + e);
                        return;
                    }
                } catch (Exception e) {
                    violation(label + ": the broker did not apply the barrier write: " + e);
                    return;
                }
            }
            violation(label + ": " + BARRIER_ATTEMPTS_MAX + " barrier writes timed out after a timed-out write");
        }

        private void awaitBroker(Message response, String label) {
            FieldDescriptor offsetField = response.getDescriptorForType().findFieldByName("metadata_offset");
            if (offsetField == null) {
                return;
            }
            long offset = (Long) response.getField(offsetField);
            try {
                node.awaitMetadata(offset).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                violation(label + ": the broker did not apply metadata offset " + offset + ": " + e);
            }
        }

        /** Deletes the worker's topics and creates two fresh ones, so configs fuzzed onto them do not pile up. */
        private void resetPool() {
            List<String> existing = TopicState.of(node, pool).entrySet().stream().filter(e -> e.getValue().exists())
                    .map(Map.Entry::getKey).toList();
            if (!existing.isEmpty()) {
                admin().deleteTopics(DeleteTopicsRequest.newBuilder().addAllNames(existing).build()).getTopicsList().stream()
                        .filter(r -> r.getError() != ErrorCode.NONE)
                        .forEach(r -> violation("worker " + id + " reset: deleting " + r.getName() + " failed: " + r));
            }
            createTopic(pool.get(0), 2, Map.of());
            createTopic(pool.get(1), 1, Map.of());
        }

        private void checkPoolReadable() {
            TopicState.of(node, pool).forEach((topic, state) -> {
                for (int partition = 0; state.exists() && partition < state.partitionCount(); partition++) {
                    readAll(topic, partition, state.logStartOffset(partition),
                            "worker " + id + " case " + done + " (seed " + settings.seed() + ")");
                }
            });
        }
    }
}
