package io.runnel.metadata.client;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.Errors;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.time.Time;
import io.runnel.metadata.server.NotControllerException;
import io.runnel.metadata.server.QuorumVoters;
import io.runnel.proto.AllocateProducerIdsRequest;
import io.runnel.proto.AllocateProducerIdsResponse;
import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterPartitionRequest;
import io.runnel.proto.AlterPartitionResponse;
import io.runnel.proto.BrokerHeartbeatRequest;
import io.runnel.proto.BrokerHeartbeatResponse;
import io.runnel.proto.ControllerAlterConfigsResponse;
import io.runnel.proto.ControllerCreatePartitionsResponse;
import io.runnel.proto.ControllerCreateTopicsResponse;
import io.runnel.proto.ControllerDeleteTopicsResponse;
import io.runnel.proto.ControllerElectLeadersResponse;
import io.runnel.proto.ControllerServiceGrpc;
import io.runnel.proto.CreateInternalTopicsRequest;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DescribeQuorumRequest;
import io.runnel.proto.DescribeQuorumResponse;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.RegisterBrokerRequest;
import io.runnel.proto.RegisterBrokerResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The way to the active controller, for brokers and admin tools. Keeps a gRPC channel to every voter,
 * sends each call to the last known active controller, and on NOT_CONTROLLER follows the leader hint
 * (or tries the next voter), retrying with backoff until the call's timeout. When no controller
 * answers within it, the call fails with REQUEST_TIMED_OUT saying that the metadata quorum is
 * unavailable and naming the voters.
 *
 * <p>Retried: NOT_CONTROLLER, unreachable controllers, and retriable errors that a controller answers
 * for the whole call. Not retried: a REQUEST_TIMED_OUT whose {@link GrpcErrors#OUTCOME_KEY} is
 * {@code unknown} (the controller submitted the write and it may still commit; a retry could misreport it
 * as TOPIC_ALREADY_EXISTS): it is passed on as it is. When the call gives up, its REQUEST_TIMED_OUT says
 * {@code outcome=not_applied} only if every attempt was answered NOT_CONTROLLER or {@code not_applied};
 * after an attempt that timed out or lost its connection it says {@code unknown}. A leader that loses its
 * leadership in the middle of a commit answers NOT_CONTROLLER although the entry may still commit; a
 * retried CreateTopics can then answer TOPIC_ALREADY_EXISTS, as in Kafka.
 *
 * <p>Asynchronous calls ({@link #callAsync}) run the same blocking call on a pool of this channel's own:
 * at most {@value #ASYNC_THREADS_MAX} at once, at most {@value #ASYNC_QUEUED_MAX} more waiting (a waiting
 * call's timeout runs from when it was made); beyond that a call fails at once with REQUEST_TIMED_OUT
 * ({@code outcome=not_applied}). {@link #close} stops the pool.
 *
 * <p>Thread-safe: any number of threads may call at once.
 */
public final class ControllerChannel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerChannel.class);

    /** First retry backoff, doubled per attempt up to {@link #BACKOFF_MS_MAX}. */
    public static final long BACKOFF_MS_INITIAL = 50;
    public static final long BACKOFF_MS_MAX = 1000;
    /** Largest message a controller may send (a metadata snapshot of a large cluster). */
    public static final int INBOUND_MESSAGE_BYTES_MAX = 256 * 1024 * 1024;
    /**
     * Asynchronous calls running at once. Each holds a thread while it waits for the controller (admin
     * requests a broker forwards, ISR changes); a commit takes milliseconds, so this many in flight is far
     * beyond what a healthy quorum keeps busy, and a quorum that is down should not cost more threads.
     */
    public static final int ASYNC_THREADS_MAX = 16;
    /** Asynchronous calls waiting for a thread at most; a burst beyond fails fast instead of queueing forever. */
    public static final int ASYNC_QUEUED_MAX = 1024;

    private final QuorumVoters voters;
    private final Time time;
    private final List<QuorumVoters.Voter> order;
    private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger(-1);
    private final AtomicInteger rotation = new AtomicInteger();
    private final ExecutorService asyncCalls;
    private volatile boolean closed;

    public ControllerChannel(QuorumVoters voters) {
        this(voters, Time.SYSTEM);
    }

    /** With the clock that times calls out and paces retries (tests pass one they drive). */
    ControllerChannel(QuorumVoters voters, Time time) {
        this.voters = voters;
        this.time = time;
        this.order = voters.list();
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(ASYNC_THREADS_MAX,
                ASYNC_THREADS_MAX, 30, TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(ASYNC_QUEUED_MAX), runnable -> {
                    Thread thread = new Thread(runnable, "controller-channel-call");
                    thread.setDaemon(true);
                    return thread;
                });
        // Idle threads end: a broker that forwards nothing keeps none.
        pool.allowCoreThreadTimeOut(true);
        this.asyncCalls = pool;
    }

    public QuorumVoters voters() {
        return voters;
    }

    /** The controller this channel believes active, if any. */
    public OptionalInt activeController() {
        int id = active.get();
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** A stub bound to one voter, for streams (FetchMetadata) and per-controller calls. */
    public ControllerServiceGrpc.ControllerServiceStub asyncStub(int nodeId) {
        return ControllerServiceGrpc.newStub(channel(nodeId));
    }

    public ControllerServiceGrpc.ControllerServiceBlockingStub blockingStub(int nodeId) {
        return ControllerServiceGrpc.newBlockingStub(channel(nodeId));
    }

    /** The voter after the one at {@code index}, cycling: how subscribers spread over controllers. */
    public QuorumVoters.Voter voterAt(int index) {
        return order.get(Math.floorMod(index, order.size()));
    }

    private ManagedChannel channel(int nodeId) {
        if (closed) {
            throw new ApiException(ErrorCode.NETWORK_EXCEPTION, "controller channel is closed");
        }
        return channels.computeIfAbsent(nodeId, id -> {
            QuorumVoters.Voter voter = voters.voter(id).orElseThrow(() ->
                    new IllegalArgumentException("node " + id + " is not a voter of " + voters));
            return NettyChannelBuilder.forAddress(voter.host(), voter.port())
                    .usePlaintext()
                    .maxInboundMessageSize(INBOUND_MESSAGE_BYTES_MAX)
                    .build();
        });
    }

    // ---- typed calls ----

    public ControllerCreateTopicsResponse createTopics(CreateTopicsRequest request, Duration timeout) {
        return call("CreateTopics", timeout, (stub) -> stub.createTopics(request));
    }

    /** Internal topics (names starting with "__") for a broker's own use; see ControllerService.CreateInternalTopics. */
    public ControllerCreateTopicsResponse createInternalTopics(CreateInternalTopicsRequest request, Duration timeout) {
        return call("CreateInternalTopics", timeout, (stub) -> stub.createInternalTopics(request));
    }

    public ControllerDeleteTopicsResponse deleteTopics(DeleteTopicsRequest request, Duration timeout) {
        return call("DeleteTopics", timeout, (stub) -> stub.deleteTopics(request));
    }

    public ControllerCreatePartitionsResponse createPartitions(CreatePartitionsRequest request, Duration timeout) {
        return call("CreatePartitions", timeout, (stub) -> stub.createPartitions(request));
    }

    public ControllerAlterConfigsResponse alterConfigs(AlterConfigsRequest request, Duration timeout) {
        return call("AlterConfigs", timeout, (stub) -> stub.alterConfigs(request));
    }

    public RegisterBrokerResponse registerBroker(RegisterBrokerRequest request, Duration timeout) {
        return call("RegisterBroker", timeout, (stub) -> stub.registerBroker(request));
    }

    public BrokerHeartbeatResponse brokerHeartbeat(BrokerHeartbeatRequest request, Duration timeout) {
        return call("BrokerHeartbeat", timeout, (stub) -> stub.brokerHeartbeat(request));
    }

    public ControllerElectLeadersResponse electLeaders(ElectLeadersRequest request, Duration timeout) {
        return call("ElectLeaders", timeout, (stub) -> stub.electLeaders(request));
    }

    public AlterPartitionResponse alterPartition(AlterPartitionRequest request, Duration timeout) {
        return call("AlterPartition", timeout, (stub) -> stub.alterPartition(request));
    }

    public AllocateProducerIdsResponse allocateProducerIds(AllocateProducerIdsRequest request, Duration timeout) {
        return call("AllocateProducerIds", timeout, (stub) -> stub.allocateProducerIds(request));
    }

    /**
     * DescribeQuorum of the active controller (only it knows the brokers' sessions). Any controller
     * answers it, so a follower's answer is followed to the leader it names; if the leader cannot be
     * reached, the follower's answer is returned.
     */
    public DescribeQuorumResponse describeQuorum(Duration timeout) {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        DescribeQuorumResponse answer = call("DescribeQuorum", timeout,
                (stub) -> stub.describeQuorum(DescribeQuorumRequest.getDefaultInstance()), false);
        int leader = answer.getLeaderId();
        if (leader < 0 || leader == answer.getNodeId() || voters.voter(leader).isEmpty()) {
            return answer;
        }
        try {
            DescribeQuorumResponse fromLeader = blockingStub(leader)
                    .withDeadlineAfter(Math.max(1, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS)
                    .describeQuorum(DescribeQuorumRequest.getDefaultInstance());
            active.set(leader);
            return fromLeader;
        } catch (StatusRuntimeException e) {
            LOG.debug("DescribeQuorum of the leader {} failed ({}); answering with controller {}'s view", leader,
                    e.getStatus(), answer.getNodeId());
            return answer;
        }
    }

    /** {@link #call} on a thread of this channel; the timeout counts from now, time spent waiting for a thread included. */
    public <T> CompletableFuture<T> callAsync(String apiName, Duration timeout,
                                              Function<ControllerServiceGrpc.ControllerServiceBlockingStub, T> rpc) {
        return onPool(apiName, timeout, remaining -> call(apiName, remaining, rpc));
    }

    /** {@link #describeQuorum} on a thread of this channel. */
    public CompletableFuture<DescribeQuorumResponse> describeQuorumAsync(Duration timeout) {
        return onPool("DescribeQuorum", timeout, this::describeQuorum);
    }

    private <T> CompletableFuture<T> onPool(String apiName, Duration timeout, Function<Duration, T> call) {
        long deadlineNs = time.nanoseconds() + timeout.toNanos();
        try {
            return CompletableFuture.supplyAsync(() -> {
                long remainingNs = deadlineNs - time.nanoseconds();
                if (remainingNs <= 0) {
                    throw notApplied(apiName + " waited its whole " + timeout.toMillis() + " ms for a free controller-call thread");
                }
                return call.apply(Duration.ofNanos(remainingNs));
            }, asyncCalls);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.failedFuture(closed ? new ApiException(ErrorCode.NETWORK_EXCEPTION, "controller channel is closed")
                    : notApplied(apiName + " found " + ASYNC_QUEUED_MAX + " calls to the controller already waiting"));
        }
    }

    private static ApiException notApplied(String message) {
        return new ApiException(ErrorCode.REQUEST_TIMED_OUT, message + "; it was not applied", null,
                Map.of(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_NOT_APPLIED));
    }

    /**
     * Calls {@code rpc} on the active controller, following NOT_CONTROLLER hints and retrying other
     * voters with backoff until {@code timeout}. Throws the controller's ApiException for a
     * non-retriable answer, REQUEST_TIMED_OUT naming the voters when no active controller answered.
     */
    public <T> T call(String apiName, Duration timeout,
                      Function<ControllerServiceGrpc.ControllerServiceBlockingStub, T> rpc) {
        return call(apiName, timeout, rpc, true);
    }

    /** {@code onlyActiveAnswers}: a success proves the target is the active controller (writes do). */
    private <T> T call(String apiName, Duration timeout,
                       Function<ControllerServiceGrpc.ControllerServiceBlockingStub, T> rpc, boolean onlyActiveAnswers) {
        long startNs = time.nanoseconds();
        long deadlineNs = startNs + timeout.toNanos();
        long backoffMs = BACKOFF_MS_INITIAL;
        ApiException last = null;
        int attempts = 0;
        boolean outcomeUnknown = false;
        while (!closed) {
            long remainingNs = deadlineNs - time.nanoseconds();
            if (remainingNs <= 0) {
                break;
            }
            int target = target();
            attempts++;
            try {
                T result = rpc.apply(blockingStub(target).withDeadlineAfter(remainingNs, TimeUnit.NANOSECONDS));
                if (onlyActiveAnswers) {
                    active.compareAndSet(-1, target);
                }
                return result;
            } catch (StatusRuntimeException e) {
                ApiException error = GrpcErrors.toApiException(e, apiName + " to controller " + target,
                        "the " + timeout.toMillis() + " ms the call was given");
                last = error;
                String outcome = error.metadata().get(GrpcErrors.OUTCOME_KEY);
                if (GrpcErrors.OUTCOME_UNKNOWN.equals(outcome)) {
                    throw error;
                }
                if (error.code() != ErrorCode.NOT_CONTROLLER && !GrpcErrors.OUTCOME_NOT_APPLIED.equals(outcome)) {
                    outcomeUnknown = true;
                }
                Optional<Integer> hint = leaderHint(e);
                if (error.code() == ErrorCode.NOT_CONTROLLER && hint.isPresent() && hint.get() != target) {
                    active.set(hint.get());
                    continue;
                }
                if (!retriable(error.code())) {
                    throw error;
                }
                LOG.debug("{} to controller {} failed ({}); retrying", apiName, target, error.toString());
                active.compareAndSet(target, -1);
                rotation.incrementAndGet();
            }
            long sleepMs = Math.min(backoffMs, TimeUnit.NANOSECONDS.toMillis(deadlineNs - time.nanoseconds()));
            if (sleepMs > 0) {
                try {
                    time.sleep(sleepMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ApiException(ErrorCode.REQUEST_TIMED_OUT, apiName + " was interrupted");
                }
            }
            backoffMs = Math.min(BACKOFF_MS_MAX, backoffMs * 2);
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(time.nanoseconds() - startNs);
        String outcome = outcomeUnknown ? GrpcErrors.OUTCOME_UNKNOWN : GrpcErrors.OUTCOME_NOT_APPLIED;
        throw new ApiException(ErrorCode.REQUEST_TIMED_OUT, "the metadata quorum is unavailable: no active "
                + "controller answered " + apiName + " within " + elapsedMs + " ms after " + attempts
                + " attempts (controller.quorum.voters=" + voters + ")"
                + (outcomeUnknown ? "; an attempt may still take effect (outcome unknown)" : "; it was not applied")
                + (last == null ? "" : "; last error: " + last), last, Map.of(GrpcErrors.OUTCOME_KEY, outcome));
    }

    private int target() {
        int id = active.get();
        return id >= 0 ? id : voterAt(rotation.get()).nodeId();
    }

    private static boolean retriable(ErrorCode code) {
        return code == ErrorCode.NOT_CONTROLLER || code == ErrorCode.NETWORK_EXCEPTION
                || code == ErrorCode.REQUEST_TIMED_OUT || Errors.isRetriable(code);
    }

    private Optional<Integer> leaderHint(Throwable t) {
        Optional<ErrorInfo> info = GrpcErrors.errorInfo(t);
        if (info.isEmpty()) {
            return Optional.empty();
        }
        String id = info.get().getMetadataMap().get(NotControllerException.LEADER_ID);
        if (id == null) {
            return Optional.empty();
        }
        try {
            int nodeId = Integer.parseInt(id);
            return voters.voter(nodeId).isPresent() ? Optional.of(nodeId) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        closed = true;
        asyncCalls.shutdownNow();
        for (ManagedChannel channel : channels.values()) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : channels.values()) {
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
