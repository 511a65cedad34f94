package io.runnel.cli.client;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.proto.AdminServiceGrpc;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResponse;
import io.runnel.proto.AlterConfigsResult;
import io.runnel.proto.AlterableConfig;
import io.runnel.proto.ConfigEntry;
import io.runnel.proto.ConfigSource;
import io.runnel.proto.ControllerServiceGrpc;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatableTopicResult;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsResponse;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.CreatePartitionsTopicResult;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.CreateTopicsResponse;
import io.runnel.proto.DeletableTopicResult;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DeleteTopicsResponse;
import io.runnel.proto.DescribeClusterRequest;
import io.runnel.proto.DescribeClusterResponse;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.DescribeConfigsResponse;
import io.runnel.proto.DescribeConfigsResult;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchMetadataRequest;
import io.runnel.proto.MetadataDelivery;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataResponse;
import io.runnel.proto.MetadataServiceGrpc;
import io.runnel.proto.PartitionMetadata;
import io.runnel.proto.TopicMetadata;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A broker and controller double on a loopback port: topics, partitions and topic configs kept in
 * maps, answering the admin, metadata and FetchMetadata calls with the errors a real node would
 * (TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS, INVALID_CONFIG for a
 * non-numeric retention.ms). Only what the CLI's tests need. Calls are serialized on this object.
 */
final class FakeAdminServer implements AutoCloseable {

    private final Map<String, TopicMetadata> topics = new TreeMap<>();
    private final Map<String, Map<String, String>> configs = new TreeMap<>();
    final List<MetadataDelivery> deliveries = new ArrayList<>();
    DescribeClusterResponse cluster = DescribeClusterResponse.getDefaultInstance();
    private final Server server;

    FakeAdminServer() throws IOException {
        server = ServerBuilder.forPort(0)
                .addService(new Metadata())
                .addService(new Admin())
                .addService(new Controller())
                .build().start();
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    synchronized void addTopic(String name, int partitions) {
        TopicMetadata.Builder topic = TopicMetadata.newBuilder().setName(name)
                .setTopicId(UUID.nameUUIDFromBytes(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());
        for (int p = 0; p < partitions; p++) {
            topic.addPartitions(PartitionMetadata.newBuilder().setPartition(p).setLeaderId(1).addReplicas(1).addIsr(1));
        }
        topics.put(name, topic.build());
        configs.putIfAbsent(name, new TreeMap<>());
    }

    synchronized boolean hasTopic(String name) {
        return topics.containsKey(name);
    }

    synchronized Map<String, String> configs(String topic) {
        return Map.copyOf(configs.get(topic));
    }

    @Override
    public void close() {
        server.shutdownNow();
    }

    private final class Metadata extends MetadataServiceGrpc.MetadataServiceImplBase {
        @Override
        public void getMetadata(MetadataRequest request, StreamObserver<MetadataResponse> response) {
            synchronized (FakeAdminServer.this) {
                MetadataResponse.Builder answer = MetadataResponse.newBuilder().setClusterId("fake");
                if (request.getAllTopics()) {
                    answer.addAllTopics(topics.values());
                }
                for (String name : request.getTopicsList()) {
                    answer.addTopics(topics.getOrDefault(name, TopicMetadata.newBuilder().setName(name)
                            .setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                            .setErrorMessage("topic '" + name + "' does not exist").build()));
                }
                response.onNext(answer.build());
            }
            response.onCompleted();
        }
    }

    private final class Admin extends AdminServiceGrpc.AdminServiceImplBase {
        @Override
        public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> response) {
            CreateTopicsResponse.Builder answer = CreateTopicsResponse.newBuilder();
            synchronized (FakeAdminServer.this) {
                for (CreatableTopic topic : request.getTopicsList()) {
                    CreatableTopicResult.Builder result = CreatableTopicResult.newBuilder().setName(topic.getName());
                    String badValue = topic.getConfigsMap().get("retention.ms");
                    if (topics.containsKey(topic.getName())) {
                        result.setError(ErrorCode.TOPIC_ALREADY_EXISTS)
                                .setErrorMessage("topic '" + topic.getName() + "' already exists");
                    } else if (badValue != null && !badValue.matches("-?\\d+")) {
                        result.setError(ErrorCode.INVALID_CONFIG)
                                .setErrorMessage("invalid value '" + badValue + "' for retention.ms: not a number");
                    } else {
                        int partitions = topic.getNumPartitions() == -1 ? 1 : topic.getNumPartitions();
                        addTopic(topic.getName(), partitions);
                        configs.get(topic.getName()).putAll(topic.getConfigsMap());
                        result.setTopicId(topics.get(topic.getName()).getTopicId())
                                .setNumPartitions(partitions).setReplicationFactor(1);
                    }
                    answer.addTopics(result);
                }
            }
            response.onNext(answer.build());
            response.onCompleted();
        }

        @Override
        public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> response) {
            DeleteTopicsResponse.Builder answer = DeleteTopicsResponse.newBuilder();
            synchronized (FakeAdminServer.this) {
                for (String name : request.getNamesList()) {
                    DeletableTopicResult.Builder result = DeletableTopicResult.newBuilder().setName(name);
                    if (topics.remove(name) == null) {
                        result.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
                    }
                    answer.addTopics(result);
                }
            }
            response.onNext(answer.build());
            response.onCompleted();
        }

        @Override
        public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> response) {
            CreatePartitionsResponse.Builder answer = CreatePartitionsResponse.newBuilder();
            synchronized (FakeAdminServer.this) {
                for (CreatePartitionsTopic topic : request.getTopicsList()) {
                    CreatePartitionsTopicResult.Builder result = CreatePartitionsTopicResult.newBuilder().setName(topic.getName());
                    TopicMetadata current = topics.get(topic.getName());
                    if (current == null) {
                        result.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
                    } else if (topic.getCount() <= current.getPartitionsCount()) {
                        result.setError(ErrorCode.INVALID_PARTITIONS).setErrorMessage("topic '" + topic.getName()
                                + "' has " + current.getPartitionsCount() + " partitions; the count can only increase");
                    } else {
                        addTopic(topic.getName(), topic.getCount());
                    }
                    answer.addResults(result);
                }
            }
            response.onNext(answer.build());
            response.onCompleted();
        }

        @Override
        public void describeConfigs(DescribeConfigsRequest request, StreamObserver<DescribeConfigsResponse> response) {
            DescribeConfigsResponse.Builder answer = DescribeConfigsResponse.newBuilder();
            synchronized (FakeAdminServer.this) {
                request.getResourcesList().forEach(resource -> {
                    DescribeConfigsResult.Builder result = DescribeConfigsResult.newBuilder()
                            .setType(resource.getType()).setName(resource.getName());
                    Map<String, String> set = configs.get(resource.getName());
                    if (!topics.containsKey(resource.getName())) {
                        result.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
                    } else {
                        Map<String, String> all = new TreeMap<>(Map.of("cleanup.policy", "delete", "retention.ms", "604800000"));
                        all.putAll(set);
                        all.forEach((key, value) -> result.addEntries(ConfigEntry.newBuilder().setName(key).setValue(value)
                                .setSource(set.containsKey(key) ? ConfigSource.DYNAMIC_TOPIC_CONFIG : ConfigSource.DEFAULT_CONFIG)));
                    }
                    answer.addResults(result);
                });
            }
            response.onNext(answer.build());
            response.onCompleted();
        }

        @Override
        public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> response) {
            AlterConfigsResponse.Builder answer = AlterConfigsResponse.newBuilder();
            synchronized (FakeAdminServer.this) {
                request.getResourcesList().forEach(resource -> {
                    AlterConfigsResult.Builder result = AlterConfigsResult.newBuilder().setName(resource.getName());
                    Map<String, String> set = configs.get(resource.getName());
                    if (set == null || !topics.containsKey(resource.getName())) {
                        result.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
                    } else {
                        for (AlterableConfig change : resource.getConfigsList()) {
                            switch (change.getOp()) {
                                case SET -> set.put(change.getName(), change.getValue());
                                case DELETE -> set.remove(change.getName());
                                default -> result.setError(ErrorCode.INVALID_REQUEST);
                            }
                        }
                    }
                    answer.addResults(result);
                });
            }
            response.onNext(answer.build());
            response.onCompleted();
        }

        @Override
        public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> response) {
            response.onNext(cluster);
            response.onCompleted();
        }
    }

    private final class Controller extends ControllerServiceGrpc.ControllerServiceImplBase {
        @Override
        public void fetchMetadata(FetchMetadataRequest request, StreamObserver<MetadataDelivery> response) {
            List<MetadataDelivery> copy;
            synchronized (FakeAdminServer.this) {
                copy = List.copyOf(deliveries);
            }
            for (MetadataDelivery delivery : copy) {
                if (delivery.getIsSnapshot() == (request.getFromOffset() == -1) || delivery.getLastOffset() > request.getFromOffset()) {
                    response.onNext(delivery);
                }
            }
            // Like a real controller, the stream stays open for later batches: the tool must stop by itself.
        }
    }
}
