package io.runnel.cli.client;

import io.runnel.proto.BrokerState;
import io.runnel.proto.ControllerInfo;
import io.runnel.proto.DescribeClusterResponse;
import io.runnel.proto.Node;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How {@code runnel cluster describe} prints a DescribeCluster answer: a {@code ClusterId} line, then
 * one tab-separated line per controller and per broker, sorted by id. When the answer carries no
 * broker-session states (the quorum part was unavailable), brokers are listed from the metadata
 * view with their address only. Pure; thread-safe.
 */
public final class ClusterFormat {

    private ClusterFormat() {
    }

    public static List<String> describe(DescribeClusterResponse cluster) {
        List<String> lines = new ArrayList<>();
        lines.add("ClusterId: " + cluster.getClusterId()
                + "\tActiveController: " + (cluster.getControllerId() < 0 ? "none" : cluster.getControllerId())
                + "\tMetadataOffset: " + cluster.getMetadataOffset());
        cluster.getControllersList().stream().sorted(Comparator.comparingInt(ControllerInfo::getId))
                .map(ClusterFormat::controllerLine).forEach(lines::add);
        if (cluster.getBrokerStatesCount() > 0) {
            cluster.getBrokerStatesList().stream().sorted(Comparator.comparingInt(BrokerState::getId))
                    .map(ClusterFormat::brokerLine).forEach(lines::add);
        } else {
            cluster.getBrokersList().stream().sorted(Comparator.comparingInt(Node::getId))
                    .map(ClusterFormat::brokerNodeLine).forEach(lines::add);
        }
        return lines;
    }

    /** {@code Controller: 1  Address: h:p  Active: true  Term: 3  CommitIndex: 120  AppliedOffset: 120  Reachable: true}. */
    static String controllerLine(ControllerInfo controller) {
        return "Controller: " + controller.getId()
                + "\tAddress: " + controller.getHost() + ":" + controller.getPort()
                + "\tActive: " + controller.getActive()
                + "\tTerm: " + controller.getTerm()
                + "\tCommitIndex: " + known(controller.getCommitIndex())
                + "\tAppliedOffset: " + known(controller.getAppliedOffset())
                + "\tReachable: " + controller.getReachable();
    }

    /** {@code Broker: 101  Address: h:p  Rack: none  Fenced: false  LastHeartbeatMs: 812  MetadataOffset: 120  Lag: 0  Epoch: 7}. */
    static String brokerLine(BrokerState broker) {
        return "Broker: " + broker.getId()
                + "\tAddress: " + broker.getHost() + ":" + broker.getPort()
                + "\tRack: " + (broker.getRack().isEmpty() ? "none" : broker.getRack())
                + "\tFenced: " + broker.getFenced()
                + (broker.getInControlledShutdown() ? "\tInControlledShutdown: true" : "")
                + "\tLastHeartbeatMs: " + (broker.getLastHeartbeatAgeMs() < 0 ? "unknown" : broker.getLastHeartbeatAgeMs())
                + "\tMetadataOffset: " + broker.getAppliedMetadataOffset()
                + "\tLag: " + broker.getMetadataLag()
                + "\tEpoch: " + broker.getBrokerEpoch();
    }

    static String brokerNodeLine(Node node) {
        return "Broker: " + node.getId()
                + "\tAddress: " + node.getHost() + ":" + node.getPort()
                + "\tRack: " + (node.getRack().isEmpty() ? "none" : node.getRack());
    }

    /** An index a controller reported, or "unknown" (-1) for one only another controller knows. */
    private static String known(long index) {
        return index < 0 ? "unknown" : String.valueOf(index);
    }
}
