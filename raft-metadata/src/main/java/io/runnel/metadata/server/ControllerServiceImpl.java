package io.runnel.metadata.server;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.common.config.ServerSettings;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.metadata.controller.BrokerHeartbeatTracker;
import io.runnel.metadata.controller.ControllerContext;
import io.runnel.metadata.controller.ControllerResult;
import io.runnel.metadata.controller.QuorumControllerLogic;
import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AllocateProducerIdsRequest;
import io.runnel.proto.AllocateProducerIdsResponse;
import io.runnel.proto.AlterPartitionReassignmentsRequest;
import io.runnel.proto.AlterPartitionRequest;
import io.runnel.proto.AlterPartitionResponse;
import io.runnel.proto.BrokerHeartbeatRequest;
import io.runnel.proto.BrokerHeartbeatResponse;
import io.runnel.proto.BrokerState;
import io.runnel.proto.ControllerAlterConfigsResponse;
import io.runnel.proto.ControllerAlterPartitionReassignmentsResponse;
import io.runnel.proto.ControllerCreatePartitionsResponse;
import io.runnel.proto.ControllerCreateTopicsResponse;
import io.runnel.proto.ControllerDeleteTopicsResponse;
import io.runnel.proto.ControllerElectLeadersResponse;
import io.runnel.proto.ControllerInfo;
import io.runnel.proto.ControllerListPartitionReassignmentsResponse;
import io.runnel.proto.ControllerServiceGrpc;
import io.runnel.proto.CreateInternalTopicsRequest;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DescribeQuorumRequest;
import io.runnel.proto.DescribeQuorumResponse;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchMetadataRequest;
import io.runnel.proto.ListPartitionReassignmentsRequest;
import io.runnel.proto.MetadataDelivery;
import io.runnel.proto.RegisterBrokerRequest;
import io.runnel.proto.RegisterBrokerResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC {@code ControllerService} of one controller: a thin shell over {@link ControllerServer}.
 * Writes are decided by {@link QuorumControllerLogic} on the controller's event thread and answered
 * once committed; a controller that is not active answers NOT_CONTROLLER with the leader's address.
 * FetchMetadata is served by every controller ({@link MetadataSubscription}); DescribeQuorum too.
 *
 * <p>The broker sessions ({@link BrokerHeartbeatTracker}) and the random source used for placement are
 * owned by the event thread. Thread-safety: gRPC threads only enqueue work; see ControllerServer.
 */
final class ControllerServiceImpl extends ControllerServiceGrpc.ControllerServiceImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerServiceImpl.class);

    /** Concurrent FetchMetadata streams at most (each holds a thread): brokers plus tools. */
    static final int SUBSCRIPTIONS_MAX = 256;
    /** Broker-fencing timer period; a third of the session timeout when that is shorter. */
    static final long FENCE_INTERVAL_MS_MAX = 1000;

    private final ControllerServer controller;
    private final QuorumControllerLogic logic = new QuorumControllerLogic();
    private final BrokerHeartbeatTracker tracker;
    private final Random random = new Random();
    private final ExecutorService subscriptions;
    private final Semaphore subscriptionSlots = new Semaphore(SUBSCRIPTIONS_MAX);
    private final long rebalanceIntervalMs;
    private volatile boolean closed;

    ControllerServiceImpl(ControllerServer controller) {
        this.controller = controller;
        this.rebalanceIntervalMs = TimeUnit.SECONDS.toMillis(
                controller.config().settings().get(ServerSettings.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS));
        this.tracker = new BrokerHeartbeatTracker(controller.config().brokerSessionTimeoutMs());
        this.subscriptions = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "controller-" + controller.nodeId() + "-metadata-stream");
            thread.setDaemon(true);
            return thread;
        });
    }

    void start() {
        controller.addActivationHook(nowMs ->
                tracker.resetAll(controller.currentImage().cluster().brokers().keySet(), nowMs));
        long intervalMs = Math.max(10, Math.min(FENCE_INTERVAL_MS_MAX,
                controller.config().brokerSessionTimeoutMs() / 3));
        controller.schedulePeriodic("FenceStaleBrokers", intervalMs,
                image -> logic.fenceStaleBrokers(image, tracker, context()).records());
        controller.schedulePeriodic("RebalanceLeaders", rebalanceIntervalMs,
                image -> logic.rebalanceLeaders(image, context()).records());
    }

    void close() {
        closed = true;
        subscriptions.shutdownNow();
    }

    /** Event thread only: the inputs a decision may use besides the image. */
    private ControllerContext context() {
        return new ControllerContext(controller.time().milliseconds(), random, controller.config().settings());
    }

    // ---- writes ----

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<ControllerCreateTopicsResponse> observer) {
        write("CreateTopics", request.getTimeoutMs(), observer,
                image -> logic.createTopics(image, request, context()),
                (response, offset) -> ControllerCreateTopicsResponse.newBuilder().setResponse(response)
                        .setMetadataOffset(offset).build());
    }

    @Override
    public void createInternalTopics(CreateInternalTopicsRequest request,
                                     StreamObserver<ControllerCreateTopicsResponse> observer) {
        write("CreateInternalTopics", request.getRequest().getTimeoutMs(), observer,
                image -> logic.createInternalTopics(image, request, context()),
                (response, offset) -> ControllerCreateTopicsResponse.newBuilder().setResponse(response)
                        .setMetadataOffset(offset).build());
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<ControllerDeleteTopicsResponse> observer) {
        write("DeleteTopics", request.getTimeoutMs(), observer,
                image -> logic.deleteTopics(image, request, context()),
                (response, offset) -> ControllerDeleteTopicsResponse.newBuilder().setResponse(response)
                        .setMetadataOffset(offset).build());
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request,
                                 StreamObserver<ControllerCreatePartitionsResponse> observer) {
        write("CreatePartitions", request.getTimeoutMs(), observer,
                image -> logic.createPartitions(image, request, context()),
                (response, offset) -> ControllerCreatePartitionsResponse.newBuilder().setResponse(response)
                        .setMetadataOffset(offset).build());
    }

    @Override
    public void alterConfigs(AlterConfigsRequest request, StreamObserver<ControllerAlterConfigsResponse> observer) {
        write("AlterConfigs", 0, observer,
                image -> logic.incrementalAlterConfigs(image, request, context()),
                (response, offset) -> ControllerAlterConfigsResponse.newBuilder().setResponse(response)
                        .setMetadataOffset(offset).build());
    }

    @Override
    public void electLeaders(ElectLeadersRequest request, StreamObserver<ControllerElectLeadersResponse> observer) {
        write("ElectLeaders", request.getTimeoutMs(), observer,
                image -> logic.electLeaders(image, request, context()),
                (response, offset) -> ControllerElectLeadersResponse.newBuilder().setResponse(response)
                        .setMetadataOffset(offset).build());
    }

    @Override
    public void alterPartitionReassignments(AlterPartitionReassignmentsRequest request,
                                            StreamObserver<ControllerAlterPartitionReassignmentsResponse> observer) {
        write("AlterPartitionReassignments", request.getTimeoutMs(), observer,
                image -> logic.alterPartitionReassignments(image, request, context()),
                (response, offset) -> ControllerAlterPartitionReassignmentsResponse.newBuilder().setResponse(response)
                        .setMetadataOffset(offset).build());
    }

    /** A read, but on the event thread like a write: it sees every decision made before it. */
    @Override
    public void listPartitionReassignments(ListPartitionReassignmentsRequest request,
                                           StreamObserver<ControllerListPartitionReassignmentsResponse> observer) {
        write("ListPartitionReassignments", request.getTimeoutMs(), observer,
                image -> ControllerResult.withoutRecords(logic.listPartitionReassignments(image, request)),
                (response, offset) -> ControllerListPartitionReassignmentsResponse.newBuilder().setResponse(response)
                        .setMetadataOffset(offset).build());
    }

    @Override
    public void registerBroker(RegisterBrokerRequest request, StreamObserver<RegisterBrokerResponse> observer) {
        write("RegisterBroker", 0, observer,
                image -> logic.registerBroker(image, request, controller.config().clusterId(), nextOffset(),
                        tracker, context()),
                (response, offset) -> response.toBuilder().setSessionTimeoutMs(sessionTimeoutMs()).build());
    }

    @Override
    public void brokerHeartbeat(BrokerHeartbeatRequest request, StreamObserver<BrokerHeartbeatResponse> observer) {
        controller.metrics().onBrokerHeartbeat(request.getBrokerId(), request.getCurrentMetadataOffset());
        write("BrokerHeartbeat", 0, observer,
                image -> logic.brokerHeartbeat(image, request, tracker, context()),
                // The offset includes every record committed before this heartbeat was decided: the broker
                // renews its leader lease with this answer only once it has applied that far.
                (response, offset) -> response.toBuilder().setMetadataOffset(offset)
                        .setSessionTimeoutMs(sessionTimeoutMs()).build());
    }

    private int sessionTimeoutMs() {
        return (int) Math.min(Integer.MAX_VALUE, controller.config().brokerSessionTimeoutMs());
    }

    @Override
    public void alterPartition(AlterPartitionRequest request, StreamObserver<AlterPartitionResponse> observer) {
        write("AlterPartition", 0, observer,
                image -> logic.alterPartition(image, request, context()),
                (response, offset) -> response);
    }

    @Override
    public void allocateProducerIds(AllocateProducerIdsRequest request,
                                    StreamObserver<AllocateProducerIdsResponse> observer) {
        write("AllocateProducerIds", 0, observer,
                image -> logic.allocateProducerIds(image, request, context()),
                (response, offset) -> response);
    }

    /** Event thread: the Ratis index the next submitted entry will get, which is its metadata offset. */
    private long nextOffset() {
        return controller.division().map(d -> d.getRaftLog().getNextIndex())
                .orElseThrow(controller::notController);
    }

    private <R, T> void write(String name, int requestTimeoutMs, StreamObserver<T> observer,
                              Function<MetadataImage, ControllerResult<R>> decide, BiFunction<R, Long, T> wrap) {
        if (!controller.isRaftLeader()) {
            observer.onError(controller.notController().toStatus());
            return;
        }
        controller.write(name, deadlineNs(requestTimeoutMs), image -> {
            ControllerResult<R> result = decide.apply(image);
            return new ControllerServer.Decision<>(result.records(), result.response());
        }).whenComplete((written, error) -> {
            if (error != null) {
                observer.onError(toStatus(error));
            } else {
                observer.onNext(wrap.apply(written.response(), written.offset()));
                observer.onCompleted();
            }
        });
    }

    /** The earliest of the caller's gRPC deadline, the request's own timeout and request.timeout.ms. */
    private long deadlineNs(int requestTimeoutMs) {
        long nowNs = System.nanoTime();
        long timeoutMs = controller.config().requestTimeoutMs();
        if (requestTimeoutMs > 0) {
            timeoutMs = Math.min(timeoutMs, requestTimeoutMs);
        }
        long deadlineNs = nowNs + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Deadline grpcDeadline = Context.current().getDeadline();
        if (grpcDeadline != null) {
            deadlineNs = Math.min(deadlineNs, nowNs + grpcDeadline.timeRemaining(TimeUnit.NANOSECONDS));
        }
        return deadlineNs;
    }

    static StatusRuntimeException toStatus(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof NotControllerException notController) {
            return notController.toStatus();
        }
        if (cause instanceof ApiException api) {
            return GrpcErrors.toStatus(api);
        }
        LOG.error("controller request failed unexpectedly", cause);
        return GrpcErrors.toStatus(ErrorCode.UNKNOWN_SERVER_ERROR, String.valueOf(cause), Map.of());
    }

    // ---- metadata stream ----

    @Override
    public void fetchMetadata(FetchMetadataRequest request, StreamObserver<MetadataDelivery> observer) {
        ServerCallStreamObserver<MetadataDelivery> stream = (ServerCallStreamObserver<MetadataDelivery>) observer;
        if (closed) {
            observer.onError(Status.UNAVAILABLE.withDescription("controller is shutting down").asRuntimeException());
            return;
        }
        if (!subscriptionSlots.tryAcquire()) {
            observer.onError(GrpcErrors.overloaded("controller " + controller.nodeId()
                    + " already serves " + SUBSCRIPTIONS_MAX + " metadata streams"));
            return;
        }
        MetadataSubscription subscription = new MetadataSubscription(controller.stateMachine(), stream,
                request.getSubscriberId(), request.getFromOffset(), controller.config().snapshotRecords(),
                () -> closed);
        try {
            subscriptions.execute(() -> {
                try {
                    subscription.run();
                } finally {
                    subscriptionSlots.release();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            subscriptionSlots.release();
            observer.onError(Status.UNAVAILABLE.withDescription("controller is shutting down").asRuntimeException());
        }
    }

    // ---- quorum description ----

    /**
     * Records a peer's last contact by its node id. Ratis names peers by their node id; a peer it does not
     * know yet (a follower before any leader is known has an empty id) is left out rather than failing the call.
     */
    static void putContact(Map<Integer, Long> lastContactMs, ServerRpcProto peer) {
        String id = peer.getId().getId().toStringUtf8();
        if (!id.isEmpty() && id.chars().allMatch(Character::isDigit) && id.length() <= 9) {
            lastContactMs.put(Integer.parseInt(id), peer.getLastRpcElapsedTimeMs());
        }
    }

    @Override
    public void describeQuorum(DescribeQuorumRequest request, StreamObserver<DescribeQuorumResponse> observer) {
        DescribeQuorumResponse.Builder response = DescribeQuorumResponse.newBuilder()
                .setClusterId(controller.config().clusterId())
                .setNodeId(controller.nodeId())
                .setLeaderId(controller.leaderId().orElse(-1))
                .setAppliedOffset(controller.stateMachine().appliedOffset());
        RaftServer.Division division = controller.division().orElse(null);
        long commitIndex = -1;
        Map<Integer, Long> lastContactMs = new HashMap<>();
        if (division != null) {
            DivisionInfo info = division.getInfo();
            commitIndex = division.getRaftLog().getLastCommittedIndex();
            response.setTerm(info.getCurrentTerm()).setCommitIndex(commitIndex);
            RoleInfoProto role = info.getRoleInfoProto();
            if (role.hasLeaderInfo()) {
                for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
                    putContact(lastContactMs, follower);
                }
            } else if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo()) {
                putContact(lastContactMs, role.getFollowerInfo().getLeaderInfo());
            }
        }
        int leaderId = controller.leaderId().orElse(-1);
        long reachableMs = controller.config().electionTimeoutMaxMs();
        for (QuorumVoters.Voter voter : controller.config().voters().list()) {
            boolean self = voter.nodeId() == controller.nodeId();
            Long contact = lastContactMs.get(voter.nodeId());
            ControllerInfo.Builder info = ControllerInfo.newBuilder()
                    .setId(voter.nodeId())
                    .setHost(voter.host())
                    .setPort(self ? controller.boundPort() : voter.port())
                    .setActive(voter.nodeId() == leaderId)
                    .setTerm(response.getTerm())
                    .setReachable(self || (contact != null && contact <= reachableMs));
            if (self) {
                info.setCommitIndex(commitIndex).setAppliedOffset(response.getAppliedOffset());
            } else {
                // Only the answering controller knows its own indexes; -1 says "unknown", not "zero".
                info.setCommitIndex(-1).setAppliedOffset(-1);
            }
            response.addVoters(info);
        }
        if (!controller.isActive()) {
            observer.onNext(response.build());
            observer.onCompleted();
            return;
        }
        controller.onEventThread(this::brokerStates).whenComplete((brokers, error) -> {
            if (error == null) {
                response.addAllBrokers(brokers);
            }
            observer.onNext(response.build());
            observer.onCompleted();
        });
    }

    /** Event thread: broker registrations from the image with their sessions from the tracker. */
    private List<BrokerState> brokerStates() {
        MetadataImage image = controller.currentImage();
        long nowMs = controller.time().milliseconds();
        List<BrokerState> states = new ArrayList<>();
        for (BrokerRegistration broker : image.cluster().brokers().values()) {
            OptionalLong last = tracker.lastHeartbeatMs(broker.id());
            long applied = tracker.appliedOffset(broker.id());
            BrokerState.Builder state = BrokerState.newBuilder()
                    .setId(broker.id())
                    .setFenced(broker.fenced())
                    .setInControlledShutdown(broker.inControlledShutdown())
                    .setRack(broker.rack().orElse(""))
                    .setLastHeartbeatAgeMs(last.isPresent() ? nowMs - last.getAsLong() : -1)
                    .setAppliedMetadataOffset(applied)
                    .setMetadataLag(applied < 0 ? -1 : Math.max(0, image.offset() - applied))
                    .setBrokerEpoch(broker.epoch());
            broker.endpoints().values().stream().findFirst().ifPresent(endpoint ->
                    state.setHost(endpoint.host()).setPort(endpoint.port()));
            states.add(state.build());
        }
        return states;
    }
}
