package io.runnel.node;

import java.net.InetSocketAddress;
import java.util.function.BiFunction;

/**
 * Fault-injection points for tests that run nodes in one process (LocalCluster): none are used by a
 * server started from the command line.
 *
 * @param replicaAddresses for follower {@code nodeId}, maps (leader broker id, its advertised address) to the
 *                         address the follower dials, so that a test can route each broker-to-broker link
 *                         through a relay it can cut
 */
public record NodeHooks(ReplicaAddresses replicaAddresses) {

    /** Hooks that change nothing. */
    public static final NodeHooks NONE = new NodeHooks((follower, leader, address) -> address);

    @FunctionalInterface
    public interface ReplicaAddresses {
        InetSocketAddress resolve(int followerId, int leaderId, InetSocketAddress advertised);
    }

    BiFunction<Integer, InetSocketAddress, InetSocketAddress> replicaAddressOverride(int followerId) {
        return (leaderId, address) -> replicaAddresses.resolve(followerId, leaderId, address);
    }
}
