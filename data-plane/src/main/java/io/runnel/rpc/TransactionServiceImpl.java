package io.runnel.rpc;

import io.grpc.stub.StreamObserver;
import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.ErrorText;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.InitProducerIdRequest;
import io.runnel.proto.InitProducerIdResponse;
import io.runnel.proto.TransactionServiceGrpc;
import io.runnel.txn.ProducerIdManager;

/**
 * The InitProducerId RPC: an idempotent producer's id (from the broker's {@link ProducerIdManager}) with
 * epoch 0. Transactional ids are answered UNSUPPORTED_VERSION until transactions land. Errors are
 * answered in the response (a Kafka-named code and a message), never as a failed call. Stateless and
 * thread-safe.
 */
public final class TransactionServiceImpl extends TransactionServiceGrpc.TransactionServiceImplBase {

    private final ProducerIdManager producerIds;

    public TransactionServiceImpl(ProducerIdManager producerIds) {
        this.producerIds = producerIds;
    }

    @Override
    public void initProducerId(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> observer) {
        try {
            if (!request.getTransactionalId().isEmpty()) {
                answer(observer, error(ErrorCode.UNSUPPORTED_VERSION, "transactional id "
                        + ErrorText.quote(request.getTransactionalId()) + ": transactions are not supported by this broker yet;"
                        + " an idempotent producer sends no transactional id"));
                return;
            }
            boolean noProducer = request.getProducerId() == -1 && request.getProducerEpoch() == -1;
            boolean aProducer = request.getProducerId() >= 0 && request.getProducerEpoch() >= 0
                    && request.getProducerEpoch() <= Short.MAX_VALUE;
            if (!noProducer && !aProducer) {
                answer(observer, error(ErrorCode.INVALID_REQUEST, "producer_id " + request.getProducerId() + " and producer_epoch "
                        + request.getProducerEpoch() + " must both be -1 (a new producer) or both be a producer's id and"
                        + " epoch (0.." + Short.MAX_VALUE + ")"));
                return;
            }
            // As in Kafka, a producer without a transactional id always gets a new id: its old one is its own.
            producerIds.generateProducerId().whenComplete((id, failure) -> {
                if (failure == null) {
                    answer(observer, InitProducerIdResponse.newBuilder().setError(ErrorCode.NONE)
                            .setProducerId(id).setProducerEpoch(0).build());
                } else {
                    Throwable cause = Requests.unwrap(failure);
                    ApiException api = cause instanceof ApiException e ? e
                            : new ApiException(ErrorCode.UNKNOWN_SERVER_ERROR, "cannot issue a producer id: " + cause);
                    answer(observer, error(api.code(), api.getMessage()));
                }
            });
        } catch (RuntimeException e) {
            Requests.fail(observer, e);
        }
    }

    private static InitProducerIdResponse error(ErrorCode code, String message) {
        return InitProducerIdResponse.newBuilder().setError(code)
                .setErrorMessage(ErrorText.printable(message, ApiException.MESSAGE_CHARS_MAX))
                .setProducerId(-1).setProducerEpoch(-1).build();
    }

    private static void answer(StreamObserver<InitProducerIdResponse> observer, InitProducerIdResponse response) {
        observer.onNext(response);
        observer.onCompleted();
    }
}
