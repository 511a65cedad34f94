package io.runnel.rpc;

import io.grpc.stub.StreamObserver;
import io.runnel.common.TopicNames;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.Endpoint;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatableTopicResult;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataResponse;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.Node;
import io.runnel.proto.PartitionMetadata;
import io.runnel.proto.TopicMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The Metadata RPC: brokers and topics from this broker's metadata image, on the listener the client
 * used. With {@code allow_auto_topic_creation} and {@code auto.create.topics.enable}, asks the
 * controller to create missing topics (cluster defaults for partitions and replication) and answers
 * once this broker has applied them. Thread-safe; one instance per listener.
 */
public final class MetadataServiceImpl extends MetadataServiceGrpc.MetadataServiceImplBase {

    /** Bound on topics one request may name, so a request cannot make an unbounded response. */
    static final int TOPICS_PER_REQUEST_MAX = 10_000;

    private final BrokerMetadata metadata;
    private final ControllerGateway controller;
    private final String listenerName;
    private final boolean autoCreateTopicsEnable;
    /** request.timeout.ms: how long auto-creation may take at the controller. */
    private final int requestTimeoutMs;

    public MetadataServiceImpl(BrokerMetadata metadata, ControllerGateway controller, String listenerName,
                               boolean autoCreateTopicsEnable, int requestTimeoutMs) {
        this.metadata = metadata;
        this.controller = controller;
        this.listenerName = listenerName;
        this.autoCreateTopicsEnable = autoCreateTopicsEnable;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    @Override
    public void getMetadata(MetadataRequest request, StreamObserver<MetadataResponse> observer) {
        try {
            if (request.getTopicsCount() > TOPICS_PER_REQUEST_MAX) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "a metadata request may name at most "
                        + TOPICS_PER_REQUEST_MAX + " topics, not " + request.getTopicsCount());
            }
            MetadataImage image = metadata.image();
            List<String> missing = request.getAllTopics() ? List.of() : request.getTopicsList().stream()
                    .distinct().filter(name -> image.topics().getTopic(name) == null && TopicNames.isValid(name)).toList();
            if (missing.isEmpty() || !request.getAllowAutoTopicCreation() || !autoCreateTopicsEnable) {
                respond(request, image, Map.of(), observer);
                return;
            }
            autoCreate(missing).whenComplete((errors, failure) -> {
                if (failure != null) {
                    Requests.fail(observer, failure);
                } else {
                    respond(request, metadata.image(), errors, observer);
                }
            });
        } catch (RuntimeException e) {
            Requests.fail(observer, e);
        }
    }

    /** Creates the topics; completes with the errors of those that could not be created. */
    private CompletableFuture<Map<String, CreatableTopicResult>> autoCreate(List<String> names) {
        CreateTopicsRequest.Builder create = CreateTopicsRequest.newBuilder().setTimeoutMs(requestTimeoutMs);
        for (String name : names) {
            create.addTopics(CreatableTopic.newBuilder().setName(name).setNumPartitions(-1).setReplicationFactor(-1));
        }
        return ControllerWrites.awaitApplied("auto-creation of " + names.size() + " topic(s)",
                controller.createTopics(create.build()), response -> response.getMetadataOffset(), metadata,
                requestTimeoutMs).thenApply(response -> {
                    Map<String, CreatableTopicResult> errors = new LinkedHashMap<>();
                    for (CreatableTopicResult result : response.getResponse().getTopicsList()) {
                        if (result.getError() != ErrorCode.NONE && result.getError() != ErrorCode.TOPIC_ALREADY_EXISTS) {
                            errors.put(result.getName(), result);
                        }
                    }
                    return errors;
                });
    }

    private void respond(MetadataRequest request, MetadataImage image, Map<String, CreatableTopicResult> createErrors,
                         StreamObserver<MetadataResponse> observer) {
        MetadataResponse.Builder response = MetadataResponse.newBuilder()
                .setClusterId(metadata.clusterId())
                .setControllerId(metadata.activeControllerId())
                .setMetadataOffset(image.offset());
        for (BrokerRegistration broker : image.cluster().activeBrokers()) {
            Optional<Endpoint> endpoint = broker.endpoint(listenerName);
            endpoint.ifPresent(e -> response.addBrokers(Node.newBuilder().setId(broker.id()).setHost(e.host())
                    .setPort(e.port()).setRack(broker.rack().orElse(""))));
        }
        List<String> names = request.getAllTopics()
                ? new ArrayList<>(new java.util.TreeSet<>(image.topics().topicsByName().keySet()))
                : request.getTopicsList().stream().distinct().toList();
        for (String name : names) {
            response.addTopics(describe(image, name, createErrors.get(name)));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    private TopicMetadata describe(MetadataImage image, String name, CreatableTopicResult createError) {
        TopicMetadata.Builder topic = TopicMetadata.newBuilder().setName(name);
        if (createError != null) {
            return topic.setError(createError.getError()).setErrorMessage(createError.getErrorMessage()).build();
        }
        try {
            TopicNames.validate(name);
        } catch (ApiException e) {
            return topic.setError(e.code()).setErrorMessage(e.getMessage()).build();
        }
        TopicImage found = image.topics().getTopic(name);
        if (found == null) {
            return topic.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("topic " + ErrorText.quote(name) + " does not exist").build();
        }
        topic.setError(ErrorCode.NONE).setTopicId(found.id().toString()).setIsInternal(TopicNames.isInternal(name));
        new java.util.TreeMap<>(found.partitions()).forEach((id, registration) -> topic.addPartitions(partition(image, id, registration)));
        return topic.build();
    }

    private static PartitionMetadata partition(MetadataImage image, int id, PartitionRegistration registration) {
        PartitionMetadata.Builder partition = PartitionMetadata.newBuilder()
                .setPartition(id)
                .setLeaderId(registration.leader())
                .setLeaderEpoch(registration.leaderEpoch())
                .addAllReplicas(registration.replicas())
                .addAllIsr(registration.isr())
                .setError(registration.leader() < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE);
        for (int replica : registration.replicas()) {
            BrokerRegistration broker = image.cluster().broker(replica);
            if (broker == null || broker.fenced()) {
                partition.addOfflineReplicas(replica);
            }
        }
        return partition.build();
    }
}
