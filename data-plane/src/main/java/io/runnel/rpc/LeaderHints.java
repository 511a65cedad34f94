package io.runnel.rpc;

import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.Endpoint;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.CurrentLeader;
import java.util.Optional;

/** Builds the {@code current_leader} hint sent with NOT_LEADER_OR_FOLLOWER, on the client's listener. */
final class LeaderHints {

    private LeaderHints() {
    }

    static Optional<CurrentLeader> hint(MetadataImage image, String listenerName, int leaderId, int leaderEpoch) {
        if (leaderId < 0) {
            return Optional.empty();
        }
        BrokerRegistration broker = image.cluster().broker(leaderId);
        if (broker == null) {
            return Optional.empty();
        }
        Optional<Endpoint> endpoint = broker.endpoint(listenerName);
        return endpoint.map(e -> CurrentLeader.newBuilder().setLeaderId(leaderId).setLeaderEpoch(leaderEpoch)
                .setHost(e.host()).setPort(e.port()).build());
    }
}
