package io.runnel.rpc;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.group.GroupCoordinator;
import io.runnel.group.MemberChannel;
import io.runnel.group.core.GroupLimits;
import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.Endpoint;
import io.runnel.proto.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.Coordinator;
import io.runnel.proto.DeleteGroupsRequest;
import io.runnel.proto.DeleteGroupsResponse;
import io.runnel.proto.DescribeGroupsRequest;
import io.runnel.proto.DescribeGroupsResponse;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FindCoordinatorRequest;
import io.runnel.proto.FindCoordinatorResponse;
import io.runnel.proto.GroupServiceGrpc;
import io.runnel.proto.ListGroupsRequest;
import io.runnel.proto.ListGroupsResponse;
import io.runnel.proto.OffsetCommitRequest;
import io.runnel.proto.OffsetCommitResponse;
import io.runnel.proto.OffsetDeleteRequest;
import io.runnel.proto.OffsetDeleteResponse;
import io.runnel.proto.OffsetFetchRequest;
import io.runnel.proto.OffsetFetchResponse;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The GroupService RPCs (group.proto): FindCoordinator answers from the metadata image (creating
 * {@code __consumer_offsets} on first use), member streams and group calls go to the broker's
 * {@link GroupCoordinator}. Register {@link #withClientAddresses()}. Stateless and thread-safe; one instance per listener so coordinator addresses are
 * that listener's.
 */
public final class GroupServiceImpl extends GroupServiceGrpc.GroupServiceImplBase {

    /** The caller's address ("/10.0.0.7"), set for each call by the interceptor in {@link #bindService()}. */
    private static final Context.Key<String> CLIENT_HOST = Context.key("runnel-client-host");

    private final GroupCoordinator coordinator;
    private final BrokerMetadata metadata;
    private final String listenerName;

    public GroupServiceImpl(GroupCoordinator coordinator, BrokerMetadata metadata, String listenerName) {
        this.coordinator = coordinator;
        this.metadata = metadata;
        this.listenerName = listenerName;
    }

    /**
     * The service to register: this one behind an interceptor that records each caller's address, which
     * member descriptions show (the generated {@code bindService} cannot be overridden).
     */
    public BindableService withClientAddresses() {
        ServerInterceptor addresses = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                String host = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                        ? inet.getAddress().toString() : String.valueOf(remote);
                return Contexts.interceptCall(Context.current().withValue(CLIENT_HOST, host), call, headers, next);
            }
        };
        return () -> ServerInterceptors.intercept(bindService(), addresses);
    }

    @Override
    public void findCoordinator(FindCoordinatorRequest request, StreamObserver<FindCoordinatorResponse> observer) {
        try {
            if (request.getGroupIdsCount() > GroupLimits.GROUPS_PER_REQUEST_MAX) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "a FindCoordinator may name at most "
                        + GroupLimits.GROUPS_PER_REQUEST_MAX + " groups, not " + request.getGroupIdsCount());
            }
            FindCoordinatorResponse.Builder response = FindCoordinatorResponse.newBuilder();
            for (String groupId : request.getGroupIdsList()) {
                response.addCoordinators(coordinatorOf(groupId));
            }
            observer.onNext(response.build());
            observer.onCompleted();
        } catch (RuntimeException e) {
            Requests.fail(observer, e);
        }
    }

    private Coordinator coordinatorOf(String groupId) {
        Coordinator.Builder answer = Coordinator.newBuilder().setGroupId(groupId).setNodeId(-1);
        try {
            GroupLimits.validateGroupId(groupId);
        } catch (ApiException e) {
            return answer.setError(e.code()).setErrorMessage(e.getMessage()).build();
        }
        int leader = coordinator.coordinatorFor(groupId);
        if (leader < 0) {
            return answer.setError(ErrorCode.COORDINATOR_NOT_AVAILABLE).setErrorMessage("the coordinator of group "
                    + ErrorText.quote(groupId) + " is not available yet (its partition of __consumer_offsets has no leader, "
                    + "or the topic is being created)").build();
        }
        BrokerRegistration broker = metadata.image().cluster().broker(leader);
        Optional<Endpoint> endpoint = broker == null ? Optional.empty() : broker.endpoint(listenerName);
        if (endpoint.isEmpty()) {
            return answer.setError(ErrorCode.COORDINATOR_NOT_AVAILABLE).setErrorMessage("broker " + leader
                    + ", the coordinator of group " + ErrorText.quote(groupId) + ", has no listener " + listenerName).build();
        }
        return answer.setNodeId(leader).setHost(endpoint.get().host()).setPort(endpoint.get().port()).build();
    }

    @Override
    public StreamObserver<ConsumerGroupHeartbeatRequest> consumerGroupStream(StreamObserver<ConsumerGroupHeartbeatResponse> responses) {
        ServerCallStreamObserver<ConsumerGroupHeartbeatResponse> server = (ServerCallStreamObserver<ConsumerGroupHeartbeatResponse>) responses;
        GrpcMemberChannel channel = new GrpcMemberChannel(server, Optional.ofNullable(CLIENT_HOST.get()).orElse(""));
        GroupCoordinator.Session session;
        try {
            session = coordinator.openStream(channel);
        } catch (ApiException e) {
            channel.send(ConsumerGroupHeartbeatResponse.newBuilder().setError(e.code()).setErrorMessage(e.getMessage())
                    .setMemberEpoch(-1).build());
            channel.close();
            return new StreamObserver<>() {
                @Override
                public void onNext(ConsumerGroupHeartbeatRequest value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }
        server.setOnCancelHandler(session::onClosed);
        return new StreamObserver<>() {
            @Override
            public void onNext(ConsumerGroupHeartbeatRequest request) {
                session.onHeartbeat(request);
            }

            @Override
            public void onError(Throwable t) {
                session.onClosed();
            }

            @Override
            public void onCompleted() {
                // The member half-closed its side: the stream is over (a leave, if any, came before and is
                // handled first).
                session.onClosed();
            }
        };
    }

    /** A member stream over gRPC: sends are refused once the stream's outbound buffer is full. Thread-safe. */
    private static final class GrpcMemberChannel implements MemberChannel {
        private final ServerCallStreamObserver<ConsumerGroupHeartbeatResponse> stream;
        private final String host;
        private boolean closed;

        GrpcMemberChannel(ServerCallStreamObserver<ConsumerGroupHeartbeatResponse> stream, String host) {
            this.stream = stream;
            this.host = host;
        }

        @Override
        public synchronized boolean send(ConsumerGroupHeartbeatResponse message) {
            if (closed || stream.isCancelled()) {
                return false;
            }
            try {
                // isReady turns false once gRPC buffers more than its window of unread messages.
                boolean ready = stream.isReady();
                stream.onNext(message);
                return ready;
            } catch (RuntimeException e) {
                return false;
            }
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                stream.onCompleted();
            } catch (RuntimeException e) {
                // already cancelled by the peer
            }
        }

        @Override
        public String clientHost() {
            return host;
        }
    }

    @Override
    public void offsetCommit(OffsetCommitRequest request, StreamObserver<OffsetCommitResponse> observer) {
        answer(coordinator.commitOffsets(request), observer);
    }

    @Override
    public void offsetFetch(OffsetFetchRequest request, StreamObserver<OffsetFetchResponse> observer) {
        answer(coordinator.fetchOffsets(request), observer);
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> observer) {
        answer(coordinator.listGroups(request), observer);
    }

    @Override
    public void describeGroups(DescribeGroupsRequest request, StreamObserver<DescribeGroupsResponse> observer) {
        answer(coordinator.describeGroups(request), observer);
    }

    @Override
    public void deleteGroups(DeleteGroupsRequest request, StreamObserver<DeleteGroupsResponse> observer) {
        answer(coordinator.deleteGroups(request), observer);
    }

    @Override
    public void offsetDelete(OffsetDeleteRequest request, StreamObserver<OffsetDeleteResponse> observer) {
        answer(coordinator.deleteOffsets(request), observer);
    }

    private static <T> void answer(CompletableFuture<T> future, StreamObserver<T> observer) {
        future.whenComplete((response, error) -> {
            if (error != null) {
                Requests.fail(observer, error);
            } else {
                observer.onNext(response);
                observer.onCompleted();
            }
        });
    }
}
