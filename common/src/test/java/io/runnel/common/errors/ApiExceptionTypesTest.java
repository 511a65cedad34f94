package io.runnel.common.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.runnel.common.config.ConfigException;
import io.runnel.proto.ErrorCode;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** ApiException.of gives each code its catchable type; every type carries its code. */
class ApiExceptionTypesTest {

    @Test
    void commonCodesHaveTheirOwnTypes() {
        assertThat(ApiException.of(ErrorCode.TOPIC_ALREADY_EXISTS, "m")).isExactlyInstanceOf(TopicExistsException.class);
        assertThat(ApiException.of(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "m"))
                .isExactlyInstanceOf(UnknownTopicOrPartitionException.class);
        assertThat(ApiException.of(ErrorCode.RECORD_TOO_LARGE, "m")).isExactlyInstanceOf(RecordTooLargeException.class);
        assertThat(ApiException.of(ErrorCode.RECORD_LIST_TOO_LARGE, "m"))
                .isExactlyInstanceOf(RecordBatchTooLargeException.class);
        assertThat(ApiException.of(ErrorCode.NOT_ENOUGH_REPLICAS, "m"))
                .isExactlyInstanceOf(NotEnoughReplicasException.class);
        assertThat(ApiException.of(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, "m"))
                .isExactlyInstanceOf(NotEnoughReplicasAfterAppendException.class);
        assertThat(ApiException.of(ErrorCode.REQUEST_TIMED_OUT, "m")).isExactlyInstanceOf(TimeoutException.class);
        assertThat(ApiException.of(ErrorCode.NOT_LEADER_OR_FOLLOWER, "m"))
                .isExactlyInstanceOf(NotLeaderOrFollowerException.class);
        assertThat(ApiException.of(ErrorCode.NETWORK_EXCEPTION, "m")).isExactlyInstanceOf(NetworkException.class);
        assertThat(ApiException.of(ErrorCode.CORRUPT_MESSAGE, "m")).isExactlyInstanceOf(CorruptRecordException.class);
        assertThat(ApiException.of(ErrorCode.INVALID_TOPIC_EXCEPTION, "m")).isExactlyInstanceOf(InvalidTopicException.class);
        assertThat(ApiException.of(ErrorCode.INVALID_CONFIG, "m")).isExactlyInstanceOf(ConfigException.class);
        assertThat(ApiException.of(ErrorCode.GROUP_AUTHORIZATION_FAILED, "m"))
                .isExactlyInstanceOf(AuthorizationException.class);
        assertThat(ApiException.of(ErrorCode.LEADER_NOT_AVAILABLE, "m")).isExactlyInstanceOf(RetriableException.class);
        assertThat(ApiException.of(ErrorCode.POLICY_VIOLATION, "m")).isExactlyInstanceOf(ApiException.class);
    }

    /** A program may rely on: catch RetriableException == the catalogue says retriable; the code survives. */
    @ParameterizedTest
    @EnumSource(value = ErrorCode.class, names = "UNRECOGNIZED", mode = EnumSource.Mode.EXCLUDE)
    void everyCodeKeepsItsCodeMessageCauseAndRetriability(ErrorCode code) {
        Throwable cause = new IllegalStateException("cause");
        ApiException e = ApiException.of(code, "what went wrong", cause, Map.of("k", "v"));
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.getMessage()).isEqualTo("what went wrong");
        assertThat(e.getCause()).isSameAs(cause);
        assertThat(e.metadata()).containsEntry("k", "v");
        assertThat(e instanceof RetriableException).as("%s retriable", code).isEqualTo(Errors.isRetriable(code));
        assertThat(e.isRetriable()).isEqualTo(Errors.isRetriable(code));
    }

    @Test
    void typesRefuseCodesThatAreNotTheirs() {
        assertThatThrownBy(() -> new RetriableException(ErrorCode.TOPIC_ALREADY_EXISTS, "m", null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TOPIC_ALREADY_EXISTS");
        assertThatThrownBy(() -> new AuthorizationException(ErrorCode.INVALID_CONFIG, "m", null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aServerStatusBecomesTheCodesType() {
        ApiException sent = new ApiException(ErrorCode.TOPIC_ALREADY_EXISTS, "topic 'orders' already exists");
        ApiException received = GrpcErrors.toApiException(GrpcErrors.toStatus(sent));
        assertThat(received).isInstanceOf(TopicExistsException.class).hasMessage("topic 'orders' already exists");
        ApiException lost = GrpcErrors.toApiException(Status.DEADLINE_EXCEEDED.asRuntimeException(), "produce request",
                "request.timeout.ms (30000 ms)");
        assertThat(lost).isInstanceOf(TimeoutException.class).hasMessage("produce request: no answer within"
                + " request.timeout.ms (30000 ms)");
    }
}
