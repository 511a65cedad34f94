package io.runnel.metadata.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Finds loopback ports for tests. A controller needs two adjacent ones: gRPC on p, Ratis on p+1.
 * Pairs handed out once are not handed out again in this JVM, so a test that picks several pairs
 * before binding any never gets the same one twice. Thread-safe.
 */
public final class FreePorts {

    private static final int ATTEMPTS_MAX = 50;
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts() {
    }

    /** A port p such that p and p+1 were both free a moment ago and neither was handed out before. */
    public static synchronized int adjacentPair() {
        for (int attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
            try (ServerSocket first = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = first.getLocalPort();
                if (port >= 65_534 || HANDED_OUT.contains(port) || HANDED_OUT.contains(port + 1)) {
                    continue;
                }
                try (ServerSocket second = new ServerSocket()) {
                    second.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port + 1));
                    HANDED_OUT.add(port);
                    HANDED_OUT.add(port + 1);
                    return port;
                } catch (IOException busy) {
                    // p+1 is in use: try another p
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no two adjacent free loopback ports found in " + ATTEMPTS_MAX + " attempts");
    }
}
