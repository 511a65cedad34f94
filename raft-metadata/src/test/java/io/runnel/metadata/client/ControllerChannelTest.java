package io.runnel.metadata.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.time.MockTime;
import io.runnel.metadata.server.NotControllerException;
import io.runnel.metadata.server.QuorumVoters;
import io.runnel.proto.ControllerCreateTopicsResponse;
import io.runnel.proto.ControllerServiceGrpc;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.ErrorCode;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ControllerChannel against scripted controllers on loopback: hints, retries, the quorum-unavailable error. */
class ControllerChannelTest {

    private final List<Server> servers = new ArrayList<>();
    private final List<ControllerChannel> channels = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        channels.forEach(ControllerChannel::close);
        for (Server server : servers) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A controller that answers CreateTopics with {@code answer}, counting calls. */
    private static final class Scripted extends ControllerServiceGrpc.ControllerServiceImplBase {
        final AtomicInteger calls = new AtomicInteger();
        volatile java.util.function.Consumer<StreamObserver<ControllerCreateTopicsResponse>> answer;

        @Override
        public void createTopics(CreateTopicsRequest request, StreamObserver<ControllerCreateTopicsResponse> observer) {
            calls.incrementAndGet();
            answer.accept(observer);
        }
    }

    private int serve(Scripted service) throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
                .build().start();
        servers.add(server);
        return server.getPort();
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private ControllerChannel channel(QuorumVoters voters) {
        ControllerChannel channel = new ControllerChannel(voters);
        channels.add(channel);
        return channel;
    }

    @Test
    void followsTheLeaderHintAndRemembersTheActiveController() throws Exception {
        Scripted follower = new Scripted();
        Scripted leader = new Scripted();
        int followerPort = serve(follower);
        int leaderPort = serve(leader);
        follower.answer = observer -> observer.onError(new NotControllerException(1,
                Optional.of(new QuorumVoters.Voter(2, "127.0.0.1", leaderPort))).toStatus());
        leader.answer = observer -> {
            observer.onNext(ControllerCreateTopicsResponse.newBuilder().setMetadataOffset(42).build());
            observer.onCompleted();
        };
        ControllerChannel channel = channel(QuorumVoters.of(List.of(new QuorumVoters.Voter(1, "127.0.0.1", followerPort),
                new QuorumVoters.Voter(2, "127.0.0.1", leaderPort))));

        assertThat(channel.createTopics(CreateTopicsRequest.getDefaultInstance(), Duration.ofSeconds(5))
                .getMetadataOffset()).isEqualTo(42);
        assertThat(channel.activeController()).hasValue(2);
        channel.createTopics(CreateTopicsRequest.getDefaultInstance(), Duration.ofSeconds(5));
        assertThat(follower.calls).hasValue(1);
        assertThat(leader.calls).hasValue(2);
    }

    @Test
    void nonRetriableAnswersAreThrownAtOnce() throws Exception {
        Scripted controller = new Scripted();
        controller.answer = observer -> observer.onError(GrpcErrors.toStatus(ErrorCode.INVALID_REQUEST,
                "topic named twice", Map.of()));
        ControllerChannel channel = channel(QuorumVoters.of(List.of(
                new QuorumVoters.Voter(1, "127.0.0.1", serve(controller)))));
        assertThatThrownBy(() -> channel.createTopics(CreateTopicsRequest.getDefaultInstance(), Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("topic named twice");
                });
        assertThat(controller.calls).hasValue(1);
    }

    /**
     * With no leader anywhere the call retries with backoff until its timeout, on the channel's clock (a
     * mock one here, which the backoff sleeps advance), and then fails naming the voters.
     */
    @Test
    void noActiveControllerFailsAtTheTimeoutNamingTheVoters() throws Exception {
        Scripted leaderless = new Scripted();
        leaderless.answer = observer -> observer.onError(new NotControllerException(1, Optional.empty()).toStatus());
        QuorumVoters voters = QuorumVoters.of(List.of(new QuorumVoters.Voter(1, "127.0.0.1", serve(leaderless)),
                new QuorumVoters.Voter(2, "127.0.0.1", closedPort())));
        MockTime time = new MockTime();
        ControllerChannel channel = new ControllerChannel(voters, time);
        channels.add(channel);
        assertThatThrownBy(() -> channel.createTopics(CreateTopicsRequest.getDefaultInstance(), Duration.ofMillis(1500)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
                    assertThat(e.getMessage()).contains("metadata quorum is unavailable")
                            .contains("within 1500 ms after").contains("controller.quorum.voters=" + voters);
                });
        // Backoff 50, 100, 200, 400, 800 ms, the last cut to the 750 ms left: it gives up exactly at the timeout.
        assertThat(time.hiResClockMs()).isEqualTo(1500);
        assertThat(leaderless.calls.get()).isPositive();
        assertThat(channel.activeController()).isEmpty();
    }

    @Test
    void asynchronousCallsAreBoundedAndAQueuedCallKeepsItsOwnTimeout() throws Exception {
        MockTime time = new MockTime();
        ControllerChannel channel = new ControllerChannel(QuorumVoters.parse("1@127.0.0.1:" + closedPort()), time);
        channels.add(channel);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(ControllerChannel.ASYNC_THREADS_MAX);
        List<java.util.concurrent.CompletableFuture<String>> busy = new ArrayList<>();
        // Every thread of the pool busy (the call never reaches the network: the rpc waits on a latch)...
        for (int i = 0; i < ControllerChannel.ASYNC_THREADS_MAX; i++) {
            busy.add(channel.callAsync("Busy", Duration.ofSeconds(60), stub -> {
                running.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "done";
            }));
        }
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        // ...and the queue full: one more call fails at once, saying nothing was applied.
        List<java.util.concurrent.CompletableFuture<String>> queued = new ArrayList<>();
        for (int i = 0; i < ControllerChannel.ASYNC_QUEUED_MAX; i++) {
            queued.add(channel.callAsync("Queued", Duration.ofSeconds(5), stub -> "ran"));
        }
        assertThatThrownBy(() -> channel.callAsync("OneTooMany", Duration.ofSeconds(5), stub -> "ran").join())
                .cause().isInstanceOf(ApiException.class).hasMessageContaining("1024 calls to the controller already waiting");

        // The queued calls' 5 s pass while they wait for a thread: they time out without running.
        time.sleep(5_001);
        release.countDown();
        for (var call : busy) {
            assertThat(call.get(30, TimeUnit.SECONDS)).isEqualTo("done");
        }
        for (var call : queued) {
            assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS)).cause().isInstanceOf(ApiException.class)
                    .hasMessageContaining("waited its whole 5000 ms").satisfies(e -> assertThat(
                            ((ApiException) e).metadata()).containsEntry(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_NOT_APPLIED));
        }
    }
}
