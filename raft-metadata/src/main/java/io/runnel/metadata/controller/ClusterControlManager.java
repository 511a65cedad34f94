package io.runnel.metadata.controller;

import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.BrokerHeartbeatRequest;
import io.runnel.proto.BrokerHeartbeatResponse;
import io.runnel.proto.Endpoint;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.RegisterBrokerRequest;
import io.runnel.proto.RegisterBrokerResponse;
import io.runnel.proto.metadata.BrokerRegistrationChangeRecord;
import io.runnel.proto.metadata.FenceBrokerRecord;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.RegisterBrokerRecord;
import io.runnel.proto.metadata.UnfenceBrokerRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Broker lifecycle decisions (DESIGN §3): registration, heartbeats (unfencing once caught up, fencing
 * on request, controlled shutdown) and fencing brokers whose session expired.
 *
 * <p>Transitions of a registration, each a record:
 * <pre>
 *   (none | any) --RegisterBroker--> fenced            a new epoch; leaderships and ISR places of the old one are removed
 *   fenced --Unfence (heartbeat caught up)--> unfenced  leaderless partitions it can lead get it as leader
 *   unfenced --Fence (session expired, want_fence)--> fenced           leaderships and ISR places removed
 *   unfenced --RegistrationChange(in_controlled_shutdown) + Fence--> fenced, shutting down (want_shut_down)
 * </pre>
 * A registration by another incarnation is DUPLICATE_BROKER_REGISTRATION while the current one has a
 * live session in the tracker (it heartbeated within the session timeout and did not complete a
 * controlled shutdown), fenced or not: two processes must not share a broker id.
 * Stateless apart from the heartbeat tracker the caller passes; thread-safe when the tracker is not shared.
 */
final class ClusterControlManager {

    private ClusterControlManager() {
    }

    static ControllerResult<RegisterBrokerResponse> registerBroker(MetadataImage image, RegisterBrokerRequest request,
                                                                   String clusterId, long nextOffset,
                                                                   BrokerHeartbeatTracker tracker,
                                                                   ControllerContext ctx) {
        if (nextOffset <= image.offset()) {
            throw new IllegalArgumentException("the registration's offset " + nextOffset
                    + " must be above the image's " + image.offset());
        }
        int id = request.getBrokerId();
        String problem = registrationProblem(request, clusterId);
        if (problem != null) {
            ErrorCode code = request.getClusterId().equals(clusterId) ? ErrorCode.INVALID_REGISTRATION
                    : ErrorCode.INCONSISTENT_CLUSTER_ID;
            return ControllerResult.withoutRecords(RegisterBrokerResponse.newBuilder()
                    .setError(code).setErrorMessage(problem).build());
        }
        BrokerRegistration existing = image.cluster().broker(id);
        UUID incarnation = UUID.fromString(request.getIncarnationId());
        if (existing != null && !existing.incarnationId().equals(incarnation)
                && tracker != null && tracker.hasValidSession(id, ctx.nowMs())) {
            return ControllerResult.withoutRecords(RegisterBrokerResponse.newBuilder()
                    .setError(ErrorCode.DUPLICATE_BROKER_REGISTRATION)
                    .setErrorMessage("broker " + id + " is already registered by another live process (incarnation "
                            + existing.incarnationId() + "); a restarted broker may register once that session of "
                            + tracker.sessionTimeoutMs() + " ms expires").build());
        }
        List<MetadataRecord> records = new ArrayList<>();
        if (existing != null) {
            // A new incarnation registers only once the old one's session expired (or it shut down): not alive.
            records.addAll(ReplicationControlManager.removeBrokerFromPartitions(image, id, ctx, false));
        }
        records.add(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                .setBrokerId(id).setIncarnationId(incarnation.toString()).setBrokerEpoch(nextOffset)
                .addAllEndpoints(request.getListenersList()).setRack(request.getRack())
                .setFenced(true).setInControlledShutdown(false)).build());
        if (tracker != null) {
            tracker.touch(id, nextOffset, ctx.nowMs(), -1);
        }
        return ControllerResult.of(records, RegisterBrokerResponse.newBuilder()
                .setError(ErrorCode.NONE).setBrokerEpoch(nextOffset).build());
    }

    /** What is wrong with a registration request, or null. */
    private static String registrationProblem(RegisterBrokerRequest request, String clusterId) {
        if (!request.getClusterId().equals(clusterId)) {
            return "broker " + request.getBrokerId() + " belongs to cluster '" + request.getClusterId()
                    + "', but this is cluster '" + clusterId + "'";
        }
        if (request.getBrokerId() < 0) {
            return "broker id " + request.getBrokerId() + " is negative";
        }
        try {
            UUID.fromString(request.getIncarnationId());
        } catch (IllegalArgumentException e) {
            return "incarnation id '" + request.getIncarnationId() + "' of broker " + request.getBrokerId()
                    + " is not a UUID";
        }
        if (request.getListenersCount() == 0) {
            return "broker " + request.getBrokerId() + " registers no listener";
        }
        Set<String> names = new HashSet<>();
        for (Endpoint listener : request.getListenersList()) {
            if (!names.add(listener.getListener())) {
                return "broker " + request.getBrokerId() + " registers listener '" + listener.getListener() + "' twice";
            }
            if (listener.getListener().isEmpty() || listener.getHost().isEmpty()
                    || listener.getPort() <= 0 || listener.getPort() > 65_535) {
                return "broker " + request.getBrokerId() + " registers an invalid listener '" + listener.getListener()
                        + "' at '" + listener.getHost() + ":" + listener.getPort() + "'";
            }
        }
        return null;
    }

    static ControllerResult<BrokerHeartbeatResponse> brokerHeartbeat(MetadataImage image, BrokerHeartbeatRequest request,
                                                                     BrokerHeartbeatTracker tracker,
                                                                     ControllerContext ctx) {
        int id = request.getBrokerId();
        BrokerRegistration broker = image.cluster().broker(id);
        if (broker == null) {
            return ControllerResult.withoutRecords(BrokerHeartbeatResponse.newBuilder()
                    .setError(ErrorCode.BROKER_ID_NOT_REGISTERED).setIsFenced(true)
                    .setErrorMessage("broker " + id + " is not registered").build());
        }
        if (broker.epoch() != request.getBrokerEpoch()) {
            return ControllerResult.withoutRecords(BrokerHeartbeatResponse.newBuilder()
                    .setError(ErrorCode.STALE_BROKER_EPOCH).setIsFenced(true)
                    .setErrorMessage("broker " + id + " has epoch " + broker.epoch() + ", not "
                            + request.getBrokerEpoch()).build());
        }
        tracker.touch(id, broker.epoch(), ctx.nowMs(), request.getCurrentMetadataOffset());
        boolean caughtUp = request.getCurrentMetadataOffset() >= broker.epoch();
        List<MetadataRecord> records = new ArrayList<>();
        if (request.getWantShutDown()) {
            if (!broker.inControlledShutdown() && !broker.fenced()) {
                records.add(MetadataRecord.newBuilder().setBrokerRegistrationChange(BrokerRegistrationChangeRecord
                        .newBuilder().setBrokerId(id).setBrokerEpoch(broker.epoch()).setInControlledShutdown(true)).build());
            }
            if (!broker.fenced()) {
                records.addAll(fence(image, broker, ctx, true));
            }
        } else if (request.getWantFence()) {
            if (!broker.fenced()) {
                records.addAll(fence(image, broker, ctx, true));
            }
        } else if (broker.fenced() && caughtUp && !broker.inControlledShutdown()) {
            records.add(MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder()
                    .setBrokerId(id).setBrokerEpoch(broker.epoch())).build());
            records.addAll(ReplicationControlManager.electForReturningBroker(image, id, ctx));
        }
        MetadataImage after = QuorumControllerLogic.imageAfter(image, records);
        BrokerRegistration afterBroker = after.cluster().broker(id);
        boolean shouldShutDown = request.getWantShutDown() && !ReplicationControlManager.leadsAnyPartition(after, id);
        if (shouldShutDown) {
            // The process is about to stop: its successor need not wait for this session to expire.
            tracker.endSession(id);
        }
        return ControllerResult.of(records, BrokerHeartbeatResponse.newBuilder()
                .setError(ErrorCode.NONE).setIsCaughtUp(caughtUp).setIsFenced(afterBroker.fenced())
                .setShouldShutDown(shouldShutDown).build());
    }

    /**
     * A FenceBroker record and the partition changes taking the broker out of leaderships and ISRs.
     * {@code brokerAlive}: the broker itself asked (it is still running and may hold leader leases).
     */
    private static List<MetadataRecord> fence(MetadataImage image, BrokerRegistration broker, ControllerContext ctx,
                                              boolean brokerAlive) {
        List<MetadataRecord> records = new ArrayList<>();
        records.add(MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder()
                .setBrokerId(broker.id()).setBrokerEpoch(broker.epoch())).build());
        records.addAll(ReplicationControlManager.removeBrokerFromPartitions(image, broker.id(), ctx, brokerAlive));
        return records;
    }

    static ControllerResult<Void> fenceStaleBrokers(MetadataImage image, BrokerHeartbeatTracker tracker,
                                                    ControllerContext ctx) {
        List<MetadataRecord> records = new ArrayList<>();
        MetadataImage current = image;
        for (int id : tracker.expired(ctx.nowMs())) {
            BrokerRegistration broker = current.cluster().broker(id);
            if (broker == null || broker.fenced()) {
                continue;
            }
            // Its session expired: any lease it held expired before (leader.lease.ms < session timeout).
            List<MetadataRecord> fencing = fence(current, broker, ctx, false);
            records.addAll(fencing);
            // The next broker's elections must see this one fenced.
            current = QuorumControllerLogic.imageAfter(current, fencing);
        }
        return ControllerResult.of(records, null);
    }
}
