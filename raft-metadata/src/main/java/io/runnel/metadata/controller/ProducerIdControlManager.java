package io.runnel.metadata.controller;

import io.runnel.metadata.image.BrokerRegistration;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.AllocateProducerIdsRequest;
import io.runnel.proto.AllocateProducerIdsResponse;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.metadata.MetadataRecord;
import io.runnel.proto.metadata.ProducerIdsRecord;

/**
 * Hands out blocks of {@value ControllerLimits#PRODUCER_ID_BLOCK_SIZE} producer ids. The counter lives in
 * the metadata log, so no id is handed out twice, across controller failovers too. Stateless; thread-safe.
 */
final class ProducerIdControlManager {

    private ProducerIdControlManager() {
    }

    static ControllerResult<AllocateProducerIdsResponse> allocateProducerIds(MetadataImage image,
                                                                             AllocateProducerIdsRequest request) {
        BrokerRegistration broker = image.cluster().broker(request.getBrokerId());
        if (broker == null) {
            return ControllerResult.withoutRecords(AllocateProducerIdsResponse.newBuilder()
                    .setError(ErrorCode.BROKER_ID_NOT_REGISTERED).build());
        }
        if (broker.epoch() != request.getBrokerEpoch()) {
            return ControllerResult.withoutRecords(AllocateProducerIdsResponse.newBuilder()
                    .setError(ErrorCode.STALE_BROKER_EPOCH).build());
        }
        long start = image.producerIds().nextProducerId();
        int length = ControllerLimits.PRODUCER_ID_BLOCK_SIZE;
        if (start > Long.MAX_VALUE - length) {
            return ControllerResult.withoutRecords(AllocateProducerIdsResponse.newBuilder()
                    .setError(ErrorCode.UNKNOWN_SERVER_ERROR).build());
        }
        MetadataRecord record = MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                .setBrokerId(broker.id()).setBrokerEpoch(broker.epoch()).setNextProducerId(start + length)).build();
        return ControllerResult.of(java.util.List.of(record), AllocateProducerIdsResponse.newBuilder()
                .setError(ErrorCode.NONE).setProducerIdStart(start).setProducerIdLen(length).build());
    }
}
