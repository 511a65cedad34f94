package io.runnel.client.internal;

import io.grpc.StatusRuntimeException;
import io.runnel.client.Node;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.Errors;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.Coordinator;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FindCoordinatorRequest;
import io.runnel.proto.GroupServiceGrpc;
import io.runnel.proto.OffsetCommitRequest;
import io.runnel.proto.OffsetCommitResponse;
import io.runnel.proto.OffsetCommitTopicResult;
import io.runnel.proto.OffsetFetchPartition;
import io.runnel.proto.OffsetFetchRequest;
import io.runnel.proto.OffsetFetchResponse;
import io.runnel.proto.OffsetFetchTopic;
import io.runnel.proto.PartitionResult;
import io.runnel.proto.TopicPartitions;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A consumer's way to its group's coordinator: finds it (FindCoordinator through any broker, cached until an
 * answer says it moved) and makes the offset calls there, retrying coordinator moves and network failures
 * every {@code retry.backoff.ms} until the caller's deadline. Thread-safe: the cached coordinator is volatile.
 */
public final class GroupCoordinatorClient {

    private final ChannelPool channels;
    private final ClusterMetadata metadata;
    private final String groupId;
    private final long retryBackoffMs;
    private final long requestTimeoutMs;
    private volatile Node coordinator;

    public GroupCoordinatorClient(ChannelPool channels, ClusterMetadata metadata, String groupId, long retryBackoffMs,
                                  long requestTimeoutMs) {
        this.channels = channels;
        this.metadata = metadata;
        this.groupId = groupId;
        this.retryBackoffMs = retryBackoffMs;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    public String groupId() {
        return groupId;
    }

    /** True for answers that mean "ask the coordinator again, maybe elsewhere". */
    public static boolean coordinatorMoved(ErrorCode code) {
        return code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE
                || code == ErrorCode.COORDINATOR_LOAD_IN_PROGRESS || code == ErrorCode.NETWORK_EXCEPTION
                || code == ErrorCode.REQUEST_TIMED_OUT || code == ErrorCode.BROKER_NOT_AVAILABLE;
    }

    /**
     * The group's coordinator, asking the cluster when it is not known.
     *
     * @throws ApiException INVALID_GROUP_ID, or REQUEST_TIMED_OUT naming the last answer when none was found in time
     */
    public Node coordinator(long deadlineMs) {
        Node known = coordinator;
        if (known != null) {
            return known;
        }
        FindCoordinatorRequest request = FindCoordinatorRequest.newBuilder().addGroupIds(groupId).build();
        String last = "no broker answered";
        while (true) {
            try {
                Coordinator answer = metadata.callAny((channel, timeoutMs) -> GroupServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).findCoordinator(request), deadlineMs, 1)
                        .getCoordinators(0);
                if (answer.getError() == ErrorCode.NONE) {
                    Node found = new Node(answer.getNodeId(), answer.getHost(), answer.getPort(), "");
                    coordinator = found;
                    return found;
                }
                if (!Errors.isRetriable(answer.getError())) {
                    throw ApiException.of(answer.getError(), answer.getErrorMessage());
                }
                last = answer.getError() + ": " + answer.getErrorMessage();
            } catch (ApiException e) {
                if (!coordinatorMoved(e.code()) && !e.isRetriable()) {
                    throw e;
                }
                last = e.getMessage();
            }
            long remainingMs = deadlineMs - System.currentTimeMillis();
            if (remainingMs <= 0) {
                throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "no coordinator of group '" + groupId
                        + "' was found in time; last answer: " + last);
            }
            sleep(Math.min(remainingMs, retryBackoffMs));
        }
    }

    /** Forgets the coordinator (it moved or did not answer) so the next call looks for it again. */
    public void invalidate() {
        coordinator = null;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for the group coordinator");
        }
    }

    /** One call to the coordinator, its failures as ApiException (moving on from a coordinator that failed). */
    private <T> T call(Function<GroupServiceGrpc.GroupServiceBlockingStub, T> rpc, long deadlineMs) {
        Node node = coordinator(deadlineMs);
        long timeoutMs = Math.max(1, Math.min(requestTimeoutMs, deadlineMs - System.currentTimeMillis()));
        try {
            return rpc.apply(GroupServiceGrpc.newBlockingStub(channels.channel(ClusterMetadata.address(node)))
                    .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            ApiException error = GrpcErrors.toApiException(e, "call to the coordinator of group '" + groupId
                    + "' (broker " + node.id() + " at " + node.host() + ":" + node.port() + ")", "request.timeout.ms");
            if (coordinatorMoved(error.code()) || error.isRetriable()) {
                invalidate();
            }
            throw error;
        }
    }

    /**
     * Calls the coordinator, retrying while it moves or does not answer (a failed call, or an answer whose
     * {@code answerError} says it moved) every retry.backoff.ms until the deadline; then REQUEST_TIMED_OUT.
     */
    public <T> T callRetrying(Function<GroupServiceGrpc.GroupServiceBlockingStub, T> rpc, Function<T, ErrorCode> answerError,
                              long deadlineMs) {
        return callRetrying(rpc, answerError, deadlineMs, "the coordinator of group '" + groupId + "' did not answer in time");
    }

    private <T> T callRetrying(Function<GroupServiceGrpc.GroupServiceBlockingStub, T> rpc, Function<T, ErrorCode> answerError,
                               long deadlineMs, String timedOut) {
        while (true) {
            ApiException failure;
            try {
                T answer = call(rpc, deadlineMs);
                ErrorCode code = answerError.apply(answer);
                if (!coordinatorMoved(code)) {
                    return answer;
                }
                invalidate();
                failure = ApiException.of(code, "the coordinator of group '" + groupId + "' answered " + code);
            } catch (ApiException e) {
                if (!coordinatorMoved(e.code()) && !e.isRetriable()) {
                    throw e;
                }
                failure = e;
            }
            long remainingMs = deadlineMs - System.currentTimeMillis();
            if (remainingMs <= 0) {
                throw ApiException.of(ErrorCode.REQUEST_TIMED_OUT, timedOut + "; last error: " + failure.getMessage(), failure);
            }
            sleep(Math.min(remainingMs, retryBackoffMs));
        }
    }

    /**
     * Commits, retrying while the coordinator moves or does not answer, until the deadline. Per-partition
     * errors other than a moved coordinator are returned in the response for the caller to judge.
     */
    public OffsetCommitResponse commit(OffsetCommitRequest request, long deadlineMs) {
        return callRetrying(stub -> stub.offsetCommit(request), GroupCoordinatorClient::firstMoved, deadlineMs,
                "committing offsets of group '" + groupId + "' did not complete in time");
    }

    /** The first per-partition error saying the coordinator moved, or NONE. */
    private static ErrorCode firstMoved(OffsetCommitResponse response) {
        for (OffsetCommitTopicResult topic : response.getTopicsList()) {
            for (PartitionResult partition : topic.getPartitionsList()) {
                if (coordinatorMoved(partition.getError())) {
                    return partition.getError();
                }
            }
        }
        return ErrorCode.NONE;
    }

    /**
     * The group's committed offsets of {@code partitions} (all of them when empty); absent partitions have
     * none. Retries coordinator moves until the deadline.
     */
    public Map<TopicPartition, OffsetFetchPartition> fetch(Collection<TopicPartition> partitions, long deadlineMs) {
        Map<String, TopicPartitions.Builder> topics = new TreeMap<>();
        for (TopicPartition tp : partitions) {
            topics.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t)).addPartitions(tp.partition());
        }
        OffsetFetchRequest.Builder request = OffsetFetchRequest.newBuilder().setGroupId(groupId);
        topics.values().forEach(request::addTopics);
        OffsetFetchRequest built = request.build();
        OffsetFetchResponse response = callRetrying(stub -> stub.offsetFetch(built), OffsetFetchResponse::getError,
                deadlineMs, "fetching committed offsets of group '" + groupId + "' did not complete in time");
        if (response.getError() != ErrorCode.NONE) {
            throw ApiException.of(response.getError(), response.getErrorMessage());
        }
        Map<TopicPartition, OffsetFetchPartition> result = new LinkedHashMap<>();
        for (OffsetFetchTopic topic : response.getTopicsList()) {
            for (OffsetFetchPartition p : topic.getPartitionsList()) {
                if (p.getCommittedOffset() >= 0) {
                    result.put(new TopicPartition(topic.getName(), p.getPartition()), p);
                }
            }
        }
        return result;
    }
}
