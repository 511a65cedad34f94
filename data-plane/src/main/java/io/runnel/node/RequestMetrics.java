package io.runnel.node;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.metadata.server.ControllerMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Kafka's request metrics ({@code kafka.network:type=RequestMetrics}) for the gRPC services a node
 * serves, labelled by {@code service} (the proto service, e.g. ProduceService) and {@code api} (the
 * method, e.g. Produce): requests, errors by error code, and for unary calls the latency split as Kafka
 * splits it. A call's life, and the intervals measured:
 * <pre>
 *   stream created ── request read ── handler starts ── handler returns ── response ready ── stream closed
 *   │                 │   queue time  │   local time    │   remote time    │   send time     │
 *   └──────────────────────────────────── total time ────────────────────────────────────────┘
 * </pre>
 * Remote time is the wait after the handler returned and before it answered: a produce with acks=all
 * waiting in the Produce purgatory, a long-poll fetch in the Fetch purgatory, an admin call waiting for
 * the controller. When the handler answers before it returns (acks=1), local time ends at the answer and
 * remote time is 0. Send time runs until gRPC reports the stream closed (the answer handed to the network).
 *
 * <p>Errors: every {@link io.runnel.proto.ErrorCode} in a response counts once under its name (so a
 * produce of 10 partitions counts 10, NONE included, as Kafka's ErrorsPerSec does); a call that fails
 * as a whole counts its ErrorInfo reason, or {@code GRPC_<status code>} when the failure carries no
 * Runnel error (the listener's admission limit: GRPC_RESOURCE_EXHAUSTED; a client that went away:
 * GRPC_CANCELLED). Streaming calls (ReplicaFetch, FetchMetadata) count a request per message received
 * and errors per message sent, and have no latency timers (a stream has no per-request answer time).
 *
 * <p>How: a {@link ServerStreamTracer} sees the transport's moments (created, message read, closed) and
 * an interceptor sees the application's (handler start and return, response, close); they meet through
 * the call's gRPC {@link Context}. Meter cardinality is bounded by the methods the node serves times the
 * error names.
 *
 * <p>Thread-safe: a call's moments are written once each, by the thread that sees them, into volatile
 * fields; the tracer reads them when the stream closes, after gRPC handed the close from the application
 * thread to the transport.
 */
final class RequestMetrics {

    private static final Context.Key<CallTimes> TIMES = Context.key("runnel-request-times");

    private final MeterRegistry registry;
    private final ErrorCodeCounter errorCodes = new ErrorCodeCounter();
    private final Map<String, ApiMeters> apis = new ConcurrentHashMap<>();

    RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    ServerStreamTracer.Factory tracerFactory() {
        return new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new CallTimes(System.nanoTime());
            }
        };
    }

    ServerInterceptor interceptor() {
        return new Interceptor();
    }

    private ApiMeters meters(MethodDescriptor<?, ?> method) {
        ApiMeters meters = apis.get(method.getFullMethodName());
        if (meters == null) {
            meters = apis.computeIfAbsent(method.getFullMethodName(), name -> new ApiMeters(method));
        }
        return meters;
    }

    /** The meters of one method. */
    private final class ApiMeters {
        private final String service;
        private final String api;
        private final Counter requests;
        private final Map<String, Counter> errors = new ConcurrentHashMap<>();
        private final Timer totalTime;
        private final Timer queueTime;
        private final Timer localTime;
        private final Timer remoteTime;
        private final Timer sendTime;

        ApiMeters(MethodDescriptor<?, ?> method) {
            String serviceName = method.getServiceName() == null ? "" : method.getServiceName();
            this.service = serviceName.substring(serviceName.lastIndexOf('.') + 1);
            this.api = method.getBareMethodName();
            this.requests = Counter.builder("runnel.request.requests").tags("service", service, "api", api)
                    .description("requests answered (Kafka's RequestsPerSec; per message received on a stream)")
                    .register(registry);
            boolean unary = method.getType() == MethodDescriptor.MethodType.UNARY;
            this.totalTime = unary ? timer("runnel.request.total.time", "from the request's arrival to the answer sent (TotalTimeMs)") : null;
            this.queueTime = unary ? timer("runnel.request.queue.time", "request read until its handler started (RequestQueueTimeMs)") : null;
            this.localTime = unary ? timer("runnel.request.local.time", "handler running, until it answered or returned (LocalTimeMs)") : null;
            this.remoteTime = unary ? timer("runnel.request.remote.time",
                    "waiting after the handler returned: in purgatory or on the controller (RemoteTimeMs)") : null;
            this.sendTime = unary ? timer("runnel.request.response.send.time", "answer ready until sent (ResponseSendTimeMs)") : null;
        }

        private Timer timer(String name, String description) {
            return ControllerMetrics.latencyTimer(name, description).tags("service", service, "api", api).register(registry);
        }

        void error(String name) {
            Counter counter = errors.get(name);
            if (counter == null) {
                counter = errors.computeIfAbsent(name, e -> Counter.builder("runnel.request.errors")
                        .tags("service", service, "api", api, "error", e)
                        .description("error codes in answers, NONE included (Kafka's ErrorsPerSec)").register(registry));
            }
            counter.increment();
        }
    }

    /**
     * A call's moments (System.nanoTime), one tracer per stream. The transport thread writes created, read
     * and closed; the application thread writes the rest before it closes the call.
     */
    private static final class CallTimes extends ServerStreamTracer {
        private final long createdNs;
        private volatile long readNs;
        private volatile long handlerStartNs;
        private volatile long handlerEndNs;
        private volatile long responseReadyNs;
        /** Set by the interceptor for a unary call that was answered: the meters to record into. */
        private volatile ApiMeters measured;

        CallTimes(long createdNs) {
            this.createdNs = createdNs;
        }

        @Override
        public Context filterContext(Context context) {
            return context.withValue(TIMES, this);
        }

        @Override
        public void inboundMessageRead(int seqNo, long optionalWireSize, long optionalUncompressedSize) {
            if (readNs == 0) {
                readNs = System.nanoTime();
            }
        }

        @Override
        public void streamClosed(Status status) {
            ApiMeters meters = measured;
            if (meters == null || handlerStartNs == 0) {
                return;
            }
            long closedNs = System.nanoTime();
            long readyNs = responseReadyNs;
            long endNs = handlerEndNs == 0 ? readyNs : handlerEndNs;
            long read = readNs == 0 ? createdNs : readNs;
            record(meters.totalTime, closedNs - createdNs);
            record(meters.queueTime, handlerStartNs - read);
            record(meters.localTime, Math.min(endNs, readyNs) - handlerStartNs);
            record(meters.remoteTime, readyNs - endNs);
            record(meters.sendTime, closedNs - readyNs);
        }

        private static void record(Timer timer, long nanos) {
            timer.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        }
    }

    private final class Interceptor implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            MethodDescriptor<Q, R> method = call.getMethodDescriptor();
            ApiMeters meters = meters(method);
            CallTimes times = TIMES.get();
            boolean unary = method.getType() == MethodDescriptor.MethodType.UNARY;
            boolean clientStreams = !method.getType().clientSendsOneMessage();
            AtomicBoolean finished = new AtomicBoolean();
            ServerCall<Q, R> measuredCall = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendMessage(R message) {
                    if (times != null && times.responseReadyNs == 0) {
                        times.responseReadyNs = System.nanoTime();
                    }
                    if (message instanceof Message proto) {
                        errorCodes.forEachErrorCode(proto, meters::error);
                    }
                    super.sendMessage(message);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    if (finished.compareAndSet(false, true)) {
                        if (!status.isOk()) {
                            meters.error(errorName(status, trailers));
                        }
                        if (!clientStreams) {
                            meters.requests.increment();
                        }
                        if (times != null && unary) {
                            if (times.responseReadyNs == 0) {
                                times.responseReadyNs = System.nanoTime();
                            }
                            times.measured = meters;
                        }
                    }
                    super.close(status, trailers);
                }
            };
            ServerCall.Listener<Q> delegate = next.startCall(measuredCall, headers);
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
                @Override
                public void onMessage(Q message) {
                    if (clientStreams) {
                        meters.requests.increment();
                    }
                    super.onMessage(message);
                }

                @Override
                public void onHalfClose() {
                    if (times != null && unary) {
                        times.handlerStartNs = System.nanoTime();
                        try {
                            super.onHalfClose();
                        } finally {
                            times.handlerEndNs = System.nanoTime();
                        }
                    } else {
                        super.onHalfClose();
                    }
                }

                @Override
                public void onCancel() {
                    if (finished.compareAndSet(false, true)) {
                        if (!clientStreams) {
                            meters.requests.increment();
                        }
                        meters.error("GRPC_" + Status.Code.CANCELLED.name());
                    }
                    super.onCancel();
                }
            };
        }
    }

    /** The Runnel error a failed call carries (ErrorInfo reason), else GRPC_ and its status code. */
    static String errorName(Status status, Metadata trailers) {
        com.google.rpc.Status details = trailers == null ? null : StatusProto.fromStatusAndTrailers(status, trailers);
        if (details != null) {
            for (Any detail : details.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    try {
                        ErrorInfo info = detail.unpack(ErrorInfo.class);
                        if (GrpcErrors.DOMAIN.equals(info.getDomain()) && !info.getReason().isEmpty()) {
                            return info.getReason();
                        }
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        break;
                    }
                }
            }
        }
        return "GRPC_" + status.getCode().name();
    }
}
