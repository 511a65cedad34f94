package io.runnel.client.internal;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One plaintext gRPC channel per broker address, created on first use and shared by every request to that
 * broker (gRPC multiplexes concurrent calls over it). Callbacks run on the transport's threads
 * ({@code directExecutor}), so every response observer must only hand work off, never block.
 * Thread-safe. The number of channels is bounded by the number of brokers the cluster reports plus the
 * bootstrap addresses.
 */
public final class ChannelPool implements AutoCloseable {

    private static final long SHUTDOWN_WAIT_MS = 5000;

    private final Map<BrokerAddress, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final int maxInboundMessageBytes;
    private volatile boolean closed;

    public ChannelPool(int maxInboundMessageBytes) {
        this.maxInboundMessageBytes = maxInboundMessageBytes;
    }

    /** HTTP/2 receive window per stream and connection. */
    static final int FLOW_CONTROL_WINDOW_BYTES = 8 * 1024 * 1024;

    public ManagedChannel channel(BrokerAddress address) {
        if (closed) {
            throw new IllegalStateException("the client is closed");
        }
        return channels.computeIfAbsent(address, a -> NettyChannelBuilder.forAddress(a.host(), a.port())
                .usePlaintext()
                .directExecutor()
                .maxInboundMessageSize(maxInboundMessageBytes)
                // A fetch answer of several MiB should not stall on HTTP/2 window updates.
                .flowControlWindow(FLOW_CONTROL_WINDOW_BYTES)
                .build());
    }

    /** Shuts every channel down, waiting at most {@value #SHUTDOWN_WAIT_MS} ms in total for calls to end. */
    @Override
    public void close() {
        closed = true;
        List<ManagedChannel> all = new ArrayList<>(channels.values());
        channels.clear();
        all.forEach(ManagedChannel::shutdown);
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_WAIT_MS);
        for (ManagedChannel channel : all) {
            try {
                long remainingNs = deadlineNs - System.nanoTime();
                if (remainingNs <= 0 || !channel.awaitTermination(remainingNs, TimeUnit.NANOSECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                channel.shutdownNow();
            }
        }
    }
}
