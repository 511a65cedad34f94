package io.runnel.rpc;

import io.grpc.stub.StreamObserver;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.ErrorCode;
import java.util.OptionalInt;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small helpers shared by the gRPC services: epochs, whole-call failures. */
final class Requests {

    private static final Logger log = LoggerFactory.getLogger(Requests.class);

    private Requests() {
    }

    /** A request's optional leader epoch; absent or -1 means "not checked". */
    static OptionalInt epoch(boolean present, int value) {
        return present && value >= 0 ? OptionalInt.of(value) : OptionalInt.empty();
    }

    /** The topic-partition a request names; UNKNOWN_TOPIC_OR_PARTITION for a negative partition number. */
    static io.runnel.common.TopicPartition topicPartition(String topic, int partition) {
        if (partition < 0) {
            throw new ApiException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + partition + " of '" + topic
                    + "' does not exist: partitions are numbered from 0");
        }
        return new io.runnel.common.TopicPartition(topic, partition);
    }

    /** Fails the call with a gRPC status carrying the Kafka error code (ErrorInfo), never a bare stack trace. */
    static void fail(StreamObserver<?> observer, Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof java.util.concurrent.TimeoutException) {
            observer.onError(GrpcErrors.toStatus(ErrorCode.REQUEST_TIMED_OUT,
                    "the request did not complete within its timeout", java.util.Map.of()));
        } else if (cause instanceof ApiException api) {
            observer.onError(GrpcErrors.toStatus(api));
        } else if (cause instanceof io.grpc.StatusRuntimeException status) {
            observer.onError(status);
        } else {
            log.error("Unexpected error serving a request", cause);
            observer.onError(GrpcErrors.toStatus(ErrorCode.UNKNOWN_SERVER_ERROR, "unexpected server error: " + cause, java.util.Map.of()));
        }
    }

    static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
