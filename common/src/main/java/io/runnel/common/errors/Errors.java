package io.runnel.common.errors;

import io.runnel.proto.ErrorCode;
import java.util.EnumSet;
import java.util.Set;

/**
 * The one error catalogue: which {@link ErrorCode}s a client may retry, with Apache Kafka's meaning of
 * each code. Stateless and thread-safe.
 */
public final class Errors {

    private static final Set<ErrorCode> RETRIABLE = EnumSet.noneOf(ErrorCode.class);

    static {
        for (String name : "CORRUPT_MESSAGE UNKNOWN_TOPIC_OR_PARTITION LEADER_NOT_AVAILABLE NOT_LEADER_OR_FOLLOWER REQUEST_TIMED_OUT BROKER_NOT_AVAILABLE REPLICA_NOT_AVAILABLE NETWORK_EXCEPTION COORDINATOR_LOAD_IN_PROGRESS COORDINATOR_NOT_AVAILABLE NOT_COORDINATOR NOT_ENOUGH_REPLICAS NOT_ENOUGH_REPLICAS_AFTER_APPEND NOT_CONTROLLER CONCURRENT_TRANSACTIONS KAFKA_STORAGE_ERROR FENCED_LEADER_EPOCH UNKNOWN_LEADER_EPOCH OFFSET_NOT_AVAILABLE PREFERRED_LEADER_NOT_AVAILABLE ELIGIBLE_LEADERS_NOT_AVAILABLE ELECTION_NOT_NEEDED UNSTABLE_OFFSET_COMMIT UNKNOWN_TOPIC_ID INCONSISTENT_TOPIC_ID".split(" ")) {
            RETRIABLE.add(ErrorCode.valueOf(name));
        }
    }

    private Errors() {
    }

    /** True when the same request may succeed if sent again later (possibly to another broker). */
    public static boolean isRetriable(ErrorCode code) {
        return RETRIABLE.contains(code);
    }

    /** True for errors that mean the client's view of partition leadership is stale. */
    public static boolean invalidatesMetadata(ErrorCode code) {
        return switch (code) {
            case NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH,
                 UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, KAFKA_STORAGE_ERROR, NOT_CONTROLLER,
                 REPLICA_NOT_AVAILABLE, BROKER_NOT_AVAILABLE -> true;
            default -> false;
        };
    }
}
