package io.runnel.rpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.proto.ReplicaFetchRequest;
import io.runnel.proto.ReplicaFetchResponse;
import io.runnel.proto.ReplicationServiceGrpc;
import io.runnel.replication.ReplicaManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's end of the followers' fetch streams (replication.proto): each request is handed to the
 * {@link ReplicaManager}, whose answer (at once, or when a waiting fetch completes) goes back on the
 * stream. Answers of one stream are written one at a time. Stateless apart from each stream's
 * observer; thread-safe.
 */
public final class ReplicationServiceImpl extends ReplicationServiceGrpc.ReplicationServiceImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicationServiceImpl.class);

    private final ReplicaManager replicaManager;

    public ReplicationServiceImpl(ReplicaManager replicaManager) {
        this.replicaManager = replicaManager;
    }

    @Override
    public StreamObserver<ReplicaFetchRequest> replicaFetch(StreamObserver<ReplicaFetchResponse> responses) {
        ServerCallStreamObserver<ReplicaFetchResponse> stream = (ServerCallStreamObserver<ReplicaFetchResponse>) responses;
        Object writeLock = new Object();
        boolean[] done = new boolean[1];
        stream.setOnCancelHandler(() -> {
            synchronized (writeLock) {
                done[0] = true;
            }
        });
        return new StreamObserver<>() {
            @Override
            public void onNext(ReplicaFetchRequest request) {
                try {
                    replicaManager.fetchForFollower(request, response -> {
                        synchronized (writeLock) {
                            if (!done[0]) {
                                stream.onNext(response);
                            }
                        }
                    });
                } catch (RuntimeException e) {
                    LOG.error("Follower fetch of broker {} failed", request.getReplicaId(), e);
                    synchronized (writeLock) {
                        if (!done[0]) {
                            done[0] = true;
                            Requests.fail(stream, e);
                        }
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                synchronized (writeLock) {
                    done[0] = true;
                }
            }

            @Override
            public void onCompleted() {
                synchronized (writeLock) {
                    if (!done[0]) {
                        done[0] = true;
                        stream.onCompleted();
                    }
                }
            }
        };
    }
}
