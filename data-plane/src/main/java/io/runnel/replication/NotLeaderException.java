package io.runnel.replication;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.proto.ErrorCode;

/** NOT_LEADER_OR_FOLLOWER, with the leader this broker knows so the RPC layer can send a hint. */
public final class NotLeaderException extends ApiException {

    private final int leaderId;
    private final int leaderEpoch;

    public NotLeaderException(TopicPartition topicPartition, int leaderId, int leaderEpoch) {
        this(topicPartition, leaderId, leaderEpoch, "this broker does not lead " + topicPartition
                + (leaderId >= 0 ? "; broker " + leaderId + " does (epoch " + leaderEpoch + ")" : "; it has no leader now"));
    }

    /** With a message of its own (a leader that may not serve yet says why). */
    public NotLeaderException(TopicPartition topicPartition, int leaderId, int leaderEpoch, String message) {
        super(ErrorCode.NOT_LEADER_OR_FOLLOWER, message);
        this.leaderId = leaderId;
        this.leaderEpoch = leaderEpoch;
    }

    public int leaderId() {
        return leaderId;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }
}
