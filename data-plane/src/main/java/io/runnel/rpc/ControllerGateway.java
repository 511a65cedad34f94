package io.runnel.rpc;

import io.runnel.proto.AlterConfigsRequest;
import io.runnel.proto.AlterPartitionReassignmentsRequest;
import io.runnel.proto.ControllerAlterConfigsResponse;
import io.runnel.proto.ControllerAlterPartitionReassignmentsResponse;
import io.runnel.proto.ControllerCreatePartitionsResponse;
import io.runnel.proto.ControllerCreateTopicsResponse;
import io.runnel.proto.ControllerDeleteTopicsResponse;
import io.runnel.proto.ControllerElectLeadersResponse;
import io.runnel.proto.ControllerListPartitionReassignmentsResponse;
import io.runnel.proto.CreatePartitionsRequest;
import io.runnel.proto.CreateTopicsRequest;
import io.runnel.proto.DeleteTopicsRequest;
import io.runnel.proto.DescribeQuorumResponse;
import io.runnel.proto.ElectLeadersRequest;
import io.runnel.proto.ListPartitionReassignmentsRequest;
import java.util.concurrent.CompletableFuture;

/**
 * The broker's way to the active controller for admin requests it forwards. Implementations find
 * the active controller and retry NOT_CONTROLLER themselves; a future fails with an ApiException
 * (REQUEST_TIMED_OUT naming the quorum when no controller answers in time).
 */
public interface ControllerGateway {

    CompletableFuture<ControllerCreateTopicsResponse> createTopics(CreateTopicsRequest request);

    CompletableFuture<ControllerDeleteTopicsResponse> deleteTopics(DeleteTopicsRequest request);

    CompletableFuture<ControllerCreatePartitionsResponse> createPartitions(CreatePartitionsRequest request);

    CompletableFuture<ControllerAlterConfigsResponse> alterConfigs(AlterConfigsRequest request);

    CompletableFuture<ControllerElectLeadersResponse> electLeaders(ElectLeadersRequest request);

    CompletableFuture<ControllerAlterPartitionReassignmentsResponse> alterPartitionReassignments(
            AlterPartitionReassignmentsRequest request);

    CompletableFuture<ControllerListPartitionReassignmentsResponse> listPartitionReassignments(
            ListPartitionReassignmentsRequest request);

    CompletableFuture<DescribeQuorumResponse> describeQuorum();
}
