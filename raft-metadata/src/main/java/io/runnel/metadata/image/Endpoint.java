package io.runnel.metadata.image;

import java.util.Objects;

/** A listener of a registered broker: the name clients and peers select, and the address to dial. Immutable. */
public record Endpoint(String listener, String host, int port) {

    public Endpoint {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(host, "host");
    }

    static Endpoint fromProto(io.runnel.proto.Endpoint endpoint) {
        return new Endpoint(endpoint.getListener(), endpoint.getHost(), endpoint.getPort());
    }

    public io.runnel.proto.Endpoint toProto() {
        return io.runnel.proto.Endpoint.newBuilder().setListener(listener).setHost(host).setPort(port).build();
    }
}
