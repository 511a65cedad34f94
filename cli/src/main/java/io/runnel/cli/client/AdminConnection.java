package io.runnel.cli.client;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.cli.client.ClientOptions.HostPort;
import io.runnel.common.TopicPartition;
import io.runnel.proto.AlterPartitionReassignmentsRequest;
import io.runnel.proto.AlterPartitionReassignmentsResponse;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ElectLeadersResponse;
import io.runnel.proto.ElectionType;
import io.runnel.proto.ListPartitionReassignmentsRequest;
import io.runnel.proto.ListPartitionReassignmentsResponse;
import io.runnel.proto.ListPartitionReassignmentsTopic;
import io.runnel.proto.OngoingPartitionReassignment;
import io.runnel.proto.OngoingTopicReassignment;
import io.runnel.proto.ReassignablePartition;
import io.runnel.proto.ReassignableTopic;
import io.runnel.proto.ReplicaList;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResource;
import io.runnel.proto.AlterConfigsResult;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ConfigResource;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatableTopicResult;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.CreatePartitionsTopicResult;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeletableTopicResult;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DescribeClusterRequest;
import io.runnel.proto.DescribeClusterResponse;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.DescribeConfigsResult;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataResponse;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.ResourceType;
import io.runnel.proto.TopicMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The admin calls the CLI makes, over the public gRPC API ({@code AdminService}, {@code MetadataService})
 * of any broker: brokers forward metadata changes to the active controller themselves, so no routing
 * is needed here. Each call goes to the first bootstrap address that answers; an address that is
 * UNAVAILABLE is skipped. Per-resource errors in a response become an {@link ApiException} with the
 * server's message, so a command fails with one clear line. Not thread-safe (one command, one thread).
 */
public final class AdminConnection implements AutoCloseable {

    /** Kafka's default for admin calls; {@code default.api.timeout.ms} in --command-config overrides it. */
    static final long DEFAULT_API_TIMEOUT_MS = 60_000;

    private final List<HostPort> addresses;
    private final long timeoutMs;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private int current;

    public AdminConnection(List<HostPort> addresses, long timeoutMs) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no bootstrap address");
        }
        this.addresses = List.copyOf(addresses);
        this.timeoutMs = timeoutMs;
        for (int i = 0; i < addresses.size(); i++) {
            channels.add(null);
        }
    }

    public static AdminConnection open(ClientOptions options) {
        Properties properties = options.clientProperties();
        long timeoutMs = Long.parseLong(properties.getProperty("default.api.timeout.ms",
                Long.toString(DEFAULT_API_TIMEOUT_MS)).trim());
        return new AdminConnection(options.bootstrapAddresses(), timeoutMs);
    }

    /** Topic metadata for {@code topics}, or every topic when the list is empty. */
    public MetadataResponse metadata(List<String> topics) {
        return metadata(topics, false);
    }

    /** As {@link #metadata(List)}; {@code allowAutoCreate} lets a broker with auto.create.topics.enable create them. */
    public MetadataResponse metadata(List<String> topics, boolean allowAutoCreate) {
        MetadataRequest request = MetadataRequest.newBuilder()
                .addAllTopics(topics).setAllTopics(topics.isEmpty())
                .setAllowAutoTopicCreation(allowAutoCreate && !topics.isEmpty()).build();
        return call(channel -> MetadataServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).getMetadata(request));
    }

    /** The metadata of one topic; throws UNKNOWN_TOPIC_OR_PARTITION when it does not exist. */
    public TopicMetadata topic(String name) {
        return topic(name, false);
    }

    /** As {@link #topic(String)}, letting the broker create the topic if its configuration allows that. */
    public TopicMetadata topic(String name, boolean allowAutoCreate) {
        MetadataResponse response = metadata(List.of(name), allowAutoCreate);
        for (TopicMetadata topic : response.getTopicsList()) {
            if (topic.getName().equals(name)) {
                check(topic.getError(), topic.getErrorMessage(), "topic", name);
                return topic;
            }
        }
        throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
    }

    public CreatableTopicResult createTopic(CreatableTopic topic) {
        CreateTopicsRequest request = CreateTopicsRequest.newBuilder()
                .addTopics(topic).setTimeoutMs(intTimeout()).build();
        CreatableTopicResult result = single(call(channel -> AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).createTopics(request)).getTopicsList(),
                "CreateTopics");
        check(result.getError(), result.getErrorMessage(), "topic", topic.getName());
        return result;
    }

    public void deleteTopic(String name) {
        DeleteTopicsRequest request = DeleteTopicsRequest.newBuilder()
                .addNames(name).setTimeoutMs(intTimeout()).build();
        DeletableTopicResult result = single(call(channel -> AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).deleteTopics(request)).getTopicsList(),
                "DeleteTopics");
        check(result.getError(), result.getErrorMessage(), "topic", name);
    }

    public void createPartitions(String name, int totalCount) {
        CreatePartitionsRequest request = CreatePartitionsRequest.newBuilder()
                .addTopics(CreatePartitionsTopic.newBuilder().setName(name).setCount(totalCount))
                .setTimeoutMs(intTimeout()).build();
        CreatePartitionsTopicResult result = single(call(channel -> AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).createPartitions(request)).getResultsList(),
                "CreatePartitions");
        check(result.getError(), result.getErrorMessage(), "topic", name);
    }

    /** Every config entry of a topic, with its source. */
    public DescribeConfigsResult describeTopicConfigs(String topic) {
        return describeTopicConfigs(List.of(topic)).get(topic);
    }

    /** The config entries of several topics in one call, by topic name; throws the first topic's error. */
    public Map<String, DescribeConfigsResult> describeTopicConfigs(List<String> topics) {
        DescribeConfigsRequest.Builder request = DescribeConfigsRequest.newBuilder();
        for (String topic : topics) {
            request.addResources(ConfigResource.newBuilder().setType(ResourceType.TOPIC).setName(topic));
        }
        List<DescribeConfigsResult> results = call(channel -> AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).describeConfigs(request.build())).getResultsList();
        Map<String, DescribeConfigsResult> byName = new HashMap<>();
        for (DescribeConfigsResult result : results) {
            byName.put(result.getName(), result);
        }
        for (String topic : topics) {
            DescribeConfigsResult result = byName.get(topic);
            if (result == null) {
                throw new ApiException(ErrorCode.UNKNOWN_SERVER_ERROR, "DescribeConfigs answered without topic '" + topic + "'");
            }
            check(result.getError(), result.getErrorMessage(), "topic", topic);
        }
        return byName;
    }

    public void alterTopicConfigs(String topic, List<AlterableConfig> changes) {
        AlterConfigsRequest request = AlterConfigsRequest.newBuilder()
                .addResources(AlterConfigsResource.newBuilder()
                        .setType(ResourceType.TOPIC).setName(topic).addAllConfigs(changes))
                .build();
        AlterConfigsResult result = single(call(channel -> AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).alterConfigs(request)).getResultsList(),
                "AlterConfigs");
        check(result.getError(), result.getErrorMessage(), "topic", topic);
    }

    public DescribeClusterResponse describeCluster(boolean includeQuorum) {
        DescribeClusterRequest request = DescribeClusterRequest.newBuilder().setIncludeQuorum(includeQuorum).build();
        DescribeClusterResponse response = call(channel -> AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).describeCluster(request));
        check(response.getError(), response.getErrorMessage(), "cluster", "");
        return response;
    }

    /**
     * Starts (a target list) or cancels (empty) the reassignment of each partition; per-partition errors
     * are in the response for the caller to report. Throws a whole-request error.
     */
    public AlterPartitionReassignmentsResponse alterPartitionReassignments(
            Map<TopicPartition, Optional<List<Integer>>> reassignments) {
        Map<String, ReassignableTopic.Builder> topics = new LinkedHashMap<>();
        reassignments.forEach((tp, target) -> {
            ReassignablePartition.Builder partition = ReassignablePartition.newBuilder().setPartition(tp.partition());
            target.ifPresent(replicas -> partition.setReplicas(ReplicaList.newBuilder().addAllBrokerIds(replicas)));
            topics.computeIfAbsent(tp.topic(), t -> ReassignableTopic.newBuilder().setName(t)).addPartitions(partition);
        });
        AlterPartitionReassignmentsRequest.Builder request = AlterPartitionReassignmentsRequest.newBuilder()
                .setTimeoutMs(intTimeout());
        topics.values().forEach(request::addTopics);
        AlterPartitionReassignmentsResponse response = call(channel -> AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).alterPartitionReassignments(request.build()));
        check(response.getError(), response.getErrorMessage(), "reassignment", "");
        return response;
    }

    /** The reassignments in progress among {@code partitions}, or all of them when the list is empty. */
    public Map<TopicPartition, OngoingPartitionReassignment> listPartitionReassignments(List<TopicPartition> partitions) {
        Map<String, ListPartitionReassignmentsTopic.Builder> topics = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            topics.computeIfAbsent(tp.topic(), t -> ListPartitionReassignmentsTopic.newBuilder().setName(t))
                    .addPartitions(tp.partition());
        }
        ListPartitionReassignmentsRequest.Builder request = ListPartitionReassignmentsRequest.newBuilder()
                .setTimeoutMs(intTimeout());
        topics.values().forEach(request::addTopics);
        ListPartitionReassignmentsResponse response = call(channel -> AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).listPartitionReassignments(request.build()));
        check(response.getError(), response.getErrorMessage(), "reassignment", "");
        Map<TopicPartition, OngoingPartitionReassignment> result = new LinkedHashMap<>();
        for (OngoingTopicReassignment topic : response.getTopicsList()) {
            for (OngoingPartitionReassignment partition : topic.getPartitionsList()) {
                result.put(new TopicPartition(topic.getName(), partition.getPartition()), partition);
            }
        }
        return result;
    }

    /** Incremental AlterConfigs of several resources; throws the first resource's error. */
    public void alterConfigs(List<AlterConfigsResource> resources) {
        if (resources.isEmpty()) {
            return;
        }
        AlterConfigsRequest request = AlterConfigsRequest.newBuilder().addAllResources(resources).build();
        List<AlterConfigsResult> results = call(channel -> AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).alterConfigs(request)).getResultsList();
        for (AlterConfigsResult result : results) {
            check(result.getError(), result.getErrorMessage(),
                    result.getType() == ResourceType.BROKER ? "broker" : "topic", result.getName());
        }
    }

    /** ElectLeaders of {@code partitions} (every partition when empty); per-partition outcomes in the response. */
    public ElectLeadersResponse electLeaders(ElectionType type, List<TopicPartition> partitions) {
        ElectLeadersRequest.Builder request = ElectLeadersRequest.newBuilder().setElectionType(type)
                .setTimeoutMs(intTimeout());
        for (TopicPartition tp : partitions) {
            request.addPartitions(io.runnel.proto.TopicPartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition()));
        }
        ElectLeadersResponse response = call(channel -> AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).electLeaders(request.build()));
        check(response.getError(), "", "leader election", "");
        return response;
    }

    /**
     * Runs {@code rpc} on the current address, moving to the next one while the current one is
     * UNAVAILABLE; any other failure becomes an ApiException carrying the server's message.
     */
    <T> T call(Function<ManagedChannel, T> rpc) {
        ApiException lastUnavailable = null;
        for (int attempt = 0; attempt < addresses.size(); attempt++) {
            int index = (current + attempt) % addresses.size();
            try {
                T result = rpc.apply(channel(index));
                current = index;
                return result;
            } catch (StatusRuntimeException e) {
                HostPort address = addresses.get(index);
                ApiException error = GrpcErrors.toApiException(e, "request to broker " + address.host() + ":" + address.port(),
                        "default.api.timeout.ms (" + timeoutMs + " ms)");
                if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    throw error;
                }
                lastUnavailable = error;
            }
        }
        String reason = lastUnavailable == null ? "" : " (" + lastUnavailable.getMessage() + ")";
        throw new ApiException(ErrorCode.NETWORK_EXCEPTION,
                "cannot reach any broker at " + joined(addresses) + reason, lastUnavailable);
    }

    private ManagedChannel channel(int index) {
        ManagedChannel channel = channels.get(index);
        if (channel == null) {
            HostPort address = addresses.get(index);
            channel = ManagedChannelBuilder.forAddress(address.host(), address.port()).usePlaintext().build();
            channels.set(index, channel);
        }
        return channel;
    }

    private int intTimeout() {
        return (int) Math.min(Integer.MAX_VALUE, timeoutMs);
    }

    /** Throws the error of a per-resource result; the server's message when it sent one. */
    static void check(ErrorCode code, String message, String kind, String name) {
        if (code == ErrorCode.NONE) {
            return;
        }
        throw new ApiException(code, message != null && !message.isBlank() ? message : defaultMessage(code, kind, name));
    }

    /** A message for an error the server sent without one, naming the resource. */
    static String defaultMessage(ErrorCode code, String kind, String name) {
        String resource = name.isEmpty() ? kind : kind + " '" + name + "'";
        return switch (code) {
            case TOPIC_ALREADY_EXISTS -> resource + " already exists";
            case UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID -> resource + " does not exist";
            default -> code.name() + " (" + resource + ")";
        };
    }

    private static <R> R single(List<R> results, String api) {
        if (results.size() != 1) {
            throw new ApiException(ErrorCode.UNKNOWN_SERVER_ERROR,
                    api + " answered with " + results.size() + " results for one request");
        }
        return results.get(0);
    }

    static String joined(List<HostPort> addresses) {
        StringBuilder text = new StringBuilder();
        for (HostPort address : addresses) {
            if (text.length() > 0) {
                text.append(',');
            }
            text.append(address);
        }
        return text.toString();
    }

    @Override
    public void close() {
        for (ManagedChannel channel : channels) {
            if (channel != null) {
                channel.shutdownNow();
            }
        }
        for (ManagedChannel channel : channels) {
            if (channel != null) {
                try {
                    channel.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
