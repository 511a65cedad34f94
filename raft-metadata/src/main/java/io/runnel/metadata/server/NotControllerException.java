package io.runnel.metadata.server;

import io.grpc.StatusRuntimeException;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.proto.ErrorCode;
import java.util.Map;
import java.util.Optional;

/**
 * NOT_CONTROLLER: this controller is not the active one. Carries the active controller when known, so
 * the caller moves there without asking around. Immutable.
 */
public final class NotControllerException extends ApiException {

    private static final long serialVersionUID = 1L;

    public static final String LEADER_ID = "leader_id";
    public static final String LEADER_HOST = "leader_host";
    public static final String LEADER_PORT = "leader_port";

    private final transient QuorumVoters.Voter leader;

    public NotControllerException(int nodeId, Optional<QuorumVoters.Voter> leader) {
        super(ErrorCode.NOT_CONTROLLER, "controller " + nodeId + " is not the active controller"
                + leader.map(l -> "; the active controller is " + l).orElse("; no active controller is known"));
        this.leader = leader.orElse(null);
    }

    public Optional<QuorumVoters.Voter> leader() {
        return Optional.ofNullable(leader);
    }

    /** The gRPC failure: ErrorInfo NOT_CONTROLLER with leader_id/leader_host/leader_port when known. */
    public StatusRuntimeException toStatus() {
        Map<String, String> hint = leader == null ? Map.of() : Map.of(
                LEADER_ID, String.valueOf(leader.nodeId()),
                LEADER_HOST, leader.host(),
                LEADER_PORT, String.valueOf(leader.port()));
        return GrpcErrors.toStatus(ErrorCode.NOT_CONTROLLER, getMessage(), hint);
    }
}
