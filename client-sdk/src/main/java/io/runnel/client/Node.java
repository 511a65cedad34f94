package io.runnel.client;

/** A broker as the cluster's metadata describes it; {@code rack} is empty when the broker has none. Immutable. */
public record Node(int id, String host, int port, String rack) {

    @Override
    public String toString() {
        return id + "@" + host + ":" + port;
    }
}
