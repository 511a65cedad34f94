package io.runnel.replication;

import io.runnel.proto.ReplicaFetchRequest;
import io.runnel.proto.ReplicaFetchResponse;
import java.util.concurrent.CompletableFuture;

/**
 * How a follower reaches a leader broker: the RPC layer implements it with one ReplicationService stream
 * per {@link LeaderChannel}. The replication shell never sees the transport.
 */
public interface LeaderChannels {

    /** Opens a fetch stream to broker {@code leaderId}; throws if the broker's address is not known. */
    LeaderChannel open(int leaderId);

    /**
     * One stream. A fetch is answered once; the next is sent only after that. Any failure ends the stream
     * (the future fails and later fetches fail at once); the fetcher closes it and opens another.
     */
    interface LeaderChannel extends AutoCloseable {
        CompletableFuture<ReplicaFetchResponse> fetch(ReplicaFetchRequest request);

        @Override
        void close();
    }
}
