package io.runnel.metadata.controller;

import io.runnel.common.errors.ApiException;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.AlterPartitionReassignmentsRequest;
import io.runnel.proto.AlterPartitionReassignmentsResponse;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ListPartitionReassignmentsRequest;
import io.runnel.proto.ListPartitionReassignmentsResponse;
import io.runnel.proto.ListPartitionReassignmentsTopic;
import io.runnel.proto.OngoingPartitionReassignment;
import io.runnel.proto.OngoingTopicReassignment;
import io.runnel.proto.ReassignablePartition;
import io.runnel.proto.ReassignablePartitionResult;
import io.runnel.proto.ReassignableTopic;
import io.runnel.proto.ReassignableTopicResult;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntPredicate;

/**
 * AlterPartitionReassignments and ListPartitionReassignments (Kafka's KIP-455): validates each partition's
 * request and turns it into the PartitionChange of {@link PartitionReassignment}. A target replaces any
 * reassignment in progress (it is computed from the current replicas); an absent target cancels.
 * Per-partition errors, each naming the partition and the value:
 * <ul>
 *   <li>UNKNOWN_TOPIC_OR_PARTITION: the topic or partition does not exist;
 *   <li>INVALID_REPLICA_ASSIGNMENT: an empty target, a broker listed twice, a broker that is not
 *       registered; a cancel that would need an unclean election the topic does not allow;
 *   <li>NO_REASSIGNMENT_IN_PROGRESS: a cancel of a partition that is not being reassigned;
 *   <li>ELIGIBLE_LEADERS_NOT_AVAILABLE: a cancel that would leave the partition without a leader;
 *   <li>INVALID_REQUEST: the partition appears more than once in the request (every occurrence fails).
 * </ul>
 * More than {@link ControllerLimits#REASSIGNMENTS_PER_REQUEST_MAX} partitions fail the whole request
 * (INVALID_REQUEST). Stateless; thread-safe.
 */
final class ReassignmentControlManager {

    private ReassignmentControlManager() {
    }

    static ControllerResult<AlterPartitionReassignmentsResponse> alterPartitionReassignments(
            MetadataImage image, AlterPartitionReassignmentsRequest request, ControllerContext ctx) {
        int count = request.getTopicsList().stream().mapToInt(ReassignableTopic::getPartitionsCount).sum();
        if (count > ControllerLimits.REASSIGNMENTS_PER_REQUEST_MAX) {
            return ControllerResult.withoutRecords(AlterPartitionReassignmentsResponse.newBuilder()
                    .setError(ErrorCode.INVALID_REQUEST).setErrorMessage("the request names " + count
                            + " partitions; at most " + ControllerLimits.REASSIGNMENTS_PER_REQUEST_MAX
                            + " may be reassigned in one request").build());
        }
        IntPredicate eligible = PartitionElection.eligible(image.cluster());
        Map<String, Integer> occurrences = new HashMap<>();
        request.getTopicsList().forEach(t -> t.getPartitionsList().forEach(
                p -> occurrences.merge(t.getName() + "\u0000" + p.getPartition(), 1, Integer::sum)));
        List<MetadataRecord> records = new ArrayList<>();
        AlterPartitionReassignmentsResponse.Builder response = AlterPartitionReassignmentsResponse.newBuilder()
                .setError(ErrorCode.NONE);
        for (ReassignableTopic topicRequest : request.getTopicsList()) {
            ReassignableTopicResult.Builder topicResult = ReassignableTopicResult.newBuilder()
                    .setName(topicRequest.getName());
            for (ReassignablePartition partitionRequest : topicRequest.getPartitionsList()) {
                ReassignablePartitionResult.Builder result = ReassignablePartitionResult.newBuilder()
                        .setPartition(partitionRequest.getPartition()).setError(ErrorCode.NONE);
                String name = topicRequest.getName() + "-" + partitionRequest.getPartition();
                try {
                    if (occurrences.get(topicRequest.getName() + "\u0000" + partitionRequest.getPartition()) > 1) {
                        throw new ApiException(ErrorCode.INVALID_REQUEST,
                                "partition " + name + " appears more than once in the request");
                    }
                    alterOne(image, topicRequest.getName(), partitionRequest, eligible, ctx).ifPresent(records::add);
                } catch (ApiException e) {
                    result.setError(e.code()).setErrorMessage(e.getMessage());
                }
                topicResult.addPartitions(result);
            }
            response.addTopics(topicResult);
        }
        return ControllerResult.of(records, response.build());
    }

    private static Optional<MetadataRecord> alterOne(MetadataImage image, String topicName,
                                                     ReassignablePartition request, IntPredicate eligible,
                                                     ControllerContext ctx) {
        TopicImage topic = image.topics().getTopic(topicName);
        if (topic == null) {
            throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + topicName + "' does not exist");
        }
        int partition = request.getPartition();
        String name = topicName + "-" + partition;
        PartitionRegistration current = topic.partition(partition);
        if (current == null) {
            throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + name + " does not exist: topic '"
                    + topicName + "' has " + topic.partitionCount() + " partitions");
        }
        PartitionRegistration next;
        if (!request.hasReplicas()) {
            if (!current.isReassigning()) {
                throw new ApiException(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
                        "partition " + name + " is not being reassigned, so there is nothing to cancel");
            }
            boolean unclean = ConfigurationControlManager.uncleanLeaderElectionEnabled(image, topicName, ctx);
            next = PartitionReassignment.revert(name, current, eligible, unclean);
        } else {
            List<Integer> target = request.getReplicas().getBrokerIdsList();
            validateTarget(image, name, target);
            next = PartitionReassignment.start(current, target, eligible);
        }
        return PartitionElection.diff(topic.id(), partition, current, next,
                PartitionElection.isLive(image.cluster(), current.leader()));
    }

    private static void validateTarget(MetadataImage image, String name, List<Integer> target) {
        if (target.isEmpty()) {
            throw invalid("the target replica list of " + name + " is empty; to cancel its reassignment, send no list");
        }
        Set<Integer> distinct = new HashSet<>();
        for (int broker : target) {
            if (!distinct.add(broker)) {
                throw invalid("the target replicas " + target + " of " + name + " list broker " + broker + " twice");
            }
            if (image.cluster().broker(broker) == null) {
                throw invalid("the target replicas " + target + " of " + name + " name broker " + broker
                        + ", which is not registered");
            }
        }
    }

    private static ApiException invalid(String message) {
        return new ApiException(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message);
    }

    /**
     * The partitions under reassignment, sorted by topic and partition: all of them, or those among the
     * requested ones. A requested topic or partition that does not exist fails the request with
     * UNKNOWN_TOPIC_OR_PARTITION naming it. A read: no records.
     */
    static ListPartitionReassignmentsResponse listPartitionReassignments(MetadataImage image,
                                                                         ListPartitionReassignmentsRequest request) {
        TreeMap<String, Set<Integer>> wanted = new TreeMap<>();
        for (ListPartitionReassignmentsTopic topicRequest : request.getTopicsList()) {
            TopicImage topic = image.topics().getTopic(topicRequest.getName());
            if (topic == null) {
                return unknown("topic " + io.runnel.common.errors.ErrorText.quote(topicRequest.getName()) + " does not exist");
            }
            Set<Integer> partitions = wanted.computeIfAbsent(topic.name(), t -> new TreeSet<>());
            if (topicRequest.getPartitionsCount() == 0) {
                partitions.addAll(topic.partitions().keySet());
            }
            for (int partition : topicRequest.getPartitionsList()) {
                if (topic.partition(partition) == null) {
                    return unknown("partition " + topic.name() + "-" + partition + " does not exist: topic '"
                            + topic.name() + "' has " + topic.partitionCount() + " partitions");
                }
                partitions.add(partition);
            }
        }
        ListPartitionReassignmentsResponse.Builder response = ListPartitionReassignmentsResponse.newBuilder()
                .setError(ErrorCode.NONE);
        for (TopicImage topic : ReplicationControlManager.sortedTopics(image)) {
            if (!wanted.isEmpty() && !wanted.containsKey(topic.name())) {
                continue;
            }
            Set<Integer> partitions = wanted.isEmpty() ? topic.partitions().keySet() : wanted.get(topic.name());
            OngoingTopicReassignment.Builder ongoing = OngoingTopicReassignment.newBuilder().setName(topic.name());
            for (int partition : partitions) {
                PartitionRegistration registration = topic.partition(partition);
                if (registration.isReassigning()) {
                    ongoing.addPartitions(OngoingPartitionReassignment.newBuilder().setPartition(partition)
                            .addAllReplicas(registration.replicas())
                            .addAllAddingReplicas(registration.addingReplicas())
                            .addAllRemovingReplicas(registration.removingReplicas()));
                }
            }
            if (ongoing.getPartitionsCount() > 0) {
                response.addTopics(ongoing);
            }
        }
        return response.build();
    }

    private static ListPartitionReassignmentsResponse unknown(String message) {
        return ListPartitionReassignmentsResponse.newBuilder()
                .setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage(message).build();
    }
}
