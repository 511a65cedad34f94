package io.runnel.node;

import io.grpc.BindableService;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.services.HealthStatusManager;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.common.rpc.RequestGuard;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC server of one listener: the given services plus gRPC health checking (so Kubernetes
 * probes and {@code grpc_health_probe} work) and server reflection (so {@code grpcurl} works).
 * Requests beyond {@code maxInFlightRequests} at once are answered RESOURCE_EXHAUSTED, which clients
 * retry, instead of queueing without bound (Kafka's {@code queued.max.requests}); the group coordinator's member
 * streams, which live as long as their member, are not counted: the coordinator bounds them itself. Every
 * request is checked by {@link RequestGuard} first. The services' calls are measured by {@link RequestMetrics}
 * (outermost, so refused and held calls count too); health checks and reflection are not.
 *
 * <p>A listener that {@linkplain #holdingUntilReady holds until ready} (a broker's client listeners)
 * binds at {@link #start} but reports NOT_SERVING to health checks and holds its services' calls in a
 * {@link ReadinessGate} until {@link #markReady}; health and reflection answer at once. Other listeners
 * (the controller's) serve from {@link #start}. Thread-safe.
 */
public final class ListenerServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ListenerServer.class);
    private static final long SHUTDOWN_GRACE_MS = 5_000;
    /** HTTP/2 receive window per stream and connection. */
    private static final int FLOW_CONTROL_WINDOW_BYTES = 8 * 1024 * 1024;

    private final Listener listener;
    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();
    private final List<String> serviceNames = new java.util.ArrayList<>();
    /** Null when the listener serves from the start. */
    private final ReadinessGate gate;

    /** A listener that serves its services as soon as it is started (the controller's listener). */
    ListenerServer(Listener listener, List<BindableService> services, int maxInFlightRequests, int maxInboundMessageBytes,
                   RequestMetrics metrics) {
        this(listener, services, maxInFlightRequests, maxInboundMessageBytes, metrics, null);
    }

    /**
     * A listener that binds at {@link #start} but holds its services' calls, and reports NOT_SERVING, until
     * {@link #markReady}; {@code owner} names who is not ready yet in the error a held call gets if the
     * listener closes first ("broker 3").
     */
    static ListenerServer holdingUntilReady(Listener listener, List<BindableService> services, int maxInFlightRequests,
                                            int maxInboundMessageBytes, RequestMetrics metrics, String owner) {
        return new ListenerServer(listener, services, maxInFlightRequests, maxInboundMessageBytes, metrics, new ReadinessGate(owner));
    }

    private ListenerServer(Listener listener, List<BindableService> services, int maxInFlightRequests, int maxInboundMessageBytes,
                           RequestMetrics metrics, ReadinessGate gate) {
        this.listener = listener;
        this.gate = gate;
        InetSocketAddress address = listener.host().isBlank()
                ? new InetSocketAddress(listener.port())
                : new InetSocketAddress(listener.host(), listener.port());
        NettyServerBuilder builder = NettyServerBuilder.forAddress(address)
                .maxInboundMessageSize(maxInboundMessageBytes)
                // Produce requests of several MiB should not stall on HTTP/2 window updates.
                .flowControlWindow(FLOW_CONTROL_WINDOW_BYTES)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addStreamTracerFactory(metrics.tracerFactory());
        AdmissionLimit limit = new AdmissionLimit(maxInFlightRequests);
        // Every service's requests are checked before it sees them: malformed bytes and unknown enum values
        // are answered INVALID_REQUEST instead of UNKNOWN or INTERNAL (see RequestGuard).
        for (BindableService service : services) {
            ServerServiceDefinition definition = RequestGuard.guard(service.bindService());
            serviceNames.add(definition.getServiceDescriptor().getName());
            // The last interceptor runs first: metrics see every call (the admission limit's refusals and the
            // time a call is held until ready included), and the admission limit counts the calls the gate holds.
            builder.addService(gate == null ? ServerInterceptors.intercept(definition, limit, metrics.interceptor())
                    : ServerInterceptors.intercept(definition, gate, limit, metrics.interceptor()));
        }
        builder.addService(RequestGuard.guard(health.getHealthService().bindService()));
        builder.addService(RequestGuard.guard(ProtoReflectionServiceV1.newInstance().bindService()));
        this.server = builder.build();
    }

    public ListenerServer start() throws IOException {
        try {
            server.start();
        } catch (IOException e) {
            throw new IOException("cannot bind listener " + listener + ": " + e.getMessage(), e);
        }
        if (gate == null) {
            setHealth(ServingStatus.SERVING);
            log.info("Listener {} serving on port {}", listener.name(), port());
        } else {
            setHealth(ServingStatus.NOT_SERVING);
            log.info("Listener {} bound to port {}; it serves once the broker is ready", listener.name(), port());
        }
        return this;
    }

    /** Reports SERVING and starts the held calls (a listener that holds until ready); else does nothing new. */
    public void markReady() {
        setHealth(ServingStatus.SERVING);
        if (gate != null) {
            gate.open();
            log.info("Listener {} serving on port {}", listener.name(), port());
        }
    }

    /** True when the listener answers its services' calls (always, for a listener that does not hold). */
    public boolean isReady() {
        return gate == null || gate.isOpen();
    }

    /** Calls held until the listener is ready (tests watch it). */
    int heldCalls() {
        return gate == null ? 0 : gate.heldCalls();
    }

    private void setHealth(ServingStatus status) {
        health.setStatus("", status);
        serviceNames.forEach(name -> health.setStatus(name, status));
    }

    public Listener listener() {
        return listener;
    }

    /** The bound port (the ephemeral one when the listener asked for port 0). */
    public int port() {
        return server.getPort();
    }

    /** Marks the server NOT_SERVING for health probes, e.g. while it shuts down. */
    public void markNotServing() {
        setHealth(ServingStatus.NOT_SERVING);
    }

    @Override
    public void close() {
        if (gate != null) {
            // Held calls would otherwise keep the graceful shutdown below waiting for its whole grace period.
            gate.close("it stopped before it was ready");
        }
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(SHUTDOWN_GRACE_MS, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(SHUTDOWN_GRACE_MS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Counts calls in flight and refuses new ones above the bound. */
    private static final class AdmissionLimit implements ServerInterceptor {
        private static final String MEMBER_STREAM_METHOD =
                io.runnel.proto.GroupServiceGrpc.getConsumerGroupStreamMethod().getFullMethodName();
        private final int max;
        private final AtomicInteger inFlight = new AtomicInteger();

        AdmissionLimit(int max) {
            this.max = max;
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            if (call.getMethodDescriptor().getFullMethodName().equals(MEMBER_STREAM_METHOD)) {
                // A member stream of the group coordinator lives as long as its member: it would hold a slot for
                // good. Member streams have their own bound instead (GroupCoordinator.MEMBER_STREAMS_MAX).
                return next.startCall(call, headers);
            }
            if (inFlight.incrementAndGet() > max) {
                inFlight.decrementAndGet();
                StatusRuntimeException busy = GrpcErrors.overloaded(
                        "server busy: more than " + max + " requests in flight (queued.max.requests); nothing was applied, retry after a backoff");
                call.close(busy.getStatus(), busy.getTrailers());
                return new ServerCall.Listener<>() { };
            }
            ServerCall.Listener<Q> delegate;
            try {
                delegate = next.startCall(call, headers);
            } catch (RuntimeException e) {
                inFlight.decrementAndGet();
                throw e;
            }
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
                private boolean released;

                private void release() {
                    if (!released) {
                        released = true;
                        inFlight.decrementAndGet();
                    }
                }

                @Override
                public void onComplete() {
                    release();
                    super.onComplete();
                }

                @Override
                public void onCancel() {
                    release();
                    super.onCancel();
                }
            };
        }
    }
}
