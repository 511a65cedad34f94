package io.runnel.metadata.server;

import io.grpc.stub.StreamObserver;
import io.runnel.proto.ControllerServiceGrpc;

/** Placeholder replaced in the next commit. */
final class ControllerServiceImpl extends ControllerServiceGrpc.ControllerServiceImplBase {
    private final ControllerServer controller;

    ControllerServiceImpl(ControllerServer controller) {
        this.controller = controller;
    }

    void start() {
    }

    void close() {
    }

    @SuppressWarnings("unused")
    private void unused(StreamObserver<?> observer) {
        controller.nodeId();
    }
}
