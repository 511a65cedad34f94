package io.runnel.node;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Holds the calls of a broker's client listener until the broker is ready to answer them: registered,
 * unfenced and caught up with the metadata log. A Kafka broker does not accept client connections
 * before that; a Runnel listener must bind earlier (its bound port is part of the registration), so it
 * accepts the connection but does not start the call. The request message stays in gRPC's flow control
 * (nothing asked for it yet), and gRPC cancels the call at the caller's deadline, so the caller's own
 * timeout bounds the wait. Once {@link #open} runs, held calls start in arrival order and later calls
 * pass straight through. If the node stops before it was ready, {@link #close} answers every held call
 * (and every later one) BROKER_NOT_AVAILABLE (gRPC UNAVAILABLE), which clients retry on another broker.
 *
 * <p>Bound: the listener's admission limit ({@code queued.max.requests}) sits in front of this gate and
 * counts held calls, so at most that many are held; more are answered RESOURCE_EXHAUSTED.
 *
 * <p>Thread-safe: {@link #interceptCall} runs on gRPC threads, {@link #open} on the thread starting the
 * node and {@link #close} on the one stopping it; the gate's state is guarded by its lock.
 */
final class ReadinessGate implements ServerInterceptor {

    private enum State { WAITING, OPEN, CLOSED }

    private final String description;
    private final Object lock = new Object();
    /** Guarded by lock. */
    private State state = State.WAITING;
    /** Guarded by lock: calls that arrived while WAITING and are neither started nor cancelled yet. */
    private final Set<HeldCall<?, ?>> held = new LinkedHashSet<>();
    /** Guarded by lock: why the gate closed. */
    private String closedReason = "";

    /** @param description who is not ready yet, for the error a held call gets ("broker 3") */
    ReadinessGate(String description) {
        this.description = description;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        State now;
        String rejection;
        synchronized (lock) {
            now = state;
            rejection = closedReason;
            if (now == State.WAITING) {
                // The call's context carries its deadline: services read it when they finally start.
                HeldCall<Q, R> heldCall = new HeldCall<>(call, headers, next, Context.current());
                held.add(heldCall);
                return heldCall;
            }
        }
        if (now == State.OPEN) {
            return next.startCall(call, headers);
        }
        StatusRuntimeException status = notAvailable(rejection);
        call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
        return new ServerCall.Listener<>() { };
    }

    /** Starts every held call and lets later ones through. Idempotent; does nothing once closed. */
    void open() {
        List<HeldCall<?, ?>> toStart;
        synchronized (lock) {
            if (state != State.WAITING) {
                return;
            }
            state = State.OPEN;
            toStart = new ArrayList<>(held);
            held.clear();
        }
        toStart.forEach(HeldCall::start);
    }

    /** Answers every held call, and every later one, BROKER_NOT_AVAILABLE with {@code reason}. Idempotent. */
    void close(String reason) {
        List<HeldCall<?, ?>> toReject;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            closedReason = reason;
            toReject = new ArrayList<>(held);
            held.clear();
        }
        StatusRuntimeException status = notAvailable(reason);
        toReject.forEach(call -> call.reject(status));
    }

    boolean isOpen() {
        synchronized (lock) {
            return state == State.OPEN;
        }
    }

    /** Calls held now (for tests and metrics). */
    int heldCalls() {
        synchronized (lock) {
            return held.size();
        }
    }

    private StatusRuntimeException notAvailable(String reason) {
        return GrpcErrors.toStatus(ErrorCode.BROKER_NOT_AVAILABLE, description + " is not serving: " + reason, Map.of());
    }

    private void forget(HeldCall<?, ?> call) {
        synchronized (lock) {
            held.remove(call);
        }
    }

    /**
     * The listener gRPC sees for a call that arrived before the gate opened. Until {@link #start} it keeps
     * the events gRPC delivers (only onReady and onCancel can come: no message was requested), then it
     * starts the real call and forwards everything. gRPC delivers a call's events one at a time; the
     * monitor orders them against {@link #start} and {@link #reject}, which run on other threads.
     */
    private final class HeldCall<Q, R> extends ServerCall.Listener<Q> {
        private final ServerCall<Q, R> call;
        private final Metadata headers;
        private final ServerCallHandler<Q, R> next;
        private final Context context;
        /** Set, under the monitor, once started and every kept event is replayed; then read without it. */
        private volatile ServerCall.Listener<Q> delegate;
        /** Guarded by this: events that came before the start, in order. */
        private final List<Consumer<ServerCall.Listener<Q>>> kept = new ArrayList<>();
        /** Guarded by this: cancelled, completed or rejected before it started. */
        private boolean finished;

        HeldCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next, Context context) {
            this.call = call;
            this.headers = headers;
            this.next = next;
            this.context = context;
        }

        synchronized void start() {
            if (finished || delegate != null) {
                return;
            }
            Context previous = context.attach();
            try {
                ServerCall.Listener<Q> started = next.startCall(call, headers);
                kept.forEach(event -> event.accept(started));
                kept.clear();
                delegate = started;
            } finally {
                context.detach(previous);
            }
        }

        synchronized void reject(StatusRuntimeException status) {
            if (finished || delegate != null) {
                return;
            }
            finished = true;
            call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
        }

        /** Forwards an event to the started call, or keeps it for the start. */
        private void deliver(Consumer<ServerCall.Listener<Q>> event, boolean ends) {
            ServerCall.Listener<Q> started = delegate;
            if (started != null) {
                event.accept(started);
                return;
            }
            synchronized (this) {
                if (delegate != null) {
                    event.accept(delegate);
                    return;
                }
                if (ends) {
                    finished = true;
                    kept.clear();
                } else if (!finished) {
                    kept.add(event);
                }
            }
            if (ends) {
                forget(this);
            }
        }

        @Override
        public void onMessage(Q message) {
            deliver(listener -> listener.onMessage(message), false);
        }

        @Override
        public void onHalfClose() {
            deliver(ServerCall.Listener::onHalfClose, false);
        }

        @Override
        public void onReady() {
            deliver(ServerCall.Listener::onReady, false);
        }

        @Override
        public void onCancel() {
            deliver(ServerCall.Listener::onCancel, true);
        }

        @Override
        public void onComplete() {
            deliver(ServerCall.Listener::onComplete, true);
        }
    }
}
