package io.runnel.rpc;

import io.grpc.stub.StreamObserver;
import io.runnel.common.TopicNames;
import io.runnel.common.config.BrokerDynamicConfig;
import io.runnel.common.config.ConfigDef;
import io.runnel.common.config.ServerConfig;
import io.runnel.common.config.ServerSettings;
import io.runnel.common.config.Setting;
import io.runnel.common.config.TopicConfig;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResponse;
import io.runnel.proto.AlterPartitionReassignmentsRequest;
import io.runnel.proto.AlterPartitionReassignmentsResponse;
import io.runnel.proto.ConfigEntry;
import io.runnel.proto.ConfigResource;
import io.runnel.proto.ConfigSource;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsResponse;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.CreateTopicsResponse;
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
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ListPartitionReassignmentsRequest;
import io.runnel.proto.ListPartitionReassignmentsResponse;
import io.runnel.proto.Node;
import io.runnel.proto.ResourceType;
import io.runnel.replication.ReplicaManager;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The Admin RPC on a broker. Writes (topics, partitions, configs, elections, reassignments) and
 * ListPartitionReassignments go to the active controller; the answer waits until this broker has
 * applied the resulting metadata, so a client that creates a topic and then describes it through the
 * same broker sees it. Reads (DescribeConfigs, DescribeCluster) come from this broker's image;
 * DeleteRecords runs on the partitions this broker leads. Thread-safe; one instance per listener.
 */
public final class AdminServiceImpl extends AdminServiceGrpc.AdminServiceImplBase {

    private final BrokerMetadata metadata;
    private final ControllerGateway controller;
    private final ReplicaManager replicaManager;
    private final TopicConfigResolver topicConfigs;
    /** This node's static settings: DescribeConfigs of this broker lists every one. */
    private final ServerConfig settings;
    private final String listenerName;
    private final boolean deleteTopicEnable;
    /** request.timeout.ms: the bound on every admin request's timeout_ms and the default when it is 0 or less. */
    private final int requestTimeoutMs;

    public AdminServiceImpl(BrokerMetadata metadata, ControllerGateway controller, ReplicaManager replicaManager,
                            TopicConfigResolver topicConfigs, ServerConfig settings, String listenerName,
                            boolean deleteTopicEnable, int requestTimeoutMs) {
        this.metadata = metadata;
        this.controller = controller;
        this.replicaManager = replicaManager;
        this.topicConfigs = topicConfigs;
        this.settings = settings;
        this.listenerName = listenerName;
        this.deleteTopicEnable = deleteTopicEnable;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    /** Runs a controller write, waits for this broker to apply its metadata offset, then answers. */
    private <R, T> void forward(String apiName, CompletableFuture<R> call, ToLongFunction<R> offset, Function<R, T> response,
                                int timeoutMs, StreamObserver<T> observer) {
        ControllerWrites.awaitApplied(apiName, call, offset, metadata, timeoutMs).whenComplete((result, failure) -> {
            if (failure != null) {
                Requests.fail(observer, failure);
            } else {
                observer.onNext(response.apply(result));
                observer.onCompleted();
            }
        });
    }

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> observer) {
        int timeoutMs = ControllerWrites.clampTimeoutMs(request.getTimeoutMs(), requestTimeoutMs);
        forward("CreateTopics", controller.createTopics(request.toBuilder().setTimeoutMs(timeoutMs).build()),
                r -> r.getMetadataOffset(), r -> r.getResponse(), timeoutMs, observer);
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> observer) {
        if (!deleteTopicEnable) {
            Requests.fail(observer, new ApiException(ErrorCode.TOPIC_DELETION_DISABLED,
                    "topic deletion is disabled on this broker (delete.topic.enable=false)"));
            return;
        }
        int timeoutMs = ControllerWrites.clampTimeoutMs(request.getTimeoutMs(), requestTimeoutMs);
        forward("DeleteTopics", controller.deleteTopics(request.toBuilder().setTimeoutMs(timeoutMs).build()),
                r -> r.getMetadataOffset(), r -> r.getResponse(), timeoutMs, observer);
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> observer) {
        int timeoutMs = ControllerWrites.clampTimeoutMs(request.getTimeoutMs(), requestTimeoutMs);
        forward("CreatePartitions", controller.createPartitions(request.toBuilder().setTimeoutMs(timeoutMs).build()),
                r -> r.getMetadataOffset(), r -> r.getResponse(), timeoutMs, observer);
    }

    @Override
    public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> observer) {
        // AlterConfigs has no timeout field: request.timeout.ms bounds it, as the gateway's call.
        forward("AlterConfigs", controller.alterConfigs(request), r -> r.getMetadataOffset(), r -> r.getResponse(),
                requestTimeoutMs, observer);
    }

    @Override
    public void electLeaders(ElectLeadersRequest request, StreamObserver<ElectLeadersResponse> observer) {
        int timeoutMs = ControllerWrites.clampTimeoutMs(request.getTimeoutMs(), requestTimeoutMs);
        forward("ElectLeaders", controller.electLeaders(request.toBuilder().setTimeoutMs(timeoutMs).build()),
                r -> r.getMetadataOffset(), r -> r.getResponse(), timeoutMs, observer);
    }

    @Override
    public void alterPartitionReassignments(AlterPartitionReassignmentsRequest request,
                                            StreamObserver<AlterPartitionReassignmentsResponse> observer) {
        int timeoutMs = ControllerWrites.clampTimeoutMs(request.getTimeoutMs(), requestTimeoutMs);
        forward("AlterPartitionReassignments", controller.alterPartitionReassignments(request.toBuilder().setTimeoutMs(timeoutMs).build()),
                r -> r.getMetadataOffset(), r -> r.getResponse(), timeoutMs, observer);
    }

    /** Asks the active controller, so that a reassignment this broker's image has not applied yet is listed. */
    @Override
    public void listPartitionReassignments(ListPartitionReassignmentsRequest request,
                                           StreamObserver<ListPartitionReassignmentsResponse> observer) {
        int timeoutMs = ControllerWrites.clampTimeoutMs(request.getTimeoutMs(), requestTimeoutMs);
        forward("ListPartitionReassignments", controller.listPartitionReassignments(request.toBuilder().setTimeoutMs(timeoutMs).build()),
                r -> r.getMetadataOffset(), r -> r.getResponse(), timeoutMs, observer);
    }

    @Override
    public void describeConfigs(DescribeConfigsRequest request, StreamObserver<DescribeConfigsResponse> observer) {
        try {
            MetadataImage image = metadata.image();
            DescribeConfigsResponse.Builder response = DescribeConfigsResponse.newBuilder();
            for (ConfigResource resource : request.getResourcesList()) {
                response.addResults(describe(image, resource, request.getIncludeDocumentation()));
            }
            observer.onNext(response.build());
            observer.onCompleted();
        } catch (RuntimeException e) {
            Requests.fail(observer, e);
        }
    }

    private DescribeConfigsResult describe(MetadataImage image, ConfigResource resource, boolean documentation) {
        DescribeConfigsResult.Builder result = DescribeConfigsResult.newBuilder().setTypeValue(resource.getTypeValue())
                .setName(resource.getName());
        if (resource.getType() == ResourceType.TOPIC) {
            if (image.topics().getTopic(resource.getName()) == null) {
                return result.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                        .setErrorMessage("topic " + ErrorText.quote(resource.getName()) + " does not exist").build();
            }
            topicConfigs.resolve(image, resource.getName()).forEach((key, resolved) -> {
                if (resource.getKeysCount() == 0 || resource.getKeysList().contains(key)) {
                    ConfigDef.ConfigKey definition = TopicConfig.DEFINITION.key(key).orElseThrow();
                    result.addEntries(entry(key, resolved.value(), resolved.source(), definition, documentation));
                }
            });
            return result.setError(ErrorCode.NONE).build();
        }
        if (resource.getType() == ResourceType.BROKER) {
            if (!resource.getName().equals(String.valueOf(replicaManager.brokerId()))) {
                return result.setError(ErrorCode.INVALID_REQUEST).setErrorMessage("broker " + ErrorText.quote(resource.getName())
                        + " is not this broker (" + replicaManager.brokerId() + "); ask that broker").build();
            }
            addServerEntries(image, resource, documentation, result);
            addDynamicBrokerEntries(image, resource, documentation, result);
            return result.setError(ErrorCode.NONE).build();
        }
        return result.setError(ErrorCode.INVALID_REQUEST).setErrorMessage("resource type " + resource.getType()
                + " is not supported; use TOPIC or BROKER").build();
    }

    /**
     * Every server setting of this node ({@link ServerSettings}): this broker's dynamic override, the dynamic
     * cluster-wide default, this node's static configuration, or the declared default, with the setting's
     * type and documentation. Only the keys AlterConfigs accepts on a BROKER resource (topic defaults,
     * num.partitions, default.replication.factor) are not read-only.
     */
    private void addServerEntries(MetadataImage image, ConfigResource resource, boolean documentation,
                                  DescribeConfigsResult.Builder result) {
        Map<String, String> own = image.configs().brokerConfigs(resource.getName());
        Map<String, String> cluster = image.configs().brokerConfigs("");
        ServerSettings.all().stream().sorted(java.util.Comparator.comparing(Setting::key)).forEach(setting -> {
            String key = setting.key();
            if (resource.getKeysCount() > 0 && !resource.getKeysList().contains(key)) {
                return;
            }
            boolean dynamic = ServerSettings.topicDefaultSettings().containsValue(setting)
                    || setting == ServerSettings.NUM_PARTITIONS || setting == ServerSettings.DEFAULT_REPLICATION_FACTOR;
            String value;
            ConfigSource source;
            if (dynamic && own.containsKey(key)) {
                value = own.get(key);
                source = ConfigSource.DYNAMIC_BROKER_CONFIG;
            } else if (dynamic && cluster.containsKey(key)) {
                value = cluster.get(key);
                source = ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG;
            } else {
                value = settings.text(setting);
                source = settings.isSet(setting) ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
            }
            ConfigEntry.Builder entry = ConfigEntry.newBuilder().setName(key).setValue(value).setSource(source)
                    .setReadOnly(!dynamic).setType(setting.type().name()).setSensitive(false);
            if (documentation) {
                entry.setDocumentation(setting.documentation());
            }
            result.addEntries(entry);
        });
    }

    /** The dynamic-only broker keys (replication throttle rates): this broker's override, the cluster's, or the default. */
    private static void addDynamicBrokerEntries(MetadataImage image, ConfigResource resource, boolean documentation,
                                                DescribeConfigsResult.Builder result) {
        Map<String, String> own = image.configs().brokerConfigs(resource.getName());
        Map<String, String> cluster = image.configs().brokerConfigs("");
        for (ConfigDef.ConfigKey key : BrokerDynamicConfig.DEFINITION.configKeys()) {
            if (resource.getKeysCount() > 0 && !resource.getKeysList().contains(key.name())) {
                continue;
            }
            if (own.containsKey(key.name())) {
                result.addEntries(entry(key.name(), own.get(key.name()), ConfigSource.DYNAMIC_BROKER_CONFIG, key, documentation));
            } else if (cluster.containsKey(key.name())) {
                result.addEntries(entry(key.name(), cluster.get(key.name()), ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
                        key, documentation));
            } else {
                result.addEntries(entry(key.name(), String.valueOf(key.defaultValue()), ConfigSource.DEFAULT_CONFIG, key,
                        documentation));
            }
        }
    }

    private static ConfigEntry entry(String key, String value, ConfigSource source, ConfigDef.ConfigKey definition, boolean documentation) {
        ConfigEntry.Builder entry = ConfigEntry.newBuilder().setName(key).setSource(source).setReadOnly(false)
                .setType(definition.type().name()).setSensitive(definition.type() == ConfigDef.Type.PASSWORD);
        if (value != null) {
            entry.setValue(value);
        }
        if (documentation && definition.documentation() != null) {
            entry.setDocumentation(definition.documentation());
        }
        return entry.build();
    }

    @Override
    public void deleteRecords(DeleteRecordsRequest request, StreamObserver<DeleteRecordsResponse> observer) {
        try {
            DeleteRecordsResponse.Builder response = DeleteRecordsResponse.newBuilder();
            for (DeleteRecordsTopic topic : request.getTopicsList()) {
                DeleteRecordsTopicResult.Builder topicResult = DeleteRecordsTopicResult.newBuilder().setName(topic.getName());
                for (DeleteRecordsPartition partition : topic.getPartitionsList()) {
                    DeleteRecordsPartitionResult.Builder result = DeleteRecordsPartitionResult.newBuilder()
                            .setPartition(partition.getPartition()).setLowWatermark(-1);
                    try {
                        if (TopicNames.isInternal(topic.getName())) {
                            throw new ApiException(ErrorCode.INVALID_TOPIC_EXCEPTION, "cannot delete records of internal topic "
                                    + ErrorText.quote(topic.getName()));
                        }
                        long low = replicaManager.deleteRecords(Requests.topicPartition(topic.getName(), partition.getPartition()),
                                partition.getOffset());
                        result.setError(ErrorCode.NONE).setLowWatermark(low);
                    } catch (ApiException e) {
                        result.setError(e.code()).setErrorMessage(e.getMessage());
                    }
                    topicResult.addPartitions(result);
                }
                response.addTopics(topicResult);
            }
            observer.onNext(response.build());
            observer.onCompleted();
        } catch (RuntimeException e) {
            Requests.fail(observer, e);
        }
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> observer) {
        MetadataImage image = metadata.image();
        DescribeClusterResponse.Builder response = DescribeClusterResponse.newBuilder()
                .setError(ErrorCode.NONE)
                .setClusterId(metadata.clusterId())
                .setControllerId(metadata.activeControllerId())
                .setMetadataOffset(image.offset());
        for (BrokerRegistration broker : image.cluster().activeBrokers()) {
            broker.endpoint(listenerName).ifPresent(e -> response.addBrokers(Node.newBuilder().setId(broker.id())
                    .setHost(e.host()).setPort(e.port()).setRack(broker.rack().orElse(""))));
        }
        if (!request.getIncludeQuorum()) {
            observer.onNext(response.build());
            observer.onCompleted();
            return;
        }
        controller.describeQuorum().orTimeout(requestTimeoutMs, TimeUnit.MILLISECONDS).whenComplete((quorum, failure) -> {
            if (failure != null) {
                Requests.fail(observer, failure);
                return;
            }
            response.setControllerId(quorum.getLeaderId()).addAllControllers(quorum.getVotersList())
                    .addAllBrokerStates(quorum.getBrokersList());
            observer.onNext(response.build());
            observer.onCompleted();
        });
    }
}
