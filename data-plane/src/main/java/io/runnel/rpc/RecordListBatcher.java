package io.runnel.rpc;

import io.runnel.common.errors.ApiException;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.ProduceRecord;
import io.runnel.proto.ProduceRecordList;
import io.runnel.proto.RecordHeader;
import java.nio.ByteBuffer;

/**
 * Builds the one Kafka v2 batch that Produce's messages form stands for ({@code PartitionProduceData.messages}
 * in produce.proto): records in the given order from offset 0 (the log assigns the real offsets), no
 * producer id, CreateTime, compressed with the codec the broker picks. The batch then takes exactly the
 * path and checks of a batch a client built (size, timestamps, CRC).
 *
 * <p>Bound: the records' uncompressed bytes stop at {@code uncompressedBytesMax} (RECORD_TOO_LARGE), so a
 * request of many tiny records cannot make the broker build a batch several times the request's size; the
 * caller passes the topic's max.message.bytes for an uncompressed batch (anything larger would be refused
 * anyway) and the decompressed-records bound for a compressed one. Pure: no I/O, the time is passed in.
 * Stateless and thread-safe.
 */
final class RecordListBatcher {

    private RecordListBatcher() {
    }

    /**
     * The batch, or an ApiException: INVALID_RECORD for an empty list, INVALID_TIMESTAMP for a negative
     * {@code timestamp_ms}, RECORD_TOO_LARGE past {@code uncompressedBytesMax}.
     *
     * @param nowMs the timestamp of records without one (Kafka's producer stamps them with its clock)
     */
    static ByteBuffer build(ProduceRecordList list, CompressionType compression, long nowMs, int uncompressedBytesMax) {
        if (list.getRecordsCount() == 0) {
            throw new ApiException(ErrorCode.INVALID_RECORD, "messages holds no records");
        }
        RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(compression)
                .initialCapacityBytes(Math.min(uncompressedBytesMax, Math.max(RecordBatch.HEADER_SIZE,
                        list.getSerializedSize() + RecordBatch.HEADER_SIZE)))
                .newBuilder();
        for (int i = 0; i < list.getRecordsCount(); i++) {
            ProduceRecord record = list.getRecords(i);
            if (record.hasTimestampMs() && record.getTimestampMs() < 0) {
                builder.abort();
                throw new ApiException(ErrorCode.INVALID_TIMESTAMP, "messages.records[" + i + "].timestamp_ms is "
                        + record.getTimestampMs() + "; a timestamp is ms since the epoch, >= 0, or absent for the broker's clock");
            }
            builder.append(record.hasTimestampMs() ? record.getTimestampMs() : nowMs,
                    record.hasKey() ? record.getKey().toByteArray() : null,
                    record.hasValue() ? record.getValue().toByteArray() : null, headers(record));
            if (builder.estimatedSizeInBytes() > uncompressedBytesMax) {
                builder.abort();
                throw new ApiException(ErrorCode.RECORD_TOO_LARGE, "messages: the first " + (i + 1) + " of "
                        + list.getRecordsCount() + " records already take more than " + uncompressedBytesMax
                        + " bytes, the largest batch this topic accepts" + (compression == CompressionType.NONE
                        ? " (max.message.bytes)" : " before compression"));
            }
        }
        return builder.build();
    }

    private static Header[] headers(ProduceRecord record) {
        Header[] headers = new Header[record.getHeadersCount()];
        for (int i = 0; i < headers.length; i++) {
            RecordHeader header = record.getHeaders(i);
            headers[i] = new Header(header.getKey(), header.hasValue() ? header.getValue().toByteArray() : null);
        }
        return headers;
    }
}
