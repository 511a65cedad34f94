package io.runnel.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Finds loopback ports for tests. A controller needs two adjacent ones: gRPC on p, Ratis on p+1. */
public final class FreePorts {

    private static final int ATTEMPTS_MAX = 50;

    private FreePorts() {
    }

    /** A port p such that p and p+1 were both free a moment ago. */
    public static int adjacentPair() {
        for (int attempt = 0; attempt < ATTEMPTS_MAX; attempt++) {
            try (ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                int port = first.getLocalPort();
                if (port >= 65_535) {
                    continue;
                }
                try (ServerSocket second = new ServerSocket(port + 1, 50, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException taken) {
                    // p+1 is in use; try another p
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no two adjacent free loopback ports found in " + ATTEMPTS_MAX + " attempts");
    }
}
