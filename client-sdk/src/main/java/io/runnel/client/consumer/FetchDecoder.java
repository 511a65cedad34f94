package io.runnel.client.consumer;

import io.runnel.client.serialization.Deserializer;
import io.runnel.client.serialization.SerializationException;
import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.CloseableIterator;
import io.runnel.common.record.Headers;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.Records;
import io.runnel.common.rpc.AliasingProtos;
import io.runnel.proto.AbortedTransaction;
import io.runnel.proto.ErrorCode;
import io.runnel.proto.FetchPartitionResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Turns one partition's fetch answer into consumer records: whole v2 batches only (a trailing partial
 * batch is ignored), CRC checked when {@code check.crcs}, control batches skipped, records below the
 * position skipped, and with read_committed the batches of the aborted transactions the answer lists
 * left out (Kafka's algorithm: a producer id is aborted from its transaction's first offset until its
 * next control batch). Stateless apart from its settings; used on the consumer's thread.
 *
 * <p>Batches are looked at up front (their CRCs, the aborted transactions, where the answer ends), records
 * are decoded only as they are handed out ({@link Decoded#take}): the consumer asks for the partition's
 * next answer as soon as it knows where this one ends, and the decoding of a 1 MiB answer, the larger
 * part of a consumer's work, happens while the next answer travels.
 */
final class FetchDecoder<K, V> {

    /**
     * The records of one answer, decoded on demand, and the offset after the last batch looked at (where
     * the position goes once they are handed out). Used by the consumer's thread only.
     */
    final class Decoded {
        private final TopicPartition tp;
        private final long position;
        private final Iterator<RecordBatch> batches;
        private final long nextOffset;
        private RecordBatch batch;
        private CloseableIterator<Record> records;
        private ConsumerRecord<K, V> next;
        private long failedOffset = -1;

        private Decoded(TopicPartition tp, long position, List<RecordBatch> batches, long nextOffset) {
            this.tp = tp;
            this.position = position;
            this.batches = batches.iterator();
            this.nextOffset = nextOffset;
        }

        long nextOffset() {
            return nextOffset;
        }

        /**
         * True when another record is to be handed out. Decodes it; a record that cannot be deserialized
         * fails here with {@link SerializationException} and stays the next one (its offset is
         * {@link #nextRecordOffset}), so the caller can hand out what it has and let the application seek past.
         */
        boolean hasNext() {
            while (next == null) {
                if (records != null && records.hasNext()) {
                    Record record = records.next();
                    if (record.offset() >= position) {
                        failedOffset = record.offset();
                        next = toConsumerRecord(tp, batch, record);
                        failedOffset = -1;
                    }
                    continue;
                }
                if (records != null) {
                    records.close();
                    records = null;
                }
                if (!batches.hasNext()) {
                    return false;
                }
                batch = batches.next();
                records = batch.records();
            }
            return true;
        }

        /** The offset of the record that could not be deserialized, -1 when none failed. */
        long failedOffset() {
            return failedOffset;
        }

        /** The offset of the record {@link #hasNext} found, or {@link #nextOffset} when there is none. */
        long nextRecordOffset() {
            return hasNext() ? next.offset() : nextOffset;
        }

        /** Up to {@code max} records, in offset order, appended to {@code out}; returns how many. */
        int take(int max, List<ConsumerRecord<K, V>> out) {
            int taken = 0;
            while (taken < max && hasNext()) {
                out.add(next);
                next = null;
                taken++;
            }
            return taken;
        }
    }

    private final Deserializer<K> keyDeserializer;
    private final Deserializer<V> valueDeserializer;
    private final boolean checkCrcs;
    private final boolean readCommitted;
    private final int partitionMaxBytes;
    private final int fetchMaxBytes;

    FetchDecoder(Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer, boolean checkCrcs,
                 boolean readCommitted, int partitionMaxBytes, int fetchMaxBytes) {
        this.keyDeserializer = keyDeserializer;
        this.valueDeserializer = valueDeserializer;
        this.checkCrcs = checkCrcs;
        this.readCommitted = readCommitted;
        this.partitionMaxBytes = partitionMaxBytes;
        this.fetchMaxBytes = fetchMaxBytes;
    }

    /** Looks at the answer's batches (see the class comment); its records are decoded as they are taken. */
    Decoded decode(TopicPartition tp, long position, FetchPartitionResponse response) {
        // A view of the answer's own bytes (Fetcher parses answers with AliasingProtos): the CRC check reads the
        // array as it is instead of copying it through a temporary buffer.
        Records records = Records.wrap(AliasingProtos.view(response.getRecords()));
        List<RecordBatch> deliverable = new ArrayList<>();
        long nextOffset = position;
        boolean anyBatch = false;
        PriorityQueue<AbortedTransaction> aborted = new PriorityQueue<>(
                Comparator.comparingLong(AbortedTransaction::getFirstOffset));
        if (readCommitted) {
            aborted.addAll(response.getAbortedTransactionsList());
        }
        Set<Long> abortedProducerIds = new HashSet<>();
        for (RecordBatch batch : records.batches()) {
            anyBatch = true;
            if (batch.lastOffset() < position) {
                continue;
            }
            if (checkCrcs) {
                batch.ensureValid();
            }
            if (readCommitted) {
                while (!aborted.isEmpty() && aborted.peek().getFirstOffset() <= batch.lastOffset()) {
                    abortedProducerIds.add(aborted.poll().getProducerId());
                }
                if (batch.isControlBatch()) {
                    // The marker ends the producer's transaction: its later batches are not aborted ones.
                    abortedProducerIds.remove(batch.producerId());
                } else if (batch.isTransactional() && abortedProducerIds.contains(batch.producerId())) {
                    nextOffset = batch.nextOffset();
                    continue;
                }
            }
            if (!batch.isControlBatch()) {
                deliverable.add(batch);
            }
            nextOffset = batch.nextOffset();
        }
        if (!anyBatch && !response.getRecords().isEmpty()) {
            throw ApiException.of(ErrorCode.RECORD_TOO_LARGE, "partition " + tp + " holds a batch at offset "
                    + position + " larger than the fetch size (max.partition.fetch.bytes " + partitionMaxBytes
                    + ", fetch.max.bytes " + fetchMaxBytes + "); raise them to read it");
        }
        return new Decoded(tp, position, deliverable, nextOffset);
    }

    private ConsumerRecord<K, V> toConsumerRecord(TopicPartition tp, RecordBatch batch, Record record) {
        byte[] keyBytes = record.hasKey() ? bytes(record.key()) : null;
        byte[] valueBytes = record.hasValue() ? bytes(record.value()) : null;
        Headers headers = Headers.readOnly(record.headers());
        K key;
        V value;
        try {
            key = keyDeserializer.deserialize(tp.topic(), headers, keyBytes);
            value = valueDeserializer.deserialize(tp.topic(), headers, valueBytes);
        } catch (RuntimeException e) {
            throw new SerializationException("cannot deserialize the record at offset " + record.offset() + " of "
                    + tp + "; seek past it to continue: " + e, e);
        }
        return new ConsumerRecord<>(tp.topic(), tp.partition(), record.offset(), record.timestamp(),
                batch.timestampType(), keyBytes == null ? -1 : keyBytes.length,
                valueBytes == null ? -1 : valueBytes.length, key, value, headers, batch.partitionLeaderEpoch());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] array = new byte[buffer.remaining()];
        buffer.get(buffer.position(), array); // absolute: no duplicate buffer per record
        return array;
    }
}
