package io.runnel.common.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.proto.ErrorCode;
import java.net.ConnectException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Failures become ApiExceptions worded for users: the server's message, or the call and condition in Runnel's terms. */
class GrpcErrorsTest {

    /** What gRPC's client says when a deadline passes: true, and of no use to a user. */
    private static final String GRPC_DEADLINE_TEXT = "CallOptions deadline exceeded after 29.999894003s. Name resolution delay "
            + "0.000000000 seconds. [closed=[], open=[[remote_addr=127.0.0.1/127.0.0.1:19093]]]";

    @Test
    void aDeadlineThatPassedNamesTheCallAndTheSettingNotGrpcsArithmetic() {
        StatusRuntimeException failure = Status.DEADLINE_EXCEEDED.withDescription(GRPC_DEADLINE_TEXT).asRuntimeException();

        ApiException error = GrpcErrors.toApiException(failure, "produce request to broker 101 at 127.0.0.1:19093",
                "request.timeout.ms (30000 ms)");

        assertThat(error.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
        assertThat(error.getMessage()).isEqualTo(
                "produce request to broker 101 at 127.0.0.1:19093: no answer within request.timeout.ms (30000 ms)");
        assertThat(error.getCause()).as("the transport detail, for --verbose").isSameAs(failure);
        assertThat(error.getCause().getMessage()).contains("CallOptions");
    }

    @Test
    void aRefusedConnectionSaysSo() {
        StatusRuntimeException failure = Status.UNAVAILABLE.withDescription("io exception")
                .withCause(new ConnectException("Connection refused: /127.0.0.1:1")).asRuntimeException();

        ApiException error = GrpcErrors.toApiException(failure, "request to broker 127.0.0.1:1", "default.api.timeout.ms (60000 ms)");

        assertThat(error.code()).isEqualTo(ErrorCode.NETWORK_EXCEPTION);
        assertThat(error.getMessage()).isEqualTo("request to broker 127.0.0.1:1: connection refused");
        assertThat(GrpcErrors.toApiException(Status.UNAVAILABLE.withDescription("Network closed for unknown reason")
                .asRuntimeException(), "fetch from broker 2 at h:9092", "x").getMessage())
                .isEqualTo("fetch from broker 2 at h:9092: cannot connect, or the connection was lost");
    }

    @Test
    void aServersAnswerKeepsTheServersMessage() {
        StatusRuntimeException answered = GrpcErrors.toStatus(ErrorCode.NOT_CONTROLLER, "controller 2 is not active", Map.of());
        ApiException error = GrpcErrors.toApiException(answered, "CreateTopics", "request.timeout.ms (30000 ms)");
        assertThat(error.code()).isEqualTo(ErrorCode.NOT_CONTROLLER);
        assertThat(error.getMessage()).isEqualTo("controller 2 is not active");

        // A Runnel server's own status without ErrorInfo (overload) keeps its description too.
        StatusRuntimeException overloaded = Status.RESOURCE_EXHAUSTED
                .withDescription("broker 1 has 500 requests in flight (queued.max.requests)").asRuntimeException();
        assertThat(GrpcErrors.toApiException(overloaded, "produce request", "x").getMessage())
                .isEqualTo("broker 1 has 500 requests in flight (queued.max.requests)");
    }

    @Test
    void aWholeCallFailureCarriesItsCodeInThePlainTrailerAndInDetailsThatErrorsProtoDecodes() throws Exception {
        StatusRuntimeException e = GrpcErrors.toStatus(ErrorCode.NOT_CONTROLLER, "ask controller 2", Map.of("leader_id", "2"));
        assertThat(e.getTrailers().get(GrpcErrors.ERROR_CODE_KEY)).isEqualTo("NOT_CONTROLLER");

        byte[] details = e.getTrailers().get(io.grpc.Metadata.Key.of("grpc-status-details-bin", io.grpc.Metadata.BINARY_BYTE_MARSHALLER));
        io.runnel.proto.RpcStatus ours = io.runnel.proto.RpcStatus.parseFrom(details);
        assertThat(ours.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION.value());
        assertThat(ours.getMessage()).isEqualTo("ask controller 2");
        io.runnel.proto.RpcErrorInfo info = io.runnel.proto.RpcErrorInfo.parseFrom(ours.getDetails(0).getValue());
        assertThat(info.getReason()).isEqualTo("NOT_CONTROLLER");
        assertThat(info.getDomain()).isEqualTo(GrpcErrors.DOMAIN);
        assertThat(info.getMetadataMap()).containsEntry("leader_id", "2");

        // Wire-identical both ways: Google's messages read what ours write.
        com.google.rpc.Status google = com.google.rpc.Status.parseFrom(ours.toByteArray());
        assertThat(google.getDetails(0).unpack(com.google.rpc.ErrorInfo.class).getMetadataMap()).containsEntry("leader_id", "2");
        assertThat(io.runnel.proto.RpcErrorInfo.parseFrom(google.getDetails(0).getValue().toByteArray())).isEqualTo(info);
    }

    @Test
    void onlyAnUnexpectedServerFailureIsInternalAndEveryRetriableCodeIsAnAvailabilityOrOrderingStatus() {
        for (ErrorCode code : ErrorCode.values()) {
            if (code == ErrorCode.UNRECOGNIZED || code == ErrorCode.NONE) {
                continue;
            }
            Status.Code status = GrpcErrors.grpcCodeFor(code);
            if (code == ErrorCode.UNKNOWN_SERVER_ERROR) {
                assertThat(status).isEqualTo(Status.Code.INTERNAL);
            } else {
                assertThat(status).as(code.name()).isNotEqualTo(Status.Code.INTERNAL).isNotEqualTo(Status.Code.UNKNOWN);
            }
            if (Errors.isRetriable(code)) {
                // A client reading only the gRPC status must not be told to give up on a retriable condition.
                assertThat(status).as(code.name()).isIn(Status.Code.UNAVAILABLE, Status.Code.FAILED_PRECONDITION,
                        Status.Code.DEADLINE_EXCEEDED, Status.Code.NOT_FOUND, Status.Code.INVALID_ARGUMENT);
            }
        }
    }
}
