package io.runnel.common.rpc;

import com.google.protobuf.Message;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.ErrorCode;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks every request a gRPC service receives before the service sees it, so that no request a client
 * can send reaches a service in a shape it was not written for. A request is answered INVALID_REQUEST
 * (gRPC INVALID_ARGUMENT with {@code ErrorInfo{reason: INVALID_REQUEST}}) naming the problem when
 * <ul>
 *   <li>its bytes are not a well-formed message of the method's request type, e.g. a string field that is
 *       not valid UTF-8 (proto3 requires it) or a truncated field. Left to gRPC, the parse failure would
 *       be answered UNKNOWN "Application error processing RPC" and logged as SEVERE;</li>
 *   <li>any enum field, at any depth, holds a number its enum does not define (proto3 enums are open:
 *       such a value arrives as {@code UNRECOGNIZED} and would make a service that copies it into a
 *       response fail). The message names the field's path and the value ({@link UnknownEnumValues}).</li>
 * </ul>
 * Enum checks are driven by the protobuf descriptors, so fields added later are covered without code.
 *
 * <p>How: {@link #guard} rebinds each method of a service with a pass-through request marshaller, and
 * parses the request itself with the method's own marshaller inside the call, where a failure can be
 * answered properly; it parses with {@link AliasingProtos}, so large {@code bytes} fields (a produce
 * request's records) are not copied out of the message. The service definition keeps its schema descriptors, so server reflection still
 * describes it. Stateless and thread-safe.
 */
public final class RequestGuard {

    private RequestGuard() {
    }

    /** {@code service} with every method's requests checked as the class comment says. */
    public static ServerServiceDefinition guard(ServerServiceDefinition service) {
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            ServerMethodDefinition<?, ?> guarded = guardMethod(method);
            descriptor.addMethod(guarded.getMethodDescriptor());
            methods.add(guarded);
        }
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(builder::addMethod);
        return builder.build();
    }

    private static <Q, R> ServerMethodDefinition<InputStream, R> guardMethod(ServerMethodDefinition<Q, R> method) {
        MethodDescriptor<Q, R> typed = method.getMethodDescriptor();
        MethodDescriptor<InputStream, R> raw = typed.toBuilder(PassThrough.INSTANCE, typed.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> handler = method.getServerCallHandler();
        return ServerMethodDefinition.create(raw, (call, headers) -> {
            TypedCall<Q, R> typedCall = new TypedCall<>(call, typed);
            return new CheckingListener<>(typed, typedCall, handler.startCall(typedCall, headers));
        });
    }

    /** Hands gRPC's message stream through unparsed; {@link CheckingListener} parses it. */
    private enum PassThrough implements MethodDescriptor.Marshaller<InputStream> {
        INSTANCE;

        @Override
        public InputStream stream(InputStream value) {
            return value;
        }

        @Override
        public InputStream parse(InputStream stream) {
            return stream;
        }
    }

    /**
     * Parses and checks each request, then passes it on; after a rejection it passes no further request
     * (a stream's later messages, or a unary call's half-close, which the service would answer again).
     * Called by gRPC one event at a time, so the flag needs no lock.
     */
    private static final class CheckingListener<Q, R> extends ServerCall.Listener<InputStream> {
        private final MethodDescriptor<Q, R> method;
        private final ServerCall<Q, R> call;
        private final ServerCall.Listener<Q> delegate;
        private boolean rejected;

        CheckingListener(MethodDescriptor<Q, R> method, ServerCall<Q, R> call, ServerCall.Listener<Q> delegate) {
            this.method = method;
            this.call = call;
            this.delegate = delegate;
        }

        @Override
        public void onMessage(InputStream raw) {
            if (rejected) {
                return;
            }
            Q request;
            try {
                // gRPC closes the stream once this method returns, so it is parsed here and now.
                request = AliasingProtos.parseRequest(method, raw);
            } catch (RuntimeException e) {
                reject("the request is not a well-formed " + requestTypeName() + ": " + parseProblem(e));
                return;
            }
            if (request instanceof Message message) {
                Optional<String> unknown = UnknownEnumValues.find(message);
                if (unknown.isPresent()) {
                    reject(unknown.get());
                    return;
                }
            }
            delegate.onMessage(request);
        }

        /** The request message's protobuf name, e.g. runnel.v1.MetadataRequest. */
        private String requestTypeName() {
            if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> prototype
                    && prototype.getMessagePrototype() instanceof Message message) {
                return message.getDescriptorForType().getFullName();
            }
            return "request of " + method.getFullMethodName();
        }

        private static String parseProblem(RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        }

        private void reject(String problem) {
            rejected = true;
            StatusRuntimeException status = GrpcErrors.toStatus(ErrorCode.INVALID_REQUEST, problem, Map.of());
            Metadata trailers = status.getTrailers() != null ? status.getTrailers() : new Metadata();
            call.close(status.getStatus(), trailers);
        }

        @Override
        public void onHalfClose() {
            if (!rejected) {
                delegate.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            delegate.onCancel();
        }

        @Override
        public void onComplete() {
            delegate.onComplete();
        }

        @Override
        public void onReady() {
            if (!rejected) {
                delegate.onReady();
            }
        }
    }

    /** The call as the service sees it: typed requests, the original method descriptor. */
    private static final class TypedCall<Q, R> extends ServerCall<Q, R> {
        private final ServerCall<InputStream, R> call;
        private final MethodDescriptor<Q, R> method;

        TypedCall(ServerCall<InputStream, R> call, MethodDescriptor<Q, R> method) {
            this.call = call;
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            call.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            call.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            call.sendMessage(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            call.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return call.isCancelled();
        }

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
            call.setOnReadyThreshold(numBytes);
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return call.getSecurityLevel();
        }

        @Override
        public Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }
}
