package io.runnel.rpc;

import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.ErrorCode;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * How a broker forwards a metadata write to the controller and answers once its own image includes it,
 * with timeouts that never overflow and never report a write as failed without saying what became of it.
 *
 * <p>Timeouts: a request's {@code timeout_ms} is clamped by {@link #clampTimeoutMs} to
 * [1, {@code request.timeout.ms}] (0 or less means {@code request.timeout.ms}) before any arithmetic, so
 * {@code Integer.MAX_VALUE} is a long wait, not a negative one. The controller gets that timeout; the
 * broker waits {@value #APPLY_MARGIN_MS} ms longer for its image to apply the result.
 *
 * <p>When the wait runs out, REQUEST_TIMED_OUT carries {@link GrpcErrors#OUTCOME_KEY}: {@code unknown}
 * while the controller had not answered (the write may still commit), {@code committed} when it had
 * answered and only this broker's image lagged. Failures the controller answered pass on unchanged. Stateless.
 */
final class ControllerWrites {

    /** Extra time, beyond the request's timeout, for this broker to apply the controller's result. */
    static final long APPLY_MARGIN_MS = 5_000;

    private ControllerWrites() {
    }

    /** A request's {@code timeout_ms} bounded to [1, requestTimeoutMs]; 0 or less asks for requestTimeoutMs. */
    static int clampTimeoutMs(int requestedMs, int requestTimeoutMs) {
        return requestedMs <= 0 ? requestTimeoutMs : Math.min(requestedMs, requestTimeoutMs);
    }

    /**
     * Completes with the controller's answer once this broker's image includes {@code offset.apply(answer)},
     * or fails as the class comment says after {@code timeoutMs} + {@value #APPLY_MARGIN_MS} ms.
     */
    static <R> CompletableFuture<R> awaitApplied(String apiName, CompletableFuture<R> call, ToLongFunction<R> offset,
                                                 BrokerMetadata metadata, int timeoutMs) {
        return awaitApplied(apiName, call, offset, metadata, (long) timeoutMs + APPLY_MARGIN_MS);
    }

    /** {@link #awaitApplied(String, CompletableFuture, ToLongFunction, BrokerMetadata, int)} waiting {@code waitMs} in all. */
    static <R> CompletableFuture<R> awaitApplied(String apiName, CompletableFuture<R> call, ToLongFunction<R> offset,
                                                 BrokerMetadata metadata, long waitMs) {
        AtomicLong committedAt = new AtomicLong(-1);
        CompletableFuture<R> result = new CompletableFuture<>();
        call.thenCompose(answer -> {
            long at = offset.applyAsLong(answer);
            committedAt.set(at);
            return metadata.awaitOffset(at).thenApply(image -> answer);
        }).orTimeout(waitMs, TimeUnit.MILLISECONDS).whenComplete((answer, failure) -> {
            if (failure == null) {
                result.complete(answer);
            } else if (Requests.unwrap(failure) instanceof TimeoutException) {
                result.completeExceptionally(timedOut(apiName, waitMs, committedAt.get()));
            } else {
                result.completeExceptionally(failure);
            }
        });
        return result;
    }

    private static ApiException timedOut(String apiName, long waitMs, long committedAt) {
        if (committedAt < 0) {
            return new ApiException(ErrorCode.REQUEST_TIMED_OUT, apiName + " got no answer from the controller within "
                    + waitMs + " ms; it may still take effect (outcome unknown): describe the resource to learn",
                    null, Map.of(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_UNKNOWN));
        }
        return new ApiException(ErrorCode.REQUEST_TIMED_OUT, apiName + " was committed at metadata offset " + committedAt
                + ", but this broker had not applied it within " + waitMs + " ms; it takes effect once applied",
                null, Map.of(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_COMMITTED));
    }
}
