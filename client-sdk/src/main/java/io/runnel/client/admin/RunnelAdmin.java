package io.runnel.client.admin;

import io.runnel.client.Node;
import io.runnel.client.internal.BrokerAddress;
import io.runnel.client.internal.ChannelPool;
import io.runnel.client.internal.ClusterMetadata;
import io.runnel.client.internal.GroupCoordinatorClient;
import io.runnel.client.consumer.OffsetAndMetadata;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.DeleteGroupResult;
import io.runnel.proto.DeleteGroupsRequest;
import io.runnel.proto.DescribeGroupsRequest;
import io.runnel.proto.DescribedGroup;
import io.runnel.proto.DescribedMember;
import io.runnel.proto.GroupServiceGrpc;
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
import io.runnel.proto.PartitionResult;
import io.runnel.proto.TopicPartitions;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.AdminServiceGrpc.AdminServiceBlockingStub;
import io.runnel.proto.AlterPartitionReassignmentsRequest;
import io.runnel.proto.AlterPartitionReassignmentsResponse;
import io.runnel.proto.ListPartitionReassignmentsRequest;
import io.runnel.proto.ListPartitionReassignmentsResponse;
import io.runnel.proto.ListPartitionReassignmentsTopic;
import io.runnel.proto.OngoingPartitionReassignment;
import io.runnel.proto.OngoingTopicReassignment;
import io.runnel.proto.ReassignablePartition;
import io.runnel.proto.ReassignablePartitionResult;
import io.runnel.proto.ReassignableTopic;
import io.runnel.proto.ReassignableTopicResult;
import io.runnel.proto.ReplicaList;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterConfigsResponse;
import io.runnel.proto.AlterConfigsResult;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.BrokerState;
import io.runnel.proto.ControllerInfo;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatableTopicResult;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsResponse;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.CreatePartitionsTopicResult;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.CreateTopicsResponse;
import io.runnel.proto.DeletableTopicResult;
import io.runnel.proto.DeleteRecordsPartition;
import io.runnel.proto.DeleteRecordsPartitionResult;
import io.runnel.proto.DeleteRecordsRequest;
import io.runnel.proto.DeleteRecordsResponse;
import io.runnel.proto.DeleteRecordsTopic;
import io.runnel.proto.DeleteRecordsTopicResult;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DeleteTopicsResponse;
import io.runnel.proto.DescribeClusterRequest;
import io.runnel.proto.DescribeClusterResponse;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.DescribeConfigsResponse;
import io.runnel.proto.DescribeConfigsResult;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ElectLeadersResponse;
import io.runnel.proto.ElectionResult;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReplicaAssignment;
import io.runnel.proto.ResourceType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runnel's admin client. Each call is queued to one worker thread ("runnel-admin | client.id"), which sends
 * it to any broker (known brokers first, then bootstrap addresses), retrying on network errors and on
 * retriable whole-call errors every {@code retry.backoff.ms} until {@code default.api.timeout.ms}; the
 * broker forwards metadata changes to the active controller. Per-item errors (e.g. TOPIC_ALREADY_EXISTS
 * with "topic 'orders' already exists") fail that item's future with an ApiException carrying the code
 * and the server's message; they are not retried.
 *
 * <p>Thread-safe. At most {@value #QUEUED_CALLS_MAX} calls wait for the worker; more are refused (their
 * futures fail with REQUEST_TIMED_OUT) rather than queued without bound.
 */
public final class RunnelAdmin implements Admin {

    static final int QUEUED_CALLS_MAX = 1024;
    private static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;
    private static final AtomicInteger CLIENT_SEQUENCE = new AtomicInteger();

    private final String clientId;
    private final ChannelPool channels;
    private final ClusterMetadata metadata;
    private final ThreadPoolExecutor worker;
    private final long defaultApiTimeoutMs;
    private final int requestTimeoutMs;
    private final long retryBackoffMs;

    public RunnelAdmin(Map<String, ?> configs) {
        this(new AdminConfig(configs));
    }

    public RunnelAdmin(Properties properties) {
        this(new AdminConfig(properties));
    }

    public RunnelAdmin(AdminConfig config) {
        String configuredId = config.getString(AdminConfig.CLIENT_ID_CONFIG);
        this.clientId = configuredId == null || configuredId.isEmpty()
                ? "admin-" + CLIENT_SEQUENCE.incrementAndGet() : configuredId;
        this.defaultApiTimeoutMs = config.getInt(AdminConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        this.requestTimeoutMs = config.getInt(AdminConfig.REQUEST_TIMEOUT_MS_CONFIG);
        this.retryBackoffMs = config.getLong(AdminConfig.RETRY_BACKOFF_MS_CONFIG);
        List<BrokerAddress> bootstrap = new ArrayList<>();
        for (String address : config.getList(AdminConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            bootstrap.add(BrokerAddress.parse(AdminConfig.BOOTSTRAP_SERVERS_CONFIG, address));
        }
        this.channels = new ChannelPool(MAX_INBOUND_MESSAGE_BYTES);
        this.metadata = new ClusterMetadata(channels, bootstrap, config.getLong(AdminConfig.RETRY_BACKOFF_MS_CONFIG),
                requestTimeoutMs);
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUED_CALLS_MAX), r -> {
                    Thread thread = new Thread(r, "runnel-admin | " + clientId);
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /** Runs {@code call} on the worker; its failure fails every future in {@code futures}. */
    private void submit(Collection<? extends CompletableFuture<?>> futures, Runnable call) {
        try {
            worker.execute(() -> {
                try {
                    call.run();
                } catch (ApiException e) {
                    futures.forEach(f -> f.completeExceptionally(e));
                } catch (RuntimeException e) {
                    futures.forEach(f -> f.completeExceptionally(ApiException.of(ErrorCode.UNKNOWN_SERVER_ERROR,
                            "admin call failed: " + e, e)));
                }
            });
        } catch (RejectedExecutionException e) {
            ApiException refused = ApiException.of(ErrorCode.REQUEST_TIMED_OUT, worker.isShutdown()
                    ? "the admin client is closed" : "more than " + QUEUED_CALLS_MAX + " admin calls are queued");
            futures.forEach(f -> f.completeExceptionally(refused));
        }
    }

    private <T> T callAny(Function<AdminServiceBlockingStub, T> call) {
        return callAny(call, defaultApiTimeoutMs);
    }

    private <T> T callAny(Function<AdminServiceBlockingStub, T> call, long callTimeoutMs) {
        return metadata.callAny((channel, timeoutMs) -> call.apply(AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)), System.currentTimeMillis() + callTimeoutMs);
    }

    /** The options' timeoutMs, or default.api.timeout.ms when they set none. */
    private long callTimeoutMs(AbstractOptions<?> options) {
        return options.timeoutMs() != null ? options.timeoutMs() : defaultApiTimeoutMs;
    }

    private static <K, V> Map<K, CompletableFuture<V>> futures(Collection<K> keys) {
        Map<K, CompletableFuture<V>> map = new LinkedHashMap<>();
        for (K key : keys) {
            map.put(key, new CompletableFuture<>());
        }
        return map;
    }

    /** Completes one item's future (absent: the caller did not ask for it) with its per-item result. */
    private static void completeItem(CompletableFuture<Void> future, ErrorCode code, String message, String what) {
        if (future == null) {
            return;
        }
        if (code == ErrorCode.NONE) {
            future.complete(null);
        } else {
            future.completeExceptionally(error(code, message, what));
        }
    }

    private static ApiException error(ErrorCode code, String message, String what) {
        return ApiException.of(code, message == null || message.isEmpty() ? what + ": " + code : message);
    }

    private static <K, V> void failMissing(Map<K, CompletableFuture<V>> futures) {
        futures.forEach((k, f) -> f.completeExceptionally(ApiException.of(ErrorCode.UNKNOWN_SERVER_ERROR,
                "the broker did not answer for " + k)));
    }

    // ---- topics ---------------------------------------------------------------------------------

    @Override
    public AdminResult<String, Void> createTopics(Collection<NewTopic> topics, CreateTopicsOptions options) {
        Map<String, CompletableFuture<Void>> futures = futures(topics.stream().map(NewTopic::name).toList());
        long callTimeoutMs = callTimeoutMs(options);
        CreateTopicsRequest.Builder request = CreateTopicsRequest.newBuilder()
                .setTimeoutMs(requestTimeoutMs).setValidateOnly(options.shouldValidateOnly());
        for (NewTopic topic : topics) {
            CreatableTopic.Builder creatable = CreatableTopic.newBuilder()
                    .setName(topic.name())
                    .setNumPartitions(topic.replicaAssignments().isEmpty() ? topic.numPartitions() : -1)
                    .setReplicationFactor(topic.replicaAssignments().isEmpty() ? topic.replicationFactor() : -1)
                    .putAllConfigs(topic.configs());
            topic.replicaAssignments().forEach((partition, brokers) -> creatable.addAssignments(
                    ReplicaAssignment.newBuilder().setPartition(partition).addAllBrokerIds(brokers)));
            request.addTopics(creatable);
        }
        submit(futures.values(), () -> {
            CreateTopicsResponse response = callAny(stub -> stub.createTopics(request.build()), callTimeoutMs);
            for (CreatableTopicResult result : response.getTopicsList()) {
                completeItem(futures.get(result.getName()), result.getError(), result.getErrorMessage(),
                        "creating topic '" + result.getName() + "' failed");
            }
            failMissing(futures);
        });
        return new AdminResult<>(futures);
    }

    @Override
    public AdminResult<String, Void> deleteTopics(Collection<String> topics, DeleteTopicsOptions options) {
        Map<String, CompletableFuture<Void>> futures = futures(topics);
        long callTimeoutMs = callTimeoutMs(options);
        DeleteTopicsRequest request = DeleteTopicsRequest.newBuilder()
                .addAllNames(topics).setTimeoutMs(requestTimeoutMs).build();
        submit(futures.values(), () -> {
            DeleteTopicsResponse response = callAny(stub -> stub.deleteTopics(request), callTimeoutMs);
            for (DeletableTopicResult result : response.getTopicsList()) {
                completeItem(futures.get(result.getName()), result.getError(), result.getErrorMessage(),
                        "deleting topic '" + result.getName() + "' failed");
            }
            failMissing(futures);
        });
        return new AdminResult<>(futures);
    }

    @Override
    public ListTopicsResult listTopics(ListTopicsOptions options) {
        CompletableFuture<Map<String, TopicListing>> future = new CompletableFuture<>();
        boolean listInternal = options.shouldListInternal();
        long callTimeoutMs = callTimeoutMs(options);
        submit(List.of(future), () -> {
            ClusterMetadata.Snapshot snapshot = metadata.refresh(List.of(), true, false,
                    System.currentTimeMillis() + callTimeoutMs);
            Map<String, TopicListing> listings = new java.util.TreeMap<>();
            snapshot.topics().values().forEach(t -> {
                if (t.ok() && (listInternal || !t.internal())) {
                    listings.put(t.name(), new TopicListing(t.name(), t.topicId(), t.internal()));
                }
            });
            future.complete(listings);
        });
        return new ListTopicsResult(future);
    }

    @Override
    public DescribeTopicsResult describeTopics(Collection<String> topics, DescribeTopicsOptions options) {
        Map<String, CompletableFuture<TopicDescription>> futures = futures(topics);
        long callTimeoutMs = callTimeoutMs(options);
        submit(futures.values(), () -> {
            ClusterMetadata.Snapshot snapshot = metadata.refresh(new LinkedHashSet<>(topics), false, false,
                    System.currentTimeMillis() + callTimeoutMs);
            futures.forEach((name, future) -> {
                ClusterMetadata.TopicState state = snapshot.topic(name);
                if (state == null) {
                    future.completeExceptionally(ApiException.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                            "topic '" + name + "' does not exist"));
                } else if (!state.ok()) {
                    future.completeExceptionally(error(state.error(), state.errorMessage(),
                            "describing topic '" + name + "' failed"));
                } else {
                    future.complete(new TopicDescription(name, state.topicId(), state.internal(), state.partitions()));
                }
            });
        });
        return new DescribeTopicsResult(futures);
    }

    @Override
    public AdminResult<String, Void> createPartitions(Map<String, NewPartitions> newPartitions) {
        Map<String, CompletableFuture<Void>> futures = futures(newPartitions.keySet());
        CreatePartitionsRequest.Builder request = CreatePartitionsRequest.newBuilder().setTimeoutMs(requestTimeoutMs);
        newPartitions.forEach((name, spec) -> {
            CreatePartitionsTopic.Builder topic = CreatePartitionsTopic.newBuilder()
                    .setName(name).setCount(spec.totalCount());
            int partition = spec.totalCount() - spec.newAssignments().size();
            for (List<Integer> brokers : spec.newAssignments()) {
                topic.addAssignments(ReplicaAssignment.newBuilder().setPartition(partition++).addAllBrokerIds(brokers));
            }
            request.addTopics(topic);
        });
        submit(futures.values(), () -> {
            CreatePartitionsResponse response = callAny(stub -> stub.createPartitions(request.build()));
            for (CreatePartitionsTopicResult result : response.getResultsList()) {
                completeItem(futures.get(result.getName()), result.getError(), result.getErrorMessage(),
                        "adding partitions to topic '" + result.getName() + "' failed");
            }
            failMissing(futures);
        });
        return new AdminResult<>(futures);
    }

    // ---- configs --------------------------------------------------------------------------------

    private static ResourceType toProto(ConfigResource.Type type) {
        return type == ConfigResource.Type.TOPIC ? ResourceType.TOPIC : ResourceType.BROKER;
    }

    private static ConfigResource fromProto(ResourceType type, String name) {
        return new ConfigResource(type == ResourceType.BROKER ? ConfigResource.Type.BROKER : ConfigResource.Type.TOPIC,
                name);
    }

    @Override
    public AdminResult<ConfigResource, Config> describeConfigs(Collection<ConfigResource> resources) {
        Map<ConfigResource, CompletableFuture<Config>> futures = futures(resources);
        DescribeConfigsRequest.Builder request = DescribeConfigsRequest.newBuilder();
        for (ConfigResource resource : resources) {
            request.addResources(io.runnel.proto.ConfigResource.newBuilder()
                    .setType(toProto(resource.type())).setName(resource.name()));
        }
        submit(futures.values(), () -> {
            DescribeConfigsResponse response = callAny(stub -> stub.describeConfigs(request.build()));
            for (DescribeConfigsResult result : response.getResultsList()) {
                CompletableFuture<Config> future = futures.get(fromProto(result.getType(), result.getName()));
                if (future == null) {
                    continue;
                }
                if (result.getError() != ErrorCode.NONE) {
                    future.completeExceptionally(error(result.getError(), result.getErrorMessage(),
                            "describing configs of " + result.getName() + " failed"));
                    continue;
                }
                List<ConfigEntry> entries = new ArrayList<>();
                for (io.runnel.proto.ConfigEntry e : result.getEntriesList()) {
                    entries.add(new ConfigEntry(e.getName(), e.getSensitive() ? null : e.getValue(),
                            e.getSource().name(), e.getReadOnly(), e.getSensitive(), e.getType(), e.getDocumentation()));
                }
                future.complete(new Config(entries));
            }
            failMissing(futures);
        });
        return new AdminResult<>(futures);
    }

    @Override
    public AdminResult<ConfigResource, Void> incrementalAlterConfigs(
            Map<ConfigResource, Collection<AlterConfigOp>> configs) {
        Map<ConfigResource, CompletableFuture<Void>> futures = futures(configs.keySet());
        AlterConfigsRequest.Builder request = AlterConfigsRequest.newBuilder();
        configs.forEach((resource, ops) -> {
            AlterConfigsResource.Builder r = AlterConfigsResource.newBuilder()
                    .setType(toProto(resource.type())).setName(resource.name());
            for (AlterConfigOp op : ops) {
                r.addConfigs(AlterableConfig.newBuilder().setName(op.name()).setValue(op.value())
                        .setOp(io.runnel.proto.AlterConfigOp.valueOf(op.opType().name())));
            }
            request.addResources(r);
        });
        submit(futures.values(), () -> {
            AlterConfigsResponse response = callAny(stub -> stub.alterConfigs(request.build()));
            for (AlterConfigsResult result : response.getResultsList()) {
                completeItem(futures.get(fromProto(result.getType(), result.getName())), result.getError(), result.getErrorMessage(),
                        "altering configs of " + result.getName() + " failed");
            }
            failMissing(futures);
        });
        return new AdminResult<>(futures);
    }

    // ---- records, cluster, leaders --------------------------------------------------------------

    @Override
    public AdminResult<TopicPartition, Long> deleteRecords(Map<TopicPartition, Long> beforeOffsets) {
        Map<TopicPartition, CompletableFuture<Long>> futures = futures(beforeOffsets.keySet());
        Map<String, DeleteRecordsTopic.Builder> topics = new LinkedHashMap<>();
        beforeOffsets.forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(),
                        t -> DeleteRecordsTopic.newBuilder().setName(t))
                .addPartitions(DeleteRecordsPartition.newBuilder().setPartition(tp.partition()).setOffset(offset)));
        DeleteRecordsRequest.Builder request = DeleteRecordsRequest.newBuilder().setTimeoutMs(requestTimeoutMs);
        topics.values().forEach(request::addTopics);
        submit(futures.values(), () -> {
            DeleteRecordsResponse response = callAny(stub -> stub.deleteRecords(request.build()));
            for (DeleteRecordsTopicResult topic : response.getTopicsList()) {
                for (DeleteRecordsPartitionResult result : topic.getPartitionsList()) {
                    TopicPartition tp = new TopicPartition(topic.getName(), result.getPartition());
                    CompletableFuture<Long> future = futures.get(tp);
                    if (future == null) {
                        continue;
                    }
                    if (result.getError() == ErrorCode.NONE) {
                        future.complete(result.getLowWatermark());
                    } else {
                        future.completeExceptionally(error(result.getError(), result.getErrorMessage(),
                                "deleting records of " + tp + " failed"));
                    }
                }
            }
            failMissing(futures);
        });
        return new AdminResult<>(futures);
    }

    @Override
    public CompletableFuture<ClusterDescription> describeCluster() {
        return describeCluster(false);
    }

    @Override
    public CompletableFuture<ClusterDescription> describeCluster(boolean includeQuorum) {
        CompletableFuture<ClusterDescription> future = new CompletableFuture<>();
        DescribeClusterRequest request = DescribeClusterRequest.newBuilder().setIncludeQuorum(includeQuorum).build();
        submit(List.of(future), () -> {
            DescribeClusterResponse response = callAny(stub -> stub.describeCluster(request));
            if (response.getError() != ErrorCode.NONE) {
                throw error(response.getError(), response.getErrorMessage(), "describing the cluster failed");
            }
            List<Node> nodes = new ArrayList<>();
            response.getBrokersList().forEach(b -> nodes.add(new Node(b.getId(), b.getHost(), b.getPort(), b.getRack())));
            List<ClusterDescription.Controller> controllers = new ArrayList<>();
            for (ControllerInfo c : response.getControllersList()) {
                controllers.add(new ClusterDescription.Controller(c.getId(), c.getHost(), c.getPort(), c.getActive(),
                        c.getTerm(), c.getCommitIndex(), c.getAppliedOffset(), c.getReachable()));
            }
            List<ClusterDescription.BrokerState> states = new ArrayList<>();
            for (BrokerState b : response.getBrokerStatesList()) {
                states.add(new ClusterDescription.BrokerState(b.getId(), b.getHost(), b.getPort(), b.getRack(),
                        b.getFenced(), b.getInControlledShutdown(), b.getLastHeartbeatAgeMs(),
                        b.getAppliedMetadataOffset(), b.getMetadataLag(), b.getBrokerEpoch()));
            }
            future.complete(new ClusterDescription(response.getClusterId(), response.getControllerId(), nodes,
                    controllers, states, response.getMetadataOffset()));
        });
        return future;
    }

    @Override
    public CompletableFuture<Map<TopicPartition, Optional<ApiException>>> electLeaders(ElectionType type,
                                                                                      Set<TopicPartition> partitions) {
        ElectLeadersRequest.Builder request = ElectLeadersRequest.newBuilder()
                .setElectionType(type == ElectionType.UNCLEAN ? io.runnel.proto.ElectionType.UNCLEAN
                        : io.runnel.proto.ElectionType.PREFERRED)
                .setTimeoutMs(requestTimeoutMs);
        for (TopicPartition tp : partitions) {
            request.addPartitions(io.runnel.proto.TopicPartition.newBuilder()
                    .setTopic(tp.topic()).setPartition(tp.partition()));
        }
        CompletableFuture<Map<TopicPartition, Optional<ApiException>>> future = new CompletableFuture<>();
        submit(List.of(future), () -> {
            ElectLeadersResponse response = callAny(stub -> stub.electLeaders(request.build()));
            if (response.getError() != ErrorCode.NONE) {
                throw error(response.getError(), "", "electing leaders failed");
            }
            Map<TopicPartition, Optional<ApiException>> results = new LinkedHashMap<>();
            for (ElectionResult result : response.getResultsList()) {
                TopicPartition tp = new TopicPartition(result.getTopic(), result.getPartition());
                results.put(tp, result.getError() == ErrorCode.NONE ? Optional.empty()
                        : Optional.of(error(result.getError(), result.getErrorMessage(),
                        "electing a leader for " + tp + " failed")));
            }
            future.complete(results);
        });
        return future;
    }

    // ---- reassignments --------------------------------------------------------------------------

    @Override
    public AdminResult<TopicPartition, Void> alterPartitionReassignments(
            Map<TopicPartition, Optional<List<Integer>>> reassignments) {
        Map<TopicPartition, CompletableFuture<Void>> futures = futures(reassignments.keySet());
        Map<String, ReassignableTopic.Builder> topics = new LinkedHashMap<>();
        reassignments.forEach((tp, target) -> {
            ReassignablePartition.Builder partition = ReassignablePartition.newBuilder().setPartition(tp.partition());
            target.ifPresent(replicas -> partition.setReplicas(ReplicaList.newBuilder().addAllBrokerIds(replicas)));
            topics.computeIfAbsent(tp.topic(), t -> ReassignableTopic.newBuilder().setName(t)).addPartitions(partition);
        });
        AlterPartitionReassignmentsRequest.Builder request = AlterPartitionReassignmentsRequest.newBuilder()
                .setTimeoutMs(requestTimeoutMs);
        topics.values().forEach(request::addTopics);
        submit(futures.values(), () -> {
            AlterPartitionReassignmentsResponse response = callAny(stub -> stub.alterPartitionReassignments(request.build()));
            if (response.getError() != ErrorCode.NONE) {
                throw error(response.getError(), response.getErrorMessage(), "reassigning partitions failed");
            }
            for (ReassignableTopicResult topic : response.getTopicsList()) {
                for (ReassignablePartitionResult result : topic.getPartitionsList()) {
                    TopicPartition tp = new TopicPartition(topic.getName(), result.getPartition());
                    completeItem(futures.get(tp), result.getError(), result.getErrorMessage(),
                            "reassigning " + tp + " failed");
                }
            }
            failMissing(futures);
        });
        return new AdminResult<>(futures);
    }

    @Override
    public CompletableFuture<Map<TopicPartition, PartitionReassignment>> listPartitionReassignments() {
        return listPartitionReassignments(Set.of());
    }

    @Override
    public CompletableFuture<Map<TopicPartition, PartitionReassignment>> listPartitionReassignments(
            Set<TopicPartition> partitions) {
        Map<String, ListPartitionReassignmentsTopic.Builder> topics = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            topics.computeIfAbsent(tp.topic(), t -> ListPartitionReassignmentsTopic.newBuilder().setName(t))
                    .addPartitions(tp.partition());
        }
        ListPartitionReassignmentsRequest.Builder request = ListPartitionReassignmentsRequest.newBuilder()
                .setTimeoutMs(requestTimeoutMs);
        topics.values().forEach(request::addTopics);
        CompletableFuture<Map<TopicPartition, PartitionReassignment>> future = new CompletableFuture<>();
        submit(List.of(future), () -> {
            ListPartitionReassignmentsResponse response = callAny(stub -> stub.listPartitionReassignments(request.build()));
            if (response.getError() != ErrorCode.NONE) {
                throw error(response.getError(), response.getErrorMessage(), "listing partition reassignments failed");
            }
            Map<TopicPartition, PartitionReassignment> result = new LinkedHashMap<>();
            for (OngoingTopicReassignment topic : response.getTopicsList()) {
                for (OngoingPartitionReassignment p : topic.getPartitionsList()) {
                    result.put(new TopicPartition(topic.getName(), p.getPartition()), new PartitionReassignment(
                            p.getReplicasList(), p.getAddingReplicasList(), p.getRemovingReplicasList()));
                }
            }
            future.complete(result);
        });
        return future;
    }

    // ---- consumer groups ------------------------------------------------------------------------

    private GroupCoordinatorClient coordinatorOf(String groupId) {
        return new GroupCoordinatorClient(channels, metadata, groupId, retryBackoffMs, requestTimeoutMs);
    }

    private long apiDeadlineMs() {
        return System.currentTimeMillis() + defaultApiTimeoutMs;
    }

    @Override
    public CompletableFuture<Collection<ConsumerGroupListing>> listConsumerGroups() {
        CompletableFuture<Collection<ConsumerGroupListing>> future = new CompletableFuture<>();
        submit(List.of(future), () -> {
            ClusterMetadata.Snapshot cluster = metadata.refresh(List.of(), false, false, apiDeadlineMs());
            Map<String, ConsumerGroupListing> groups = new java.util.TreeMap<>();
            for (Node broker : cluster.brokers().values()) {
                ListGroupsResponse response;
                try {
                    response = GroupServiceGrpc.newBlockingStub(channels.channel(ClusterMetadata.address(broker)))
                            .withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS)
                            .listGroups(ListGroupsRequest.getDefaultInstance());
                } catch (io.grpc.StatusRuntimeException e) {
                    throw GrpcErrors.toApiException(e, "listing the groups of broker " + broker.id(), "request.timeout.ms");
                }
                if (response.getError() != ErrorCode.NONE) {
                    throw error(response.getError(), response.getErrorMessage(), "listing the groups of broker " + broker.id());
                }
                response.getGroupsList().forEach(g -> groups.put(g.getGroupId(), new ConsumerGroupListing(g.getGroupId(), g.getState())));
            }
            future.complete(List.copyOf(groups.values()));
        });
        return future;
    }

    @Override
    public AdminResult<String, ConsumerGroupDescription> describeConsumerGroups(Collection<String> groupIds) {
        Map<String, CompletableFuture<ConsumerGroupDescription>> futures = futures(new LinkedHashSet<>(groupIds));
        submit(futures.values(), () -> futures.forEach((groupId, future) -> {
            try {
                GroupCoordinatorClient coordinator = coordinatorOf(groupId);
                DescribedGroup group = coordinator.callRetrying(stub -> stub.describeGroups(DescribeGroupsRequest.newBuilder()
                        .addGroupIds(groupId).build()).getGroups(0), DescribedGroup::getError, apiDeadlineMs());
                if (group.getError() != ErrorCode.NONE) {
                    future.completeExceptionally(error(group.getError(), group.getErrorMessage(), "describing group " + groupId));
                    return;
                }
                List<MemberDescription> members = new ArrayList<>();
                for (DescribedMember m : group.getMembersList()) {
                    members.add(new MemberDescription(m.getMemberId(), m.getInstanceId().isEmpty() ? Optional.empty()
                            : Optional.of(m.getInstanceId()), m.getClientId(), m.getClientHost(), m.getSubscribedTopicNamesList(),
                            partitions(m.getAssignment().getTopicsList()), partitions(m.getTargetAssignment().getTopicsList()),
                            m.getMemberEpoch(), m.getMemberState()));
                }
                future.complete(new ConsumerGroupDescription(groupId, group.getState(), group.getAssignorName(),
                        group.getGroupEpoch(), group.getAssignmentEpoch(), coordinator.coordinator(apiDeadlineMs()), members));
            } catch (ApiException e) {
                future.completeExceptionally(e);
            }
        }));
        return new AdminResult<>(futures);
    }

    private static Set<TopicPartition> partitions(List<TopicPartitions> topics) {
        Set<TopicPartition> set = new java.util.TreeSet<>();
        topics.forEach(t -> t.getPartitionsList().forEach(p -> set.add(new TopicPartition(t.getTopic(), p))));
        return set;
    }

    @Override
    public CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> listConsumerGroupOffsets(String groupId) {
        CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> future = new CompletableFuture<>();
        submit(List.of(future), () -> {
            Map<TopicPartition, OffsetAndMetadata> offsets = new java.util.TreeMap<>();
            coordinatorOf(groupId).fetch(List.of(), apiDeadlineMs()).forEach((tp, p) -> offsets.put(tp,
                    new OffsetAndMetadata(p.getCommittedOffset(), p.getCommittedLeaderEpoch() >= 0
                            ? Optional.of(p.getCommittedLeaderEpoch()) : Optional.empty(), p.getMetadata())));
            future.complete(offsets);
        });
        return future;
    }

    @Override
    public AdminResult<TopicPartition, Void> alterConsumerGroupOffsets(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, CompletableFuture<Void>> futures = futures(offsets.keySet());
        OffsetCommitRequest.Builder request = OffsetCommitRequest.newBuilder().setGroupId(groupId).setMemberEpoch(-1);
        Map<String, OffsetCommitTopic.Builder> topics = new java.util.TreeMap<>();
        offsets.forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(), t -> OffsetCommitTopic.newBuilder().setName(t))
                .addPartitions(OffsetCommitPartition.newBuilder().setPartition(tp.partition()).setCommittedOffset(offset.offset())
                        .setCommittedLeaderEpoch(offset.leaderEpoch().orElse(-1)).setCommittedMetadata(offset.metadata())));
        topics.values().forEach(request::addTopics);
        submit(futures.values(), () -> {
            OffsetCommitResponse response = coordinatorOf(groupId).commit(request.build(), apiDeadlineMs());
            for (OffsetCommitTopicResult topic : response.getTopicsList()) {
                for (PartitionResult result : topic.getPartitionsList()) {
                    TopicPartition tp = new TopicPartition(topic.getName(), result.getPartition());
                    completeItem(futures.get(tp), result.getError(), result.getErrorMessage(), "committing the offset of " + tp);
                }
            }
            failMissing(futures);
        });
        return new AdminResult<>(futures);
    }

    @Override
    public AdminResult<String, Void> deleteConsumerGroups(Collection<String> groupIds) {
        Map<String, CompletableFuture<Void>> futures = futures(new LinkedHashSet<>(groupIds));
        submit(futures.values(), () -> futures.forEach((groupId, future) -> {
            try {
                DeleteGroupResult result = coordinatorOf(groupId).callRetrying(stub -> stub.deleteGroups(DeleteGroupsRequest.newBuilder()
                        .addGroupIds(groupId).build()).getResults(0), DeleteGroupResult::getError, apiDeadlineMs());
                completeItem(future, result.getError(), result.getErrorMessage(), "deleting group " + groupId);
            } catch (ApiException e) {
                future.completeExceptionally(e);
            }
        }));
        return new AdminResult<>(futures);
    }

    @Override
    public AdminResult<TopicPartition, Void> deleteConsumerGroupOffsets(String groupId, Set<TopicPartition> partitions) {
        Map<TopicPartition, CompletableFuture<Void>> futures = futures(partitions);
        OffsetDeleteRequest.Builder request = OffsetDeleteRequest.newBuilder().setGroupId(groupId);
        Map<String, TopicPartitions.Builder> topics = new java.util.TreeMap<>();
        partitions.forEach(tp -> topics.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t))
                .addPartitions(tp.partition()));
        topics.values().forEach(request::addTopics);
        submit(futures.values(), () -> {
            OffsetDeleteResponse response = coordinatorOf(groupId).callRetrying(stub -> stub.offsetDelete(request.build()),
                    OffsetDeleteResponse::getError, apiDeadlineMs());
            if (response.getError() != ErrorCode.NONE) {
                throw error(response.getError(), response.getErrorMessage(), "deleting offsets of group " + groupId);
            }
            for (OffsetDeleteTopicResult topic : response.getTopicsList()) {
                for (PartitionResult result : topic.getPartitionsList()) {
                    TopicPartition tp = new TopicPartition(topic.getName(), result.getPartition());
                    completeItem(futures.get(tp), result.getError(), result.getErrorMessage(), "deleting the offset of " + tp);
                }
            }
            failMissing(futures);
        });
        return new AdminResult<>(futures);
    }

    @Override
    public void close() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            worker.shutdownNow();
        }
        channels.close();
    }

    public String clientId() {
        return clientId;
    }
}
