package io.runnel.client.admin;

import io.runnel.client.Node;
import java.util.List;

/**
 * The cluster as one broker sees it: id, active controller, brokers with an endpoint, and (when asked for
 * with includeQuorum) the controllers' quorum state and each broker's session state. Immutable.
 */
public record ClusterDescription(String clusterId, int controllerId, List<Node> nodes,
                                 List<Controller> controllers, List<BrokerState> brokerStates,
                                 long metadataOffset) {

    public ClusterDescription {
        nodes = List.copyOf(nodes);
        controllers = List.copyOf(controllers);
        brokerStates = List.copyOf(brokerStates);
    }

    /** A metadata-quorum voter. */
    public record Controller(int id, String host, int port, boolean active, long term, long commitIndex,
                             long appliedOffset, boolean reachable) {
    }

    /** A registered broker's session; lastHeartbeatAgeMs is -1 when unknown. */
    public record BrokerState(int id, String host, int port, String rack, boolean fenced,
                              boolean inControlledShutdown, long lastHeartbeatAgeMs, long appliedMetadataOffset,
                              long metadataLag, long brokerEpoch) {
    }
}
