package io.runnel.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runnel.common.errors.Errors;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.MetadataRequest;
import io.runnel.proto.MetadataResponse;
import io.runnel.proto.MetadataServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listener that holds until ready, on a real gRPC server on loopback: calls that arrive early wait (and
 * count against queued.max.requests), are answered once the listener is ready, end at their own deadline,
 * or are answered BROKER_NOT_AVAILABLE if the listener closes first. Health says NOT_SERVING until ready.
 */
class ListenerServerTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    /** Stands in for a broker service: answers every metadata request with cluster id "answered". */
    private static final class AnsweringService extends MetadataServiceGrpc.MetadataServiceImplBase {
        @Override
        public void getMetadata(MetadataRequest request, StreamObserver<MetadataResponse> observer) {
            observer.onNext(MetadataResponse.newBuilder().setClusterId("answered").build());
            observer.onCompleted();
        }
    }

    private ListenerServer server;
    private ManagedChannel channel;

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    private void startHolding(int maxInFlight) throws Exception {
        server = ListenerServer.holdingUntilReady(new Listener("PLAINTEXT", "127.0.0.1", 0), List.of(new AnsweringService()),
                maxInFlight, 1 << 20, new RequestMetrics(new SimpleMeterRegistry()), "broker 7").start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    private ListenableFuture<MetadataResponse> metadata(long deadlineMs) {
        return MetadataServiceGrpc.newFutureStub(channel).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                .getMetadata(MetadataRequest.getDefaultInstance());
    }

    private ServingStatus health() {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    private static StatusRuntimeException failure(ListenableFuture<?> call) throws InterruptedException {
        try {
            call.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
            throw new AssertionError("the call succeeded");
        } catch (ExecutionException e) {
            return (StatusRuntimeException) e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the call was not answered", e);
        }
    }

    @Test
    void aCallThatArrivesBeforeTheListenerIsReadyIsAnsweredOnceItIs() throws Exception {
        startHolding(10);
        assertThat(health()).isEqualTo(ServingStatus.NOT_SERVING);
        ListenableFuture<MetadataResponse> early = metadata(30_000);
        await().atMost(AWAIT).until(() -> server.heldCalls() == 1);
        assertThat(early.isDone()).as("held, not answered").isFalse();

        server.markReady();

        assertThat(early.get(AWAIT.toSeconds(), TimeUnit.SECONDS).getClusterId()).isEqualTo("answered");
        assertThat(server.heldCalls()).isZero();
        assertThat(health()).isEqualTo(ServingStatus.SERVING);
        assertThat(metadata(30_000).get(AWAIT.toSeconds(), TimeUnit.SECONDS).getClusterId()).isEqualTo("answered");
    }

    @Test
    void aHeldCallEndsAtItsOwnDeadlineAndIsForgotten() throws Exception {
        startHolding(10);
        ListenableFuture<MetadataResponse> early = metadata(200);
        assertThat(failure(early).getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        await().atMost(AWAIT).until(() -> server.heldCalls() == 0);
    }

    @Test
    void heldCallsAreAnsweredBrokerNotAvailableWhenTheListenerClosesFirst() throws Exception {
        startHolding(10);
        ListenableFuture<MetadataResponse> early = metadata(30_000);
        await().atMost(AWAIT).until(() -> server.heldCalls() == 1);

        server.close();

        StatusRuntimeException error = failure(early);
        assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(GrpcErrors.errorInfo(error).orElseThrow().getReason()).isEqualTo("BROKER_NOT_AVAILABLE");
        assertThat(Errors.isRetriable(ErrorCode.BROKER_NOT_AVAILABLE)).as("nothing was applied: clients send again").isTrue();
        assertThat(error.getStatus().getDescription()).contains("broker 7").contains("stopped before it was ready");
        server = null;
    }

    @Test
    void heldCallsCountAgainstTheListenersRequestBound() throws Exception {
        startHolding(1);
        ListenableFuture<MetadataResponse> first = metadata(30_000);
        await().atMost(AWAIT).until(() -> server.heldCalls() == 1);

        assertThatThrownBy(() -> metadata(30_000).get(AWAIT.toSeconds(), TimeUnit.SECONDS))
                .hasCauseInstanceOf(StatusRuntimeException.class).hasMessageContaining("RESOURCE_EXHAUSTED")
                .satisfies(e -> {
                    // An overload refusal is retriable and says nothing was applied, unlike gRPC's size limit.
                    assertThat(GrpcErrors.errorCode(e.getCause())).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
                    assertThat(Errors.isRetriable(GrpcErrors.errorCode(e.getCause()))).isTrue();
                    assertThat(GrpcErrors.errorInfo(e.getCause()).orElseThrow().getMetadataMap())
                            .containsEntry(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_NOT_APPLIED);
                });

        server.markReady();
        assertThat(first.get(AWAIT.toSeconds(), TimeUnit.SECONDS).getClusterId()).isEqualTo("answered");
    }
}
