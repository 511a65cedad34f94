package io.runnel.group;

import io.runnel.proto.ConsumerGroupHeartbeatResponse;

/**
 * A member's stream as the coordinator sees it: messages go out, and the stream can be ended. Implemented by
 * the RPC layer; its methods are called on the coordinator's event thread only and must not block.
 */
public interface MemberChannel {

    /** Sends a message; false when the stream is gone or refuses more (its buffer is full). */
    boolean send(ConsumerGroupHeartbeatResponse message);

    /** Ends the stream (after a last message with an error, or when the coordinator moves). */
    void close();

    /** The member's address, as members are described ("/10.0.0.7"). */
    String clientHost();
}
