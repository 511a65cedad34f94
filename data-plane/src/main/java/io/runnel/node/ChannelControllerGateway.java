package io.runnel.node;

import io.runnel.metadata.client.ControllerChannel;
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
import io.runnel.rpc.ControllerGateway;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Forwards a broker's admin requests to the active controller through the {@link ControllerChannel},
 * which follows NOT_CONTROLLER hints and retries until the request's timeout. The calls run on the
 * channel's own bounded pool, which the node stops when it closes the channel. Thread-safe.
 */
final class ChannelControllerGateway implements ControllerGateway {

    private final ControllerChannel channel;
    private final Duration defaultTimeout;

    ChannelControllerGateway(ControllerChannel channel, Duration defaultTimeout) {
        this.channel = channel;
        this.defaultTimeout = defaultTimeout;
    }

    private Duration timeout(int requestedMs) {
        return requestedMs > 0 ? Duration.ofMillis(requestedMs) : defaultTimeout;
    }

    @Override
    public CompletableFuture<ControllerCreateTopicsResponse> createTopics(CreateTopicsRequest request) {
        return channel.callAsync("CreateTopics", timeout(request.getTimeoutMs()), stub -> stub.createTopics(request));
    }

    @Override
    public CompletableFuture<ControllerDeleteTopicsResponse> deleteTopics(DeleteTopicsRequest request) {
        return channel.callAsync("DeleteTopics", timeout(request.getTimeoutMs()), stub -> stub.deleteTopics(request));
    }

    @Override
    public CompletableFuture<ControllerCreatePartitionsResponse> createPartitions(CreatePartitionsRequest request) {
        return channel.callAsync("CreatePartitions", timeout(request.getTimeoutMs()), stub -> stub.createPartitions(request));
    }

    @Override
    public CompletableFuture<ControllerAlterConfigsResponse> alterConfigs(AlterConfigsRequest request) {
        return channel.callAsync("AlterConfigs", defaultTimeout, stub -> stub.alterConfigs(request));
    }

    @Override
    public CompletableFuture<ControllerElectLeadersResponse> electLeaders(ElectLeadersRequest request) {
        return channel.callAsync("ElectLeaders", timeout(request.getTimeoutMs()), stub -> stub.electLeaders(request));
    }

    @Override
    public CompletableFuture<ControllerAlterPartitionReassignmentsResponse> alterPartitionReassignments(
            AlterPartitionReassignmentsRequest request) {
        return channel.callAsync("AlterPartitionReassignments", timeout(request.getTimeoutMs()),
                stub -> stub.alterPartitionReassignments(request));
    }

    @Override
    public CompletableFuture<ControllerListPartitionReassignmentsResponse> listPartitionReassignments(
            ListPartitionReassignmentsRequest request) {
        return channel.callAsync("ListPartitionReassignments", timeout(request.getTimeoutMs()),
                stub -> stub.listPartitionReassignments(request));
    }

    @Override
    public CompletableFuture<DescribeQuorumResponse> describeQuorum() {
        // ControllerChannel.describeQuorum follows a follower's answer to the active controller, the only
        // one that knows the brokers' sessions.
        return channel.describeQuorumAsync(defaultTimeout);
    }
}
