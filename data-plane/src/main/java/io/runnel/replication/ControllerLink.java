package io.runnel.replication;

import io.runnel.proto.AlterPartitionRequest;
import io.runnel.proto.AlterPartitionResponse;
import java.util.concurrent.CompletableFuture;

/**
 * How a leader sends its ISR proposals to the active controller (the node wires it to the controller
 * channel, which follows NOT_CONTROLLER and retries until its timeout). A failed future means no answer.
 */
public interface ControllerLink {
    CompletableFuture<AlterPartitionResponse> alterPartition(AlterPartitionRequest request);
}
