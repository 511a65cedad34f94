package io.runnel.metadata.controller;

import static io.runnel.metadata.image.PartitionRegistration.NO_LEADER;

import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.ClusterImage;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.metadata.image.TopicImage;
import io.runnel.proto.AlterPartitionData;
import io.runnel.proto.AlterPartitionRequest;
import io.runnel.proto.AlterPartitionResponse;
import io.runnel.proto.AlterPartitionResult;
import io.runnel.proto.AlterPartitionTopic;
import io.runnel.proto.AlterPartitionTopicResult;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ElectLeadersResponse;
import io.runnel.proto.ElectionResult;
import io.runnel.proto.ElectionType;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.TopicPartition;
import io.runnel.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Decisions that change one partition's leader or ISR on request: ElectLeaders (preferred or unclean)
 * and AlterPartition, the leader's compare-and-set ISR proposal (DESIGN §3, PacificA reconfiguration).
 * Stateless; thread-safe.
 */
final class LeaderAndIsrControlManager {

    /** Kafka's broker setting that turns periodic preferred-leader election on. */

    private LeaderAndIsrControlManager() {
    }

    // ---------------------------------------------------------------- ElectLeaders

    static ControllerResult<ElectLeadersResponse> electLeaders(MetadataImage image, ElectLeadersRequest request) {
        Set<TopicPartition> partitions = new LinkedHashSet<>(request.getPartitionsList());
        if (partitions.isEmpty()) {
            for (TopicImage topic : ReplicationControlManager.sortedTopics(image)) {
                topic.partitions().keySet().forEach(p -> partitions.add(
                        TopicPartition.newBuilder().setTopic(topic.name()).setPartition(p).build()));
            }
        }
        IntPredicate eligible = PartitionElection.eligible(image.cluster());
        List<MetadataRecord> records = new ArrayList<>();
        ElectLeadersResponse.Builder response = ElectLeadersResponse.newBuilder().setError(ErrorCode.NONE);
        for (TopicPartition tp : partitions) {
            ElectionResult.Builder result = ElectionResult.newBuilder()
                    .setTopic(tp.getTopic()).setPartition(tp.getPartition()).setError(ErrorCode.NONE);
            TopicImage topic = image.topics().getTopic(tp.getTopic());
            PartitionRegistration registration = topic == null ? null : topic.partition(tp.getPartition());
            if (registration == null) {
                result.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage("partition "
                        + tp.getPartition() + " of topic " + io.runnel.common.errors.ErrorText.quote(tp.getTopic())
                        + " does not exist");
            } else if (request.getElectionType() == ElectionType.UNCLEAN) {
                electUnclean(image.cluster(), topic, tp.getPartition(), registration, eligible, result, records);
            } else {
                electPreferred(image.cluster(), topic, tp.getPartition(), registration, eligible, result, records);
            }
            response.addResults(result);
        }
        return ControllerResult.of(records, response.build());
    }

    private static void electPreferred(ClusterImage cluster, TopicImage topic, int partition, PartitionRegistration registration,
                                       IntPredicate eligible, ElectionResult.Builder result,
                                       List<MetadataRecord> records) {
        int preferred = registration.preferredLeader();
        String name = topic.name() + "-" + partition;
        if (registration.leader() == preferred) {
            result.setError(ErrorCode.ELECTION_NOT_NEEDED)
                    .setErrorMessage("preferred leader " + preferred + " already leads " + name);
        } else if (!registration.isInIsr(preferred)) {
            result.setError(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE).setErrorMessage("preferred leader " + preferred
                    + " of " + name + " is not in ISR " + registration.isr());
        } else if (!eligible.test(preferred)) {
            result.setError(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE).setErrorMessage("preferred leader " + preferred
                    + " of " + name + " is fenced or shutting down");
        } else {
            PartitionElection.change(topic.id(), partition, registration, preferred, registration.isr(), eligible,
                    PartitionElection.isLive(cluster, registration.leader())).ifPresent(records::add);
        }
    }

    private static void electUnclean(ClusterImage cluster, TopicImage topic, int partition, PartitionRegistration registration,
                                     IntPredicate eligible, ElectionResult.Builder result,
                                     List<MetadataRecord> records) {
        String name = topic.name() + "-" + partition;
        if (registration.hasLeader() && eligible.test(registration.leader())) {
            result.setError(ErrorCode.ELECTION_NOT_NEEDED)
                    .setErrorMessage(name + " has leader " + registration.leader());
            return;
        }
        int leader = PartitionElection.cleanLeader(registration.replicas(), registration.isr(), eligible);
        List<Integer> isr = registration.isr();
        if (leader == NO_LEADER) {
            leader = PartitionElection.uncleanLeader(registration, eligible);
            isr = List.of(leader);
        }
        if (leader == NO_LEADER) {
            result.setError(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE).setErrorMessage("no replica of " + name + " "
                    + registration.replicas() + " is unfenced and not shutting down");
            return;
        }
        PartitionElection.change(topic.id(), partition, registration, leader, isr, eligible,
                PartitionElection.isLive(cluster, registration.leader())).ifPresent(records::add);
    }

    /** A partition whose preferred replica could lead it but does not. */
    private record Misled(TopicImage topic, int partition, PartitionRegistration registration, int preferred) {
    }

    /**
     * Automatic preferred-leader election ({@code auto.leader.rebalance.enable}), as
     * Kafka's controller does it: a broker counts as imbalanced when, among the partitions it is the
     * preferred replica of, the share it does not lead exceeds {@code leader.imbalance.per.broker.percentage}
     * (default 10); each partition of an imbalanced broker whose preferred replica is in the ISR and
     * eligible gets it back as leader. Partitions under reassignment are left alone (their preferred
     * replica is in flux), in the count as in the moves.
     */
    static ControllerResult<Void> rebalanceLeaders(MetadataImage image, ControllerContext ctx) {
        if (!ctx.autoLeaderRebalanceEnable()) {
            return ControllerResult.withoutRecords(null);
        }
        IntPredicate eligible = PartitionElection.eligible(image.cluster());
        Map<Integer, Integer> preferredCount = new HashMap<>();
        Map<Integer, Integer> notLedCount = new HashMap<>();
        List<Misled> movable = new ArrayList<>();
        for (TopicImage topic : ReplicationControlManager.sortedTopics(image)) {
            topic.partitions().forEach((partition, registration) -> {
                if (registration.isReassigning()) {
                    return;
                }
                int preferred = registration.preferredLeader();
                preferredCount.merge(preferred, 1, Integer::sum);
                if (registration.leader() != preferred) {
                    notLedCount.merge(preferred, 1, Integer::sum);
                    if (registration.isInIsr(preferred) && eligible.test(preferred)) {
                        movable.add(new Misled(topic, partition, registration, preferred));
                    }
                }
            });
        }
        long percentage = ctx.leaderImbalancePerBrokerPercentage();
        List<MetadataRecord> records = new ArrayList<>();
        for (Misled misled : movable) {
            long notLed = notLedCount.get(misled.preferred());
            long total = preferredCount.get(misled.preferred());
            // notLed / total > percentage / 100, in integers.
            if (notLed * 100 > percentage * total) {
                PartitionElection.change(misled.topic().id(), misled.partition(), misled.registration(),
                        misled.preferred(), misled.registration().isr(), eligible,
                        PartitionElection.isLive(image.cluster(), misled.registration().leader())).ifPresent(records::add);
            }
        }
        return ControllerResult.of(records, null);
    }

    // ---------------------------------------------------------------- AlterPartition

    static ControllerResult<AlterPartitionResponse> alterPartition(MetadataImage image, AlterPartitionRequest request) {
        BrokerRegistration broker = image.cluster().broker(request.getBrokerId());
        if (broker == null) {
            return ControllerResult.withoutRecords(AlterPartitionResponse.newBuilder()
                    .setError(ErrorCode.BROKER_ID_NOT_REGISTERED).build());
        }
        if (broker.epoch() != request.getBrokerEpoch()) {
            return ControllerResult.withoutRecords(AlterPartitionResponse.newBuilder()
                    .setError(ErrorCode.STALE_BROKER_EPOCH).build());
        }
        List<MetadataRecord> records = new ArrayList<>();
        AlterPartitionResponse.Builder response = AlterPartitionResponse.newBuilder().setError(ErrorCode.NONE);
        Set<String> seen = new HashSet<>();
        for (AlterPartitionTopic topicRequest : request.getTopicsList()) {
            AlterPartitionTopicResult.Builder topicResult = AlterPartitionTopicResult.newBuilder()
                    .setTopic(topicRequest.getTopic());
            TopicImage topic = image.topics().getTopic(topicRequest.getTopic());
            for (AlterPartitionData data : topicRequest.getPartitionsList()) {
                AlterPartitionResult.Builder result = AlterPartitionResult.newBuilder().setPartition(data.getPartition());
                if (!seen.add(topicRequest.getTopic() + "\u0000" + data.getPartition())) {
                    result.setError(ErrorCode.INVALID_REQUEST);
                } else {
                    alterOne(image, request.getBrokerId(), topic, data, result, records);
                }
                topicResult.addPartitions(result);
            }
            response.addTopics(topicResult);
        }
        return ControllerResult.of(records, response.build());
    }

    private static void alterOne(MetadataImage image, int brokerId, TopicImage topic, AlterPartitionData data,
                                 AlterPartitionResult.Builder result, List<MetadataRecord> records) {
        PartitionRegistration current = topic == null ? null : topic.partition(data.getPartition());
        if (current == null) {
            result.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
            return;
        }
        ErrorCode error = check(image, brokerId, current, data);
        if (error != ErrorCode.NONE) {
            describe(result.setError(error), current);
            return;
        }
        // Completes the partition's reassignment when this ISR holds every target replica (KIP-455): the
        // answer then carries the final state, possibly with another leader.
        Optional<MetadataRecord> change = PartitionElection.change(topic.id(), data.getPartition(), current,
                current.leader(), data.getNewIsrList(), PartitionElection.eligible(image.cluster()), true);
        PartitionRegistration after = change.map(r -> current.merge(r.getPartitionChange())).orElse(current);
        change.ifPresent(records::add);
        describe(result.setError(ErrorCode.NONE), after);
    }

    /**
     * The compare-and-set: epochs current, sender the leader, the new ISR made of replicas that are all
     * eligible (KIP-841: a fenced or shutting-down broker may neither join nor stay in an ISR by request).
     */
    private static ErrorCode check(MetadataImage image, int brokerId, PartitionRegistration current,
                                   AlterPartitionData data) {
        if (data.getLeaderEpoch() != current.leaderEpoch()) {
            return ErrorCode.FENCED_LEADER_EPOCH;
        }
        if (current.leader() != brokerId) {
            return ErrorCode.NOT_LEADER_OR_FOLLOWER;
        }
        if (data.getPartitionEpoch() != current.partitionEpoch()) {
            return ErrorCode.INVALID_UPDATE_VERSION;
        }
        List<Integer> newIsr = data.getNewIsrList();
        if (newIsr.isEmpty() || new HashSet<>(newIsr).size() != newIsr.size() || !newIsr.contains(brokerId)) {
            return ErrorCode.INVALID_REQUEST;
        }
        IntPredicate eligible = PartitionElection.eligible(image.cluster());
        for (int replica : newIsr) {
            if (!current.hasReplica(replica)) {
                return ErrorCode.INELIGIBLE_REPLICA;
            }
            if (!eligible.test(replica)) {
                return ErrorCode.INELIGIBLE_REPLICA;
            }
        }
        return ErrorCode.NONE;
    }

    private static void describe(AlterPartitionResult.Builder result, PartitionRegistration registration) {
        result.setLeaderId(registration.leader()).setLeaderEpoch(registration.leaderEpoch())
                .clearIsr().addAllIsr(registration.isr()).setPartitionEpoch(registration.partitionEpoch());
    }
}
