package io.runnel.rpc;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.Endpoint;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.ReplicaFetchRequest;
import io.runnel.proto.ReplicaFetchResponse;
import io.runnel.proto.ReplicationServiceGrpc;
import io.runnel.replication.LeaderChannels;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Follower-to-leader streams over gRPC: a leader broker's address is its endpoint for the inter-broker
 * listener in the metadata image; one HTTP/2 connection per address is shared by every stream to it.
 * Thread-safe; {@link #close()} shuts the connections down.
 */
public final class GrpcLeaderChannels implements LeaderChannels, AutoCloseable {

    /** Inbound bound of an answer: replica.fetch.response.max.bytes plus one oversized batch, with room. */
    private static final int INBOUND_MESSAGE_BYTES_MAX = 256 * 1024 * 1024;

    private final Supplier<MetadataImage> image;
    private final String listenerName;
    private final int followerId;
    private final BiFunction<Integer, InetSocketAddress, InetSocketAddress> addressOverride;
    private final Map<InetSocketAddress, ManagedChannel> connections = new ConcurrentHashMap<>();

    /**
     * @param addressOverride maps (leader id, its address) to the address this follower dials; the identity
     *                        except in tests, which route links through relays they can cut
     */
    public GrpcLeaderChannels(Supplier<MetadataImage> image, String listenerName, int followerId,
                              BiFunction<Integer, InetSocketAddress, InetSocketAddress> addressOverride) {
        this.image = image;
        this.listenerName = listenerName;
        this.followerId = followerId;
        this.addressOverride = addressOverride;
    }

    @Override
    public LeaderChannel open(int leaderId) {
        BrokerRegistration leader = image.get().cluster().broker(leaderId);
        Endpoint endpoint = leader == null ? null : leader.endpoints().get(listenerName);
        if (endpoint == null) {
            throw new IllegalStateException("broker " + followerId + " knows no " + listenerName + " address of leader broker "
                    + leaderId + " (inter.broker.listener.name must name a listener of every broker)");
        }
        InetSocketAddress address = addressOverride.apply(leaderId,
                InetSocketAddress.createUnresolved(endpoint.host(), endpoint.port()));
        ManagedChannel connection = connections.computeIfAbsent(address, a -> NettyChannelBuilder
                .forAddress(a.getHostString(), a.getPort()).usePlaintext()
                .maxInboundMessageSize(INBOUND_MESSAGE_BYTES_MAX).build());
        return new StreamChannel(ReplicationServiceGrpc.newStub(connection));
    }

    @Override
    public void close() {
        connections.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel connection : connections.values()) {
            try {
                connection.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        connections.clear();
    }

    /** One ReplicaFetch stream: a fetch is answered by the next message; any end of the stream fails it. */
    private static final class StreamChannel implements LeaderChannel {
        private final ClientCallStreamObserver<ReplicaFetchRequest> requests;
        private volatile CompletableFuture<ReplicaFetchResponse> pending;
        private volatile Throwable ended;

        StreamChannel(ReplicationServiceGrpc.ReplicationServiceStub stub) {
            CompletableFuture<ClientCallStreamObserver<ReplicaFetchRequest>> started = new CompletableFuture<>();
            stub.replicaFetch(new ClientResponseObserver<ReplicaFetchRequest, ReplicaFetchResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<ReplicaFetchRequest> requestStream) {
                    started.complete(requestStream);
                }

                @Override
                public void onNext(ReplicaFetchResponse response) {
                    CompletableFuture<ReplicaFetchResponse> waiting = pending;
                    if (waiting != null) {
                        waiting.complete(response);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    end(t);
                }

                @Override
                public void onCompleted() {
                    end(Status.UNAVAILABLE.withDescription("the leader ended the fetch stream").asRuntimeException());
                }
            });
            this.requests = started.join();
        }

        private void end(Throwable cause) {
            ended = cause;
            CompletableFuture<ReplicaFetchResponse> waiting = pending;
            if (waiting != null) {
                waiting.completeExceptionally(cause);
            }
        }

        @Override
        public CompletableFuture<ReplicaFetchResponse> fetch(ReplicaFetchRequest request) {
            CompletableFuture<ReplicaFetchResponse> answer = new CompletableFuture<>();
            pending = answer;
            Throwable cause = ended;
            if (cause != null) {
                answer.completeExceptionally(cause);
                return answer;
            }
            synchronized (requests) {
                requests.onNext(request);
            }
            return answer;
        }

        @Override
        public void close() {
            synchronized (requests) {
                if (ended == null) {
                    requests.cancel("the follower closed the fetch stream", null);
                }
            }
        }
    }
}
