package io.runnel.metadata.controller;

import io.runnel.metadata.image.MetadataDelta;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.AllocateProducerIdsRequest;
import io.runnel.proto.AllocateProducerIdsResponse;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterConfigsResponse;
import io.runnel.proto.AlterPartitionReassignmentsRequest;
import io.runnel.proto.AlterPartitionReassignmentsResponse;
import io.runnel.proto.AlterPartitionRequest;
import io.runnel.proto.AlterPartitionResponse;
import io.runnel.proto.BrokerHeartbeatRequest;
import io.runnel.proto.BrokerHeartbeatResponse;
import io.runnel.proto.CreateInternalTopicsRequest;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreatePartitionsResponse;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.CreateTopicsResponse;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DescribeConfigsRequest;
import io.runnel.proto.DescribeConfigsResponse;
import io.runnel.proto.DeleteTopicsResponse;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ElectLeadersResponse;
import io.runnel.proto.ListPartitionReassignmentsRequest;
import io.runnel.proto.ListPartitionReassignmentsResponse;
import io.runnel.proto.RegisterBrokerRequest;
import io.runnel.proto.RegisterBrokerResponse;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.common.config.ServerConfig;
import java.util.List;

/**
 * The active controller's decisions, each a pure function of (image, request, context) returning the
 * records to write and the response to send once they are applied (DESIGN §3; Kafka's ControllerResult
 * pattern). The caller, the controller's single event thread, submits the records to the metadata log
 * and replies after they are committed and applied.
 *
 * <p>Ordering contract: every decision must be made on an image that includes the records of all
 * earlier decisions, committed or still in flight; otherwise two decisions can hand out the same
 * producer ids or create the same topic twice. A caller that pipelines submissions keeps an
 * uncommitted image with {@link #imageAfter} and discards it if the submission fails.
 *
 * <p>Bad input is answered with error codes in the response and never throws; an exception means a
 * programmer error. The only mutable input is the {@link BrokerHeartbeatTracker}: heartbeats and
 * registrations with a tracker record the broker's session in it. Stateless; thread-safe.
 */
public final class QuorumControllerLogic {

    /** A client's CreateTopics; names starting with "__" (internal topics) are refused. */
    public ControllerResult<CreateTopicsResponse> createTopics(MetadataImage image, CreateTopicsRequest request,
                                                               ControllerContext ctx) {
        return ReplicationControlManager.createTopics(image, request, ctx);
    }

    /** A broker creating internal topics (names starting with "__") for its own use; see the RPC's comment. */
    public ControllerResult<CreateTopicsResponse> createInternalTopics(MetadataImage image,
                                                                       CreateInternalTopicsRequest request,
                                                                       ControllerContext ctx) {
        return ReplicationControlManager.createInternalTopics(image, request, ctx);
    }

    /** RemoveTopic for each topic, preceded by ConfigRecords removing its overrides. */
    public ControllerResult<DeleteTopicsResponse> deleteTopics(MetadataImage image, DeleteTopicsRequest request,
                                                               ControllerContext ctx) {
        return ReplicationControlManager.deleteTopics(image, request);
    }

    public ControllerResult<CreatePartitionsResponse> createPartitions(MetadataImage image,
                                                                       CreatePartitionsRequest request,
                                                                       ControllerContext ctx) {
        return ReplicationControlManager.createPartitions(image, request, ctx);
    }

    /** Incremental AlterConfigs of TOPIC and BROKER resources (see {@link ConfigurationControlManager}). */
    public ControllerResult<AlterConfigsResponse> incrementalAlterConfigs(MetadataImage image,
                                                                          AlterConfigsRequest request,
                                                                          ControllerContext ctx) {
        return ConfigurationControlManager.incrementalAlterConfigs(image, request, ctx);
    }

    public ControllerResult<ElectLeadersResponse> electLeaders(MetadataImage image, ElectLeadersRequest request,
                                                               ControllerContext ctx) {
        return LeaderAndIsrControlManager.electLeaders(image, request);
    }

    /**
     * Starts, replaces or cancels partition reassignments (KIP-455; see {@link ReassignmentControlManager}
     * and {@link PartitionReassignment}): one PartitionChange per partition that changes.
     */
    public ControllerResult<AlterPartitionReassignmentsResponse> alterPartitionReassignments(
            MetadataImage image, AlterPartitionReassignmentsRequest request, ControllerContext ctx) {
        return ReassignmentControlManager.alterPartitionReassignments(image, request, ctx);
    }

    /** The partitions under reassignment with their adding and removing replicas. A read: no records. */
    public ListPartitionReassignmentsResponse listPartitionReassignments(MetadataImage image,
                                                                         ListPartitionReassignmentsRequest request) {
        return ReassignmentControlManager.listPartitionReassignments(image, request);
    }

    /**
     * Registers a broker (fenced) with epoch {@code nextOffset}, the metadata offset its record will
     * have. Without a tracker there is no evidence of which process is alive, so the newest incarnation
     * always wins and the old process is answered STALE_BROKER_EPOCH; prefer the overload with a tracker.
     */
    public ControllerResult<RegisterBrokerResponse> registerBroker(MetadataImage image, RegisterBrokerRequest request,
                                                                   String clusterId, long nextOffset,
                                                                   ControllerContext ctx) {
        return ClusterControlManager.registerBroker(image, request, clusterId, nextOffset, null, ctx);
    }

    /**
     * Registers a broker (fenced) with epoch {@code nextOffset}. A different incarnation of a broker that
     * heartbeated within its session (and did not complete a controlled shutdown) is rejected with
     * DUPLICATE_BROKER_REGISTRATION; on success the broker's session starts in {@code tracker}.
     */
    public ControllerResult<RegisterBrokerResponse> registerBroker(MetadataImage image, RegisterBrokerRequest request,
                                                                   String clusterId, long nextOffset,
                                                                   BrokerHeartbeatTracker tracker,
                                                                   ControllerContext ctx) {
        return ClusterControlManager.registerBroker(image, request, clusterId, nextOffset, tracker, ctx);
    }

    /**
     * Records the heartbeat in {@code tracker}; unfences a broker that caught up with its registration
     * (current_metadata_offset at least its epoch); on want_shut_down moves its leaderships away, takes it
     * out of ISRs and fences it, answering should_shut_down once it leads nothing.
     */
    public ControllerResult<BrokerHeartbeatResponse> brokerHeartbeat(MetadataImage image, BrokerHeartbeatRequest request,
                                                                     BrokerHeartbeatTracker tracker,
                                                                     ControllerContext ctx) {
        return ClusterControlManager.brokerHeartbeat(image, request, tracker, ctx);
    }

    /** FenceBroker plus partition changes for every unfenced broker whose session expired at ctx.nowMs(). */
    public ControllerResult<Void> fenceStaleBrokers(MetadataImage image, BrokerHeartbeatTracker tracker,
                                                    ControllerContext ctx) {
        return ClusterControlManager.fenceStaleBrokers(image, tracker, ctx);
    }

    public ControllerResult<AlterPartitionResponse> alterPartition(MetadataImage image, AlterPartitionRequest request,
                                                                   ControllerContext ctx) {
        return LeaderAndIsrControlManager.alterPartition(image, request);
    }

    public ControllerResult<AllocateProducerIdsResponse> allocateProducerIds(MetadataImage image,
                                                                             AllocateProducerIdsRequest request,
                                                                             ControllerContext ctx) {
        return ProducerIdControlManager.allocateProducerIds(image, request);
    }

    /**
     * Periodic preferred-leader election (Kafka's {@code auto.leader.rebalance.enable}, read from
     * ctx.settings()): for each broker that does not lead more than
     * {@code leader.imbalance.per.broker.percentage} (10) of the partitions it is the preferred replica of,
     * moves leadership back to it where it is in the ISR and eligible. The caller schedules it (Kafka:
     * every leader.imbalance.check.interval.seconds).
     */
    public ControllerResult<Void> rebalanceLeaders(MetadataImage image, ControllerContext ctx) {
        return LeaderAndIsrControlManager.rebalanceLeaders(image, ctx);
    }

    /**
     * DescribeConfigs of topics and brokers from an image, for any node that holds one: effective values
     * and their sources, with {@code settings} the answering node's static settings. A read.
     */
    public DescribeConfigsResponse describeConfigs(MetadataImage image, DescribeConfigsRequest request,
                                                   ServerConfig settings) {
        return ConfigDescriber.describeConfigs(image, request, settings);
    }

    /**
     * {@code image} with {@code records} replayed, at the same offset: what the image will be once a
     * decision's records are applied. Throws IllegalStateException if a record breaks an invariant.
     */
    public static MetadataImage imageAfter(MetadataImage image, List<MetadataRecord> records) {
        if (records.isEmpty()) {
            return image;
        }
        MetadataDelta delta = new MetadataDelta(image);
        delta.replayAll(records);
        return delta.apply(image.offset());
    }
}
