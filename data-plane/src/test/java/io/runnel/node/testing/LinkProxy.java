package io.runnel.node.testing;

import io.runnel.metadata.testing.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay standing for one direction of a network link between two nodes, for fault injection:
 * while {@link #drop(boolean) dropped} it closes every relayed connection and refuses new ones, as
 * a partitioned network would. Relays a controller's gRPC port and, on the next port, its Ratis
 * port (the voter convention). Thread-safe; one daemon thread per connection direction.
 */
public final class LinkProxy implements AutoCloseable {

    private final List<ServerSocket> listeners = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final int port;
    private final int targetPort;
    private volatile boolean dropped;
    private volatile boolean closed;

    /** Relays this proxy's port p to {@code targetPort} and p+1 to {@code targetPort + 1}. */
    public LinkProxy(String host, int targetPort) {
        IOException last = null;
        int bound = -1;
        for (int attempt = 0; attempt < 20 && bound < 0; attempt++) {
            int candidate = FreePorts.adjacentPair();
            try {
                listeners.add(listen(candidate, host, targetPort));
                listeners.add(listen(candidate + 1, host, targetPort + 1));
                bound = candidate;
            } catch (IOException e) {
                last = e;
                listeners.forEach(LinkProxy::closeQuietly);
                listeners.clear();
            }
        }
        if (bound < 0) {
            throw new UncheckedIOException("no port pair for a link proxy", last);
        }
        this.port = bound;
        this.targetPort = targetPort;
    }

    public int port() {
        return port;
    }

    /** The port this proxy relays to. */
    public int targetPort() {
        return targetPort;
    }

    public boolean isDropped() {
        return dropped;
    }

    /** Drops (true) or restores (false) the link. */
    public void drop(boolean drop) {
        dropped = drop;
        if (drop) {
            sockets.forEach(LinkProxy::closeQuietly);
            sockets.clear();
        }
    }

    private ServerSocket listen(int localPort, String host, int targetPort) throws IOException {
        ServerSocket server = new ServerSocket(localPort, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!closed) {
                try {
                    Socket inbound = server.accept();
                    if (dropped) {
                        closeQuietly(inbound);
                        continue;
                    }
                    Socket outbound = new Socket(host, targetPort);
                    inbound.setTcpNoDelay(true);
                    outbound.setTcpNoDelay(true);
                    sockets.add(inbound);
                    sockets.add(outbound);
                    pump(inbound, outbound);
                    pump(outbound, inbound);
                } catch (IOException e) {
                    if (closed) {
                        return;
                    }
                }
            }
        }, "link-proxy-" + localPort);
        acceptor.setDaemon(true);
        acceptor.start();
        return server;
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (dropped) {
                        break;
                    }
                    out.write(buffer, 0, read);
                }
            } catch (IOException e) {
                // the link dropped or one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "link-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        listeners.forEach(LinkProxy::closeQuietly);
        sockets.forEach(LinkProxy::closeQuietly);
    }
}
