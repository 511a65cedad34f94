package io.runnel.metadata.controller;

import static io.runnel.metadata.image.PartitionRegistration.NO_LEADER;

import io.runnel.common.TopicNames;
import io.runnel.common.config.TopicConfig;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.ClusterImage;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.CreatableTopic;
import io.runnel.proto.CreatableTopicResult;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsResponse;
import io.runnel.proto.CreatePartitionsTopic;
import io.runnel.proto.CreateInternalTopicsRequest;
import io.runnel.proto.CreatePartitionsTopicResult;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.CreateTopicsResponse;
import io.runnel.proto.DeletableTopicResult;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DeleteTopicsResponse;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ReplicaAssignment;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.PartitionRecord;
import io.runnel.proto.metadata.RemoveTopicRecord;
import io.runnel.proto.metadata.TopicRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * Topic and partition decisions: create and delete topics, add partitions, and the partition changes
 * that follow a broker's fencing, controlled shutdown or unfencing. Internal topics (names starting with
 * "__") are created only through {@link #createInternalTopics}, by brokers, and are never deleted or
 * grown by a client. Per-topic errors are answered in
 * the per-topic result with a message naming the value; bad input never throws. Stateless; thread-safe.
 */
final class ReplicationControlManager {

    private ReplicationControlManager() {
    }

    /** Brokers that may receive new replicas: unfenced and not in controlled shutdown, sorted by id. */
    static List<BrokerRegistration> usableBrokers(ClusterImage cluster) {
        return cluster.activeBrokers().stream().filter(b -> !b.inControlledShutdown()).toList();
    }

    // ---------------------------------------------------------------- CreateTopics

    /** What one accepted topic adds. */
    private record NewTopic(UUID id, int partitions, int replicationFactor, List<MetadataRecord> records) {
    }

    /**
     * A client's CreateTopics: names starting with "__" are refused (INVALID_REQUEST), they are the
     * internal topics' (see {@link #createInternalTopics}).
     */
    static ControllerResult<CreateTopicsResponse> createTopics(MetadataImage image, CreateTopicsRequest request,
                                                               ControllerContext ctx) {
        return createTopics(image, request, ctx, false);
    }

    /**
     * A broker creating internal topics for its own use (the group and transaction coordinators'
     * {@code __consumer_offsets} and {@code __transaction_state}): only names starting with "__", and only
     * from a registered broker at its current epoch (else BROKER_ID_NOT_REGISTERED or STALE_BROKER_EPOCH
     * for every topic). Otherwise exactly CreateTopics.
     */
    static ControllerResult<CreateTopicsResponse> createInternalTopics(MetadataImage image,
                                                                       CreateInternalTopicsRequest request,
                                                                       ControllerContext ctx) {
        BrokerRegistration broker = image.cluster().broker(request.getBrokerId());
        ErrorCode refusal = broker == null ? ErrorCode.BROKER_ID_NOT_REGISTERED
                : broker.epoch() != request.getBrokerEpoch() ? ErrorCode.STALE_BROKER_EPOCH : ErrorCode.NONE;
        if (refusal == ErrorCode.NONE) {
            return createTopics(image, request.getRequest(), ctx, true);
        }
        String message = "internal topics are created by registered brokers at their current epoch; broker "
                + request.getBrokerId() + " at epoch " + request.getBrokerEpoch() + " is "
                + (broker == null ? "not registered" : "at epoch " + broker.epoch());
        CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder();
        request.getRequest().getTopicsList().forEach(topic -> response.addTopics(CreatableTopicResult.newBuilder()
                .setName(topic.getName()).setError(refusal).setErrorMessage(message)));
        return ControllerResult.withoutRecords(response.build());
    }

    private static ControllerResult<CreateTopicsResponse> createTopics(MetadataImage image, CreateTopicsRequest request,
                                                                       ControllerContext ctx, boolean internal) {
        Map<String, Integer> occurrences = new HashMap<>();
        request.getTopicsList().forEach(t -> occurrences.merge(t.getName(), 1, Integer::sum));
        Map<String, String> collisionKeys = new HashMap<>();
        image.topics().topicsByName().keySet().forEach(name -> collisionKeys.put(TopicNames.collisionKey(name), name));
        List<BrokerRegistration> usable = usableBrokers(image.cluster());
        int partitionBudget = ControllerLimits.NEW_PARTITIONS_PER_REQUEST_MAX;

        List<MetadataRecord> records = new ArrayList<>();
        CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder();
        for (CreatableTopic topic : request.getTopicsList()) {
            CreatableTopicResult.Builder result = CreatableTopicResult.newBuilder()
                    .setName(topic.getName()).setError(ErrorCode.NONE);
            try {
                if (occurrences.get(topic.getName()) > 1) {
                    throw new ApiException(ErrorCode.INVALID_REQUEST,
                            "topic '" + topic.getName() + "' appears more than once in the request");
                }
                NewTopic created = createTopic(image, topic, usable, collisionKeys, partitionBudget, ctx, internal);
                partitionBudget -= created.partitions();
                collisionKeys.put(TopicNames.collisionKey(topic.getName()), topic.getName());
                result.setNumPartitions(created.partitions()).setReplicationFactor(created.replicationFactor());
                if (!request.getValidateOnly()) {
                    result.setTopicId(created.id().toString());
                    records.addAll(created.records());
                }
            } catch (ApiException e) {
                result.setError(e.code()).setErrorMessage(e.getMessage());
            }
            response.addTopics(result);
        }
        return ControllerResult.of(records, response.build());
    }

    private static NewTopic createTopic(MetadataImage image, CreatableTopic topic, List<BrokerRegistration> usable,
                                        Map<String, String> collisionKeys, int partitionBudget, ControllerContext ctx,
                                        boolean internalRequest) {
        String name = topic.getName();
        TopicNames.validate(name);
        if (TopicNames.isInternal(name) && !internalRequest) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "topic '" + name + "': names starting with '"
                    + TopicNames.INTERNAL_PREFIX + "' are reserved for internal topics, which only brokers create");
        }
        if (!TopicNames.isInternal(name) && internalRequest) {
            throw new ApiException(ErrorCode.INVALID_REQUEST, "topic '" + name + "' is not an internal topic name"
                    + " (those start with '" + TopicNames.INTERNAL_PREFIX + "'); create it with CreateTopics");
        }
        if (image.topics().getTopic(name) != null) {
            throw new ApiException(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + name + "' already exists");
        }
        String collision = collisionKeys.get(TopicNames.collisionKey(name));
        if (collision != null) {
            throw new ApiException(ErrorCode.INVALID_TOPIC_EXCEPTION, "topic '" + name + "' collides with topic '"
                    + collision + "': names that differ only in '.' and '_' share metric names");
        }
        TopicConfig.validate(topic.getConfigsMap());

        List<List<Integer>> assignment;
        List<List<Integer>> isrs;
        // Absent (proto3 optional) and -1 both mean the cluster default.
        int requestedPartitions = topic.hasNumPartitions() ? topic.getNumPartitions() : -1;
        int requestedReplicationFactor = topic.hasReplicationFactor() ? topic.getReplicationFactor() : -1;
        if (topic.getAssignmentsCount() > 0) {
            if (requestedPartitions != -1 || requestedReplicationFactor != -1) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "topic '" + name + "' has an explicit assignment, so "
                        + "num_partitions and replication_factor must be absent or -1, not " + requestedPartitions
                        + " and " + requestedReplicationFactor);
            }
            assignment = explicitAssignment(image.cluster(), name, topic.getAssignmentsList(), 0, -1);
            checkPartitionCount(name, assignment.size(), partitionBudget);
            isrs = isrsOfExplicitAssignment(image.cluster(), name, 0, assignment);
        } else {
            int partitions = requestedPartitions == -1 ? ctx.numPartitions() : requestedPartitions;
            checkPartitionCount(name, partitions, partitionBudget);
            int replicationFactor = requestedReplicationFactor == -1 ? ctx.defaultReplicationFactor()
                    : requestedReplicationFactor;
            assignment = ReplicaPlacer.place(usable, 0, partitions, replicationFactor, ctx.random());
            isrs = assignment;
        }

        UUID id = newTopicId(image, ctx.random());
        List<MetadataRecord> records = new ArrayList<>();
        records.add(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder()
                .setName(name).setTopicId(id.toString())).build());
        records.addAll(partitionRecords(id, 0, assignment, isrs));
        records.addAll(ConfigurationControlManager.setTopicConfigRecords(name, topic.getConfigsMap()));
        return new NewTopic(id, assignment.size(), assignment.get(0).size(), records);
    }

    private static void checkPartitionCount(String topic, int partitions, int partitionBudget) {
        if (partitions <= 0) {
            throw new ApiException(ErrorCode.INVALID_PARTITIONS,
                    "topic '" + topic + "': the number of partitions must be positive, not " + partitions);
        }
        if (partitions > ControllerLimits.PARTITIONS_PER_TOPIC_MAX) {
            throw new ApiException(ErrorCode.INVALID_PARTITIONS, "topic '" + topic + "': " + partitions
                    + " partitions is more than the limit of " + ControllerLimits.PARTITIONS_PER_TOPIC_MAX);
        }
        if (partitions > partitionBudget) {
            throw new ApiException(ErrorCode.INVALID_PARTITIONS, "topic '" + topic + "': " + partitions
                    + " more partitions would exceed the limit of " + ControllerLimits.NEW_PARTITIONS_PER_REQUEST_MAX
                    + " new partitions per request");
        }
    }

    private static List<MetadataRecord> partitionRecords(UUID id, int firstPartition, List<List<Integer>> assignment,
                                                         List<List<Integer>> isrs) {
        List<MetadataRecord> records = new ArrayList<>(assignment.size());
        for (int i = 0; i < assignment.size(); i++) {
            List<Integer> replicas = assignment.get(i);
            List<Integer> isr = isrs.get(i);
            int leader = PartitionElection.cleanLeader(replicas, isr, broker -> true);
            records.add(MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder()
                    .setTopicId(id.toString()).setPartitionId(firstPartition + i)
                    .addAllReplicas(replicas).addAllIsr(isr).setLeader(leader)
                    .setLeaderEpoch(0).setPartitionEpoch(0)).build());
        }
        return records;
    }

    /**
     * Checks an explicit assignment of partitions {@code firstPartition ..}: each partition exactly once,
     * replicas registered and distinct, one replication factor ({@code expectedReplicationFactor}, or that of
     * the first partition when -1). Returns the replica lists in partition order.
     */
    private static List<List<Integer>> explicitAssignment(ClusterImage cluster, String topic,
                                                          List<ReplicaAssignment> assignments, int firstPartition,
                                                          int expectedReplicationFactor) {
        Map<Integer, List<Integer>> byPartition = new TreeMap<>();
        int replicationFactor = expectedReplicationFactor;
        for (ReplicaAssignment assignment : assignments) {
            int partition = assignment.getPartition();
            List<Integer> replicas = assignment.getBrokerIdsList();
            if (partition < firstPartition || partition >= firstPartition + assignments.size()) {
                throw invalidAssignment(topic, "partition " + partition + " is outside " + firstPartition + ".."
                        + (firstPartition + assignments.size() - 1));
            }
            if (byPartition.put(partition, replicas) != null) {
                throw invalidAssignment(topic, "partition " + partition + " is assigned twice");
            }
            if (replicas.isEmpty()) {
                throw invalidAssignment(topic, "partition " + partition + " has no replicas");
            }
            if (new HashSet<>(replicas).size() != replicas.size()) {
                throw invalidAssignment(topic, "partition " + partition + " lists a broker twice in " + replicas);
            }
            if (replicationFactor == -1) {
                replicationFactor = replicas.size();
            } else if (replicas.size() != replicationFactor) {
                throw invalidAssignment(topic, "partition " + partition + " has " + replicas.size()
                        + " replicas, not " + replicationFactor + " like the others");
            }
            for (int broker : replicas) {
                if (cluster.broker(broker) == null) {
                    throw invalidAssignment(topic, "partition " + partition + " names broker " + broker
                            + ", which is not registered");
                }
            }
        }
        return new ArrayList<>(byPartition.values());
    }

    /** ISRs of explicitly placed partitions: their eligible replicas; at least one must be eligible. */
    private static List<List<Integer>> isrsOfExplicitAssignment(ClusterImage cluster, String topic, int firstPartition,
                                                                List<List<Integer>> assignment) {
        IntPredicate eligible = PartitionElection.eligible(cluster);
        List<List<Integer>> isrs = new ArrayList<>();
        for (int i = 0; i < assignment.size(); i++) {
            List<Integer> isr = assignment.get(i).stream().filter(eligible::test).toList();
            if (isr.isEmpty()) {
                throw invalidAssignment(topic, "every broker of partition " + (firstPartition + i) + " "
                        + assignment.get(i) + " is fenced or shutting down");
            }
            isrs.add(isr);
        }
        return isrs;
    }

    private static ApiException invalidAssignment(String topic, String problem) {
        return new ApiException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "topic '" + topic + "': " + problem);
    }

    /** A random (version 4) UUID not used by any topic. */
    private static UUID newTopicId(MetadataImage image, RandomGenerator random) {
        while (true) {
            long most = (random.nextLong() & ~0xF000L) | 0x4000L;
            long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
            UUID id = new UUID(most, least);
            if (image.topics().getTopicById(id) == null) {
                return id;
            }
        }
    }

    // ---------------------------------------------------------------- DeleteTopics

    static ControllerResult<DeleteTopicsResponse> deleteTopics(MetadataImage image, DeleteTopicsRequest request) {
        Map<String, Integer> occurrences = new HashMap<>();
        request.getNamesList().forEach(name -> occurrences.merge(name, 1, Integer::sum));
        List<MetadataRecord> records = new ArrayList<>();
        DeleteTopicsResponse.Builder response = DeleteTopicsResponse.newBuilder();
        for (String name : request.getNamesList()) {
            DeletableTopicResult.Builder result = DeletableTopicResult.newBuilder().setName(name).setError(ErrorCode.NONE);
            TopicImage topic = image.topics().getTopic(name);
            if (occurrences.get(name) > 1) {
                result.setError(ErrorCode.INVALID_REQUEST)
                        .setErrorMessage("topic " + ErrorText.quote(name) + " appears more than once in the request");
            } else if (topic == null) {
                result.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                        .setErrorMessage("topic " + ErrorText.quote(name) + " does not exist");
            } else if (TopicNames.isInternal(name)) {
                result.setError(ErrorCode.INVALID_REQUEST)
                        .setErrorMessage("topic '" + name + "' is an internal topic; internal topics cannot be deleted");
            } else {
                records.addAll(ConfigurationControlManager.deleteTopicConfigRecords(image, name));
                records.add(MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder()
                        .setTopicId(topic.id().toString())).build());
            }
            response.addTopics(result);
        }
        return ControllerResult.of(records, response.build());
    }

    // ---------------------------------------------------------------- CreatePartitions

    static ControllerResult<CreatePartitionsResponse> createPartitions(MetadataImage image,
                                                                       CreatePartitionsRequest request,
                                                                       ControllerContext ctx) {
        Map<String, Integer> occurrences = new HashMap<>();
        request.getTopicsList().forEach(t -> occurrences.merge(t.getName(), 1, Integer::sum));
        List<BrokerRegistration> usable = usableBrokers(image.cluster());
        int partitionBudget = ControllerLimits.NEW_PARTITIONS_PER_REQUEST_MAX;
        List<MetadataRecord> records = new ArrayList<>();
        CreatePartitionsResponse.Builder response = CreatePartitionsResponse.newBuilder();
        for (CreatePartitionsTopic topic : request.getTopicsList()) {
            CreatePartitionsTopicResult.Builder result = CreatePartitionsTopicResult.newBuilder()
                    .setName(topic.getName()).setError(ErrorCode.NONE);
            try {
                if (occurrences.get(topic.getName()) > 1) {
                    throw new ApiException(ErrorCode.INVALID_REQUEST,
                            "topic '" + topic.getName() + "' appears more than once in the request");
                }
                List<MetadataRecord> added = addPartitions(image, topic, usable, partitionBudget, ctx);
                partitionBudget -= added.size();
                if (!request.getValidateOnly()) {
                    records.addAll(added);
                }
            } catch (ApiException e) {
                result.setError(e.code()).setErrorMessage(e.getMessage());
            }
            response.addResults(result);
        }
        return ControllerResult.of(records, response.build());
    }

    private static List<MetadataRecord> addPartitions(MetadataImage image, CreatePartitionsTopic request,
                                                      List<BrokerRegistration> usable, int partitionBudget,
                                                      ControllerContext ctx) {
        String name = request.getName();
        TopicImage topic = image.topics().getTopic(name);
        if (topic == null) {
            throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
        }
        if (TopicNames.isInternal(name)) {
            // Internal topics map keys to partitions by their count (group id hash % partitions): the broker owns it.
            throw new ApiException(ErrorCode.INVALID_REQUEST, "topic '" + name + "' is an internal topic; its partition"
                    + " count cannot be changed");
        }
        int current = topic.partitionCount();
        int requested = request.getCount();
        if (requested <= current) {
            throw new ApiException(ErrorCode.INVALID_PARTITIONS, "topic '" + name + "' has " + current
                    + " partitions; the requested count " + requested + " must be larger (partitions can only be added)");
        }
        if (requested > ControllerLimits.PARTITIONS_PER_TOPIC_MAX) {
            throw new ApiException(ErrorCode.INVALID_PARTITIONS, "topic '" + name + "': " + requested
                    + " partitions is more than the limit of " + ControllerLimits.PARTITIONS_PER_TOPIC_MAX);
        }
        int count = requested - current;
        if (count > partitionBudget) {
            throw new ApiException(ErrorCode.INVALID_PARTITIONS, "topic '" + name + "': " + count
                    + " more partitions would exceed the limit of " + ControllerLimits.NEW_PARTITIONS_PER_REQUEST_MAX
                    + " new partitions per request");
        }
        // During a reassignment partition 0 also lists the replicas it is removing; its target is what counts.
        int replicationFactor = topic.partition(0).targetReplicas().size();
        List<List<Integer>> assignment;
        List<List<Integer>> isrs;
        if (request.getAssignmentsCount() > 0) {
            if (request.getAssignmentsCount() != count) {
                throw invalidAssignment(name, request.getAssignmentsCount() + " assignments for " + count
                        + " new partitions");
            }
            assignment = explicitAssignment(image.cluster(), name, request.getAssignmentsList(), current,
                    replicationFactor);
            isrs = isrsOfExplicitAssignment(image.cluster(), name, current, assignment);
        } else {
            assignment = ReplicaPlacer.place(usable, current, count, replicationFactor, ctx.random());
            isrs = assignment;
        }
        return partitionRecords(topic.id(), current, assignment, isrs);
    }

    // ---------------------------------------------------------------- broker state changes

    /**
     * Partition changes that take {@code brokerId} out of every leadership and ISR it holds: for a
     * fenced broker, one in controlled shutdown, or one that re-registers. {@code brokerAlive}: the
     * broker is still running (controlled shutdown, or it asked to be fenced), so the successors of its
     * leaderships wait out its lease; false when its session expired or a new process replaced it.
     */
    static List<MetadataRecord> removeBrokerFromPartitions(MetadataImage image, int brokerId, ControllerContext ctx,
                                                           boolean brokerAlive) {
        IntPredicate eligible = PartitionElection.eligible(image.cluster());
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : sortedTopics(image)) {
            boolean unclean = ConfigurationControlManager.uncleanLeaderElectionEnabled(image, topic.name(), ctx);
            topic.partitions().forEach((partition, registration) -> PartitionElection
                    .removeBroker(topic.id(), partition, registration, brokerId, eligible, unclean, brokerAlive)
                    .ifPresent(records::add));
        }
        return records;
    }

    /**
     * Elections for leaderless partitions of which {@code brokerId} is a replica, once it is eligible
     * (unfenced): it leads those whose ISR it is in, and, where unclean election is enabled, the others.
     */
    static List<MetadataRecord> electForReturningBroker(MetadataImage image, int brokerId, ControllerContext ctx) {
        IntPredicate base = PartitionElection.eligible(image.cluster());
        IntPredicate eligible = id -> id == brokerId || base.test(id);
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : sortedTopics(image)) {
            boolean unclean = ConfigurationControlManager.uncleanLeaderElectionEnabled(image, topic.name(), ctx);
            topic.partitions().forEach((partition, registration) -> {
                if (registration.leader() == NO_LEADER && registration.hasReplica(brokerId)) {
                    PartitionElection.electIfLeaderless(topic.id(), partition, registration, eligible, unclean)
                            .ifPresent(records::add);
                }
            });
        }
        return records;
    }

    /**
     * Elections for every leaderless partition that an eligible replica can lead, cleanly or, where the
     * topic's effective unclean.leader.election.enable is true, uncleanly: after that setting is turned on.
     */
    static List<MetadataRecord> electLeaderless(MetadataImage image, ControllerContext ctx) {
        IntPredicate eligible = PartitionElection.eligible(image.cluster());
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : sortedTopics(image)) {
            boolean unclean = ConfigurationControlManager.uncleanLeaderElectionEnabled(image, topic.name(), ctx);
            topic.partitions().forEach((partition, registration) -> PartitionElection
                    .electIfLeaderless(topic.id(), partition, registration, eligible, unclean).ifPresent(records::add));
        }
        return records;
    }

    /** True if the broker leads at least one partition. */
    static boolean leadsAnyPartition(MetadataImage image, int brokerId) {
        for (TopicImage topic : image.topics().topicsById().values()) {
            for (PartitionRegistration registration : topic.partitions().values()) {
                if (registration.leader() == brokerId) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Topics sorted by name, so that the records of a decision come in a deterministic order. */
    static List<TopicImage> sortedTopics(MetadataImage image) {
        return new TreeMap<>(image.topics().topicsByName()).values().stream().toList();
    }
}
