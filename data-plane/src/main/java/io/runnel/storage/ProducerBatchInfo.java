package io.runnel.storage;

import io.runnel.common.record.RecordBatch;

/**
 * The header fields of one stored or incoming batch that producer state is built from: producer id,
 * epoch, the sequence and offset ranges, the max timestamp and the control/transactional flags.
 * Immutable value; read from a {@link RecordBatch} or a {@link FileRecords.BatchHeader} without touching
 * the records.
 */
record ProducerBatchInfo(long producerId, short producerEpoch, int baseSequence, int lastSequence, long firstOffset,
                         long lastOffset, long maxTimestamp, boolean control, boolean transactional) {

    static ProducerBatchInfo of(RecordBatch batch) {
        return new ProducerBatchInfo(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence(),
                batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(), batch.isControlBatch(), batch.isTransactional());
    }

    static ProducerBatchInfo of(FileRecords.BatchHeader header) {
        int baseSequence = header.baseSequence();
        int lastSequence = baseSequence == RecordBatch.NO_SEQUENCE ? RecordBatch.NO_SEQUENCE
                : RecordBatch.incrementSequence(baseSequence, header.lastOffsetDelta());
        return new ProducerBatchInfo(header.producerId(), header.producerEpoch(), baseSequence, lastSequence,
                header.baseOffset(), header.lastOffset(), header.maxTimestamp(),
                RecordBatch.isControlBatch(header.attributes()), RecordBatch.isTransactional(header.attributes()));
    }

    boolean hasProducerId() {
        return producerId != RecordBatch.NO_PRODUCER_ID;
    }

    ProducerBatchMetadata metadata() {
        return new ProducerBatchMetadata(baseSequence, lastSequence, firstOffset, lastOffset, maxTimestamp);
    }
}
