package io.runnel.common.errors;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.runnel.proto.ErrorCode;
import java.util.Map;
import java.util.Optional;

/**
 * The one mapping between whole-call failures and gRPC status. A failed call carries a
 * {@code google.rpc.Status} whose {@link ErrorInfo} has {@code reason} = the {@link ErrorCode} name and
 * {@code domain} = {@value #DOMAIN}, plus key/value metadata (for NOT_CONTROLLER: leader_id,
 * leader_host, leader_port), so clients never parse message text. The code's name also travels as the
 * plain trailer {@value #ERROR_CODE_TRAILER} for clients that decode no protobuf details. proto/errors.proto
 * declares both messages for clients without Google's protos; docs/errors.md is the catalogue. Stateless and
 * thread-safe.
 */
public final class GrpcErrors {

    public static final String DOMAIN = "runnel.io";

    /**
     * Characters of a status message at most. The message travels in the call's trailers twice (grpc-message
     * and the google.rpc.Status details), and a gRPC client accepts 8 KiB of trailers by default, so an error
     * that quotes a 10,000-character client string must be cut rather than lose the whole answer.
     */
    public static final int STATUS_MESSAGE_CHARS_MAX = 1_000;

    /**
     * ErrorInfo metadata key on REQUEST_TIMED_OUT answers to writes: whether the write took effect, so a
     * client knows whether to retry, to look, or that nothing happened. Values: {@link #OUTCOME_NOT_APPLIED},
     * {@link #OUTCOME_UNKNOWN}, {@link #OUTCOME_COMMITTED}.
     */
    public static final String OUTCOME_KEY = "outcome";
    /** The write was not applied and will not be: it timed out before it was decided. */
    public static final String OUTCOME_NOT_APPLIED = "not_applied";
    /** The write may or may not take effect: it timed out after it was sent to (or submitted by) the controller. */
    public static final String OUTCOME_UNKNOWN = "unknown";
    /** The write was committed, but the answering broker had not applied it yet when its wait ran out. */
    public static final String OUTCOME_COMMITTED = "committed";

    private GrpcErrors() {
    }

    /**
     * A status exception for {@code code}, with {@code message} for humans and {@code metadata} for programs.
     * The message is made printable ASCII (other characters named {@code <U+XXXX>}) and cut to
     * {@value #STATUS_MESSAGE_CHARS_MAX} characters by {@link ErrorText#printable}.
     */
    public static StatusRuntimeException toStatus(ErrorCode code, String message, Map<String, String> metadata) {
        return toStatus(code, grpcCodeFor(code), message, metadata);
    }

    /**
     * A refusal because the server is overloaded (a listener's {@code queued.max.requests}, a controller's
     * stream slots): gRPC status RESOURCE_EXHAUSTED, as gRPC-native tooling expects, with an ErrorInfo of
     * REQUEST_TIMED_OUT and {@code outcome=not_applied} so every client knows it may retry. A RESOURCE_EXHAUSTED
     * without ErrorInfo is gRPC's own message-size limit, which a retry cannot cure.
     */
    public static StatusRuntimeException overloaded(String message) {
        return toStatus(ErrorCode.REQUEST_TIMED_OUT, Status.Code.RESOURCE_EXHAUSTED, message,
                Map.of(OUTCOME_KEY, OUTCOME_NOT_APPLIED));
    }

    private static StatusRuntimeException toStatus(ErrorCode code, Status.Code grpcCode, String message,
                                                   Map<String, String> metadata) {
        ErrorInfo info = ErrorInfo.newBuilder()
                .setReason(code.name())
                .setDomain(DOMAIN)
                .putAllMetadata(metadata)
                .build();
        com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
                .setCode(grpcCode.value())
                .setMessage(message == null ? code.name() : ErrorText.printable(message, STATUS_MESSAGE_CHARS_MAX))
                .addDetails(Any.pack(info))
                .build();
        Metadata trailers = new Metadata();
        trailers.put(ERROR_CODE_KEY, code.name());
        return StatusProto.toStatusRuntimeException(status, trailers);
    }

    public static StatusRuntimeException toStatus(ApiException e) {
        return toStatus(e.code(), e.getMessage(), e.metadata());
    }

    /** The ErrorInfo a Runnel server attached to {@code t}, if {@code t} is such a failure. */
    public static Optional<ErrorInfo> errorInfo(Throwable t) {
        com.google.rpc.Status status = StatusProto.fromThrowable(t);
        if (status == null) {
            return Optional.empty();
        }
        for (Any detail : status.getDetailsList()) {
            if (detail.is(ErrorInfo.class)) {
                try {
                    ErrorInfo info = detail.unpack(ErrorInfo.class);
                    if (DOMAIN.equals(info.getDomain())) {
                        return Optional.of(info);
                    }
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** The Kafka error a failed call stands for: from its ErrorInfo, else from its gRPC status code. */
    public static ErrorCode errorCode(Throwable t) {
        Optional<ErrorInfo> info = errorInfo(t);
        if (info.isPresent()) {
            try {
                return ErrorCode.valueOf(info.get().getReason());
            } catch (IllegalArgumentException unknownName) {
                return ErrorCode.UNKNOWN_SERVER_ERROR;
            }
        }
        Status status = Status.fromThrowable(t);
        return switch (status.getCode()) {
            case DEADLINE_EXCEEDED -> ErrorCode.REQUEST_TIMED_OUT;
            case UNAVAILABLE, CANCELLED -> ErrorCode.NETWORK_EXCEPTION;
            case INVALID_ARGUMENT -> ErrorCode.INVALID_REQUEST;
            case RESOURCE_EXHAUSTED -> ErrorCode.RECORD_LIST_TOO_LARGE;
            case UNIMPLEMENTED -> ErrorCode.UNSUPPORTED_VERSION;
            default -> ErrorCode.UNKNOWN_SERVER_ERROR;
        };
    }

    /** {@link #toApiException(Throwable, String, String)} for a call its caller does not name. */
    public static ApiException toApiException(Throwable t) {
        return toApiException(t, "the call", "its deadline");
    }

    /**
     * The failure as an ApiException worded for a user. When a server answered (a Runnel server's status,
     * with its ErrorInfo or its own description) the message is the server's. When nothing answered, the
     * message names the call in Runnel's terms ({@code what}: "produce request to broker 101 at
     * 127.0.0.1:9092") and the condition: no answer within {@code deadline} (the setting that ran out,
     * "request.timeout.ms (30000 ms)"), connection refused, connection lost. gRPC's own description of a
     * transport failure (deadline arithmetic, name resolution delays, socket lists) is not for users: it
     * stays in the cause, which {@code --verbose} prints.
     */
    public static ApiException toApiException(Throwable t, String what, String deadline) {
        if (t instanceof ApiException api) {
            return api;
        }
        ErrorCode code = errorCode(t);
        Status status = Status.fromThrowable(t);
        if (errorInfo(t).isEmpty() && isTransportFailure(status.getCode())) {
            return ApiException.of(code, what + ": " + transportCondition(status, deadline), t);
        }
        String message = status.getDescription() != null ? status.getDescription() : String.valueOf(t.getMessage());
        Map<String, String> metadata = errorInfo(t).map(ErrorInfo::getMetadataMap).orElse(Map.of());
        return ApiException.of(code, message, t, metadata);
    }

    /** The {@link #OUTCOME_KEY} a failed write carries, if any. */
    public static Optional<String> outcome(Throwable t) {
        if (t instanceof ApiException api) {
            return Optional.ofNullable(api.metadata().get(OUTCOME_KEY));
        }
        return errorInfo(t).map(info -> info.getMetadataMap().get(OUTCOME_KEY));
    }

    /** Codes gRPC's client produces itself when no server answered (Runnel's servers attach ErrorInfo to theirs). */
    private static boolean isTransportFailure(Status.Code code) {
        return switch (code) {
            case DEADLINE_EXCEEDED, UNAVAILABLE, CANCELLED, UNKNOWN, INTERNAL -> true;
            default -> false;
        };
    }

    private static String transportCondition(Status status, String deadline) {
        return switch (status.getCode()) {
            case DEADLINE_EXCEEDED -> "no answer within " + deadline;
            case UNAVAILABLE -> status.getCause() instanceof java.net.ConnectException ? "connection refused"
                    : status.getCause() instanceof java.net.UnknownHostException ? "unknown host"
                    : "cannot connect, or the connection was lost";
            case CANCELLED -> "cancelled before an answer came";
            default -> "no answer Runnel understands (gRPC status " + status.getCode() + ")";
        };
    }

    static Status.Code grpcCodeFor(ErrorCode code) {
        // The gRPC status only matters to clients that read no ErrorInfo: it says who should act. INTERNAL is
        // kept for a failure the server did not expect; every Kafka code names a condition, so none maps to it.
        return switch (code) {
            case NONE -> Status.Code.OK;
            case UNKNOWN_SERVER_ERROR -> Status.Code.INTERNAL;
            case REQUEST_TIMED_OUT -> Status.Code.DEADLINE_EXCEEDED;
            case OFFSET_OUT_OF_RANGE -> Status.Code.OUT_OF_RANGE;
            case INVALID_REQUEST, INVALID_CONFIG, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS,
                 INVALID_REPLICATION_FACTOR, INVALID_REPLICA_ASSIGNMENT, INVALID_REQUIRED_ACKS,
                 CORRUPT_MESSAGE, INVALID_RECORD, RECORD_LIST_TOO_LARGE, RECORD_TOO_LARGE,
                 INCONSISTENT_CLUSTER_ID, INVALID_REGISTRATION, INVALID_FETCH_SIZE, OFFSET_METADATA_TOO_LARGE,
                 INCONSISTENT_GROUP_PROTOCOL, INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, INVALID_COMMIT_OFFSET_SIZE,
                 INVALID_TIMESTAMP, UNSUPPORTED_FOR_MESSAGE_FORMAT, POLICY_VIOLATION, INVALID_TRANSACTION_TIMEOUT,
                 UNSUPPORTED_COMPRESSION_TYPE, UNSUPPORTED_ASSIGNOR -> Status.Code.INVALID_ARGUMENT;
            case TOPIC_ALREADY_EXISTS, DUPLICATE_BROKER_REGISTRATION, DUPLICATE_SEQUENCE_NUMBER,
                 UNRELEASED_INSTANCE_ID -> Status.Code.ALREADY_EXISTS;
            case UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, GROUP_ID_NOT_FOUND, RESOURCE_NOT_FOUND,
                 BROKER_ID_NOT_REGISTERED, LOG_DIR_NOT_FOUND, TRANSACTIONAL_ID_NOT_FOUND -> Status.Code.NOT_FOUND;
            case NOT_CONTROLLER, NOT_LEADER_OR_FOLLOWER, NOT_COORDINATOR, STALE_BROKER_EPOCH,
                 FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, INVALID_UPDATE_VERSION, STALE_CONTROLLER_EPOCH,
                 ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, MEMBER_ID_REQUIRED, FENCED_INSTANCE_ID,
                 FENCED_MEMBER_EPOCH, STALE_MEMBER_EPOCH, NON_EMPTY_GROUP, GROUP_SUBSCRIBED_TO_TOPIC,
                 OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID, INVALID_TXN_STATE,
                 INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, TRANSACTION_COORDINATOR_FENCED, TRANSACTION_ABORTABLE,
                 OPERATION_NOT_ATTEMPTED, REASSIGNMENT_IN_PROGRESS, NO_REASSIGNMENT_IN_PROGRESS, ELECTION_NOT_NEEDED,
                 TOPIC_DELETION_DISABLED, INCONSISTENT_TOPIC_ID, INCONSISTENT_VOTER_SET, INELIGIBLE_REPLICA,
                 NEW_LEADER_ELECTED, GROUP_MAX_SIZE_REACHED -> Status.Code.FAILED_PRECONDITION;
            case LEADER_NOT_AVAILABLE, BROKER_NOT_AVAILABLE, COORDINATOR_NOT_AVAILABLE,
                 COORDINATOR_LOAD_IN_PROGRESS, NOT_ENOUGH_REPLICAS, NETWORK_EXCEPTION, REPLICA_NOT_AVAILABLE,
                 NOT_ENOUGH_REPLICAS_AFTER_APPEND, CONCURRENT_TRANSACTIONS, KAFKA_STORAGE_ERROR, OFFSET_NOT_AVAILABLE,
                 PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, UNSTABLE_OFFSET_COMMIT
                    -> Status.Code.UNAVAILABLE;
            case UNSUPPORTED_VERSION -> Status.Code.UNIMPLEMENTED;
            case TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED ->
                    Status.Code.PERMISSION_DENIED;
            default -> Status.Code.INTERNAL;
        };
    }

    /** Name of the trailer holding the ErrorCode name of every whole-call failure {@link #toStatus} builds. */
    public static final String ERROR_CODE_TRAILER = "runnel-error-code";

    /**
     * The trailer every whole-call failure built by {@link #toStatus} carries: the {@link ErrorCode} name, for
     * clients without ErrorInfo support. Calls refused before Runnel code runs (overload, size) do not have it.
     */
    public static final Metadata.Key<String> ERROR_CODE_KEY =
            Metadata.Key.of(ERROR_CODE_TRAILER, Metadata.ASCII_STRING_MARSHALLER);
}
