package io.runnel.common.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Byte compatibility with Apache Kafka's own client library (kafka-clients, test scope only), both
 * ways, for every compression type: what our builder writes Kafka reads back exactly, and what Kafka's
 * builder writes we read back exactly; uncompressed batches are byte-identical.
 */
class KafkaCompatibilityTest {

    private static final long BASE_OFFSET = 1000L;
    private static final long PRODUCER_ID = 4242L;
    private static final short PRODUCER_EPOCH = 7;
    private static final int BASE_SEQUENCE = 100;
    private static final int LEADER_EPOCH = 12;

    private static RecordBatchBuilder.Spec ourSpec(CompressionType type) {
        return RecordBatchBuilder.spec()
                .compression(type)
                .baseOffset(BASE_OFFSET)
                .producerId(PRODUCER_ID).producerEpoch(PRODUCER_EPOCH).baseSequence(BASE_SEQUENCE)
                .transactional(true)
                .partitionLeaderEpoch(LEADER_EPOCH)
                .initialCapacityBytes(512);
    }

    private static ByteBuffer kafkaBuild(CompressionType type, List<TestRecord> records) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(512),
                org.apache.kafka.common.record.RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.of(kafkaType(type)).build(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                BASE_OFFSET, org.apache.kafka.common.record.RecordBatch.NO_TIMESTAMP,
                PRODUCER_ID, PRODUCER_EPOCH, BASE_SEQUENCE, true, false, LEADER_EPOCH);
        for (TestRecord r : records) {
            builder.append(r.timestamp(), r.key(), r.value(), kafkaHeaders(r.headers()));
        }
        return builder.build().buffer();
    }

    private static org.apache.kafka.common.record.CompressionType kafkaType(CompressionType type) {
        return org.apache.kafka.common.record.CompressionType.forId(type.id);
    }

    private static org.apache.kafka.common.header.Header[] kafkaHeaders(Header[] headers) {
        if (headers == null) {
            return new org.apache.kafka.common.header.Header[0];
        }
        org.apache.kafka.common.header.Header[] converted = new org.apache.kafka.common.header.Header[headers.length];
        for (int i = 0; i < headers.length; i++) {
            converted[i] = new RecordHeader(headers[i].key(), headers[i].value());
        }
        return converted;
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void kafkaReadsWhatWeWrite(CompressionType type) {
        List<TestRecord> inputs = TestRecord.sample();
        ByteBuffer ours = TestRecord.build(ourSpec(type), inputs);

        List<org.apache.kafka.common.record.RecordBatch> batches = new ArrayList<>();
        MemoryRecords.readableRecords(ours.duplicate()).batches().forEach(batches::add);
        assertThat(batches).hasSize(1);
        org.apache.kafka.common.record.RecordBatch batch = batches.get(0);
        batch.ensureValid();
        assertThat(batch.magic()).isEqualTo((byte) 2);
        assertThat(batch.compressionType()).isEqualTo(kafkaType(type));
        assertThat(batch.baseOffset()).isEqualTo(BASE_OFFSET);
        assertThat(batch.lastOffset()).isEqualTo(BASE_OFFSET + inputs.size() - 1);
        assertThat(batch.producerId()).isEqualTo(PRODUCER_ID);
        assertThat(batch.producerEpoch()).isEqualTo(PRODUCER_EPOCH);
        assertThat(batch.baseSequence()).isEqualTo(BASE_SEQUENCE);
        assertThat(batch.isTransactional()).isTrue();
        assertThat(batch.isControlBatch()).isFalse();
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(LEADER_EPOCH);
        assertThat(batch.maxTimestamp()).isEqualTo(inputs.stream().mapToLong(TestRecord::timestamp).max().orElseThrow());
        assertThat(batch.countOrNull()).isEqualTo(inputs.size());

        int i = 0;
        Iterator<org.apache.kafka.common.record.Record> it = batch.iterator();
        while (it.hasNext()) {
            org.apache.kafka.common.record.Record kafkaRecord = it.next();
            TestRecord expected = inputs.get(i);
            assertThat(kafkaRecord.offset()).isEqualTo(BASE_OFFSET + i);
            assertThat(kafkaRecord.sequence()).isEqualTo(BASE_SEQUENCE + i);
            assertThat(kafkaRecord.timestamp()).isEqualTo(expected.timestamp());
            assertThat(TestRecord.bytes(kafkaRecord.key())).isEqualTo(expected.key());
            assertThat(TestRecord.bytes(kafkaRecord.value())).isEqualTo(expected.value());
            Header[] expectedHeaders = expected.headers() == null ? new Header[0] : expected.headers();
            assertThat(kafkaRecord.headers()).hasSameSizeAs(expectedHeaders);
            for (int h = 0; h < expectedHeaders.length; h++) {
                assertThat(kafkaRecord.headers()[h].key()).isEqualTo(expectedHeaders[h].key());
                assertThat(kafkaRecord.headers()[h].value()).isEqualTo(expectedHeaders[h].value());
            }
            i++;
        }
        assertThat(i).isEqualTo(inputs.size());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void weReadWhatKafkaWrites(CompressionType type) {
        List<TestRecord> inputs = TestRecord.sample();
        ByteBuffer kafka = kafkaBuild(type, inputs);

        List<RecordBatch> batches = new ArrayList<>();
        Records.wrap(kafka).batches().forEach(batches::add);
        assertThat(batches).hasSize(1);
        RecordBatch batch = batches.get(0);
        batch.ensureValid();
        assertThat(batch.compressionType()).isEqualTo(type);
        assertThat(batch.baseOffset()).isEqualTo(BASE_OFFSET);
        assertThat(batch.lastOffset()).isEqualTo(BASE_OFFSET + inputs.size() - 1);
        assertThat(batch.producerId()).isEqualTo(PRODUCER_ID);
        assertThat(batch.producerEpoch()).isEqualTo(PRODUCER_EPOCH);
        assertThat(batch.baseSequence()).isEqualTo(BASE_SEQUENCE);
        assertThat(batch.isTransactional()).isTrue();
        assertThat(batch.partitionLeaderEpoch()).isEqualTo(LEADER_EPOCH);
        assertThat(batch.recordCount()).isEqualTo(inputs.size());

        List<Record> records = TestRecord.readAll(batch);
        assertThat(records).hasSize(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            inputs.get(i).assertReadAs(records.get(i), BASE_OFFSET + i);
            assertThat(records.get(i).sequence()).isEqualTo(BASE_SEQUENCE + i);
        }
    }

    @Test
    void uncompressedBatchesAreByteIdentical() {
        List<TestRecord> inputs = TestRecord.sample();
        ByteBuffer ours = TestRecord.build(ourSpec(CompressionType.NONE), inputs);
        ByteBuffer kafka = kafkaBuild(CompressionType.NONE, inputs);
        assertThat(TestRecord.bytes(ours)).isEqualTo(TestRecord.bytes(kafka));
    }

    @Test
    void idempotentNonTransactionalBatchIsByteIdentical() {
        List<TestRecord> inputs = List.of(TestRecord.of(5L, "a", "b"), TestRecord.of(3L, null, null));
        ByteBuffer ours = TestRecord.build(RecordBatchBuilder.spec().producerId(9).producerEpoch((short) 0)
                .baseSequence(Integer.MAX_VALUE), inputs);
        MemoryRecordsBuilder builder = MemoryRecords.idempotentBuilder(ByteBuffer.allocate(128),
                Compression.NONE, 0L, 9L, (short) 0, Integer.MAX_VALUE);
        inputs.forEach(r -> builder.append(r.timestamp(), r.key(), r.value()));
        assertThat(TestRecord.bytes(ours)).isEqualTo(TestRecord.bytes(builder.build().buffer()));
        List<Record> read = TestRecord.readAll(RecordBatch.readFrom(ours));
        assertThat(read.get(1).sequence()).as("sequence wraps past Integer.MAX_VALUE").isZero();
    }

    @Test
    void endTransactionMarkersAreByteIdenticalAndReadBothWays() {
        EndTransactionMarker commit = new EndTransactionMarker(ControlRecordType.COMMIT, 17);
        ByteBuffer ours = RecordBatchBuilder.buildEndTransactionMarker(RecordBatchBuilder.spec()
                .baseOffset(77).partitionLeaderEpoch(3).producerId(PRODUCER_ID).producerEpoch(PRODUCER_EPOCH),
                1_700_000_000_000L, commit);
        MemoryRecords kafka = MemoryRecords.withEndTransactionMarker(77L, 1_700_000_000_000L, 3, PRODUCER_ID,
                PRODUCER_EPOCH, new org.apache.kafka.common.record.EndTransactionMarker(
                        org.apache.kafka.common.record.ControlRecordType.COMMIT, 17));
        assertThat(TestRecord.bytes(ours)).isEqualTo(TestRecord.bytes(kafka.buffer()));

        // Kafka reads ours.
        org.apache.kafka.common.record.RecordBatch kafkaBatch = MemoryRecords.readableRecords(ours.duplicate())
                .batches().iterator().next();
        kafkaBatch.ensureValid();
        assertThat(kafkaBatch.isControlBatch()).isTrue();
        assertThat(kafkaBatch.isTransactional()).isTrue();
        org.apache.kafka.common.record.Record kafkaRecord = kafkaBatch.iterator().next();
        assertThat(org.apache.kafka.common.record.ControlRecordType.parse(kafkaRecord.key()))
                .isEqualTo(org.apache.kafka.common.record.ControlRecordType.COMMIT);
        assertThat(org.apache.kafka.common.record.EndTransactionMarker.deserialize(kafkaRecord).coordinatorEpoch())
                .isEqualTo(17);

        // We read Kafka's (an ABORT this time).
        MemoryRecords kafkaAbort = MemoryRecords.withEndTransactionMarker(5L, 9L, 1, PRODUCER_ID, PRODUCER_EPOCH,
                new org.apache.kafka.common.record.EndTransactionMarker(
                        org.apache.kafka.common.record.ControlRecordType.ABORT, 4));
        RecordBatch batch = Records.wrap(kafkaAbort.buffer()).batches().iterator().next();
        batch.ensureValid();
        assertThat(batch.isControlBatch()).isTrue();
        assertThat(batch.isTransactional()).isTrue();
        List<Record> records = TestRecord.readAll(batch);
        assertThat(records).hasSize(1);
        assertThat(ControlRecordType.parse(records.get(0))).isEqualTo(ControlRecordType.ABORT);
        assertThat(EndTransactionMarker.deserialize(records.get(0)))
                .isEqualTo(new EndTransactionMarker(ControlRecordType.ABORT, 4));
        assertThat(records.get(0).offset()).isEqualTo(5L);
        assertThat(records.get(0).timestamp()).isEqualTo(9L);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void logAppendTimeIsGivenToEveryRecordBothWays(CompressionType type) {
        List<TestRecord> inputs = List.of(TestRecord.of(10L, "a", "1"), TestRecord.of(20L, "b", "2"));
        ByteBuffer ours = TestRecord.build(RecordBatchBuilder.spec().compression(type).logAppendTimeMs(555L), inputs);
        org.apache.kafka.common.record.RecordBatch kafkaView = MemoryRecords.readableRecords(ours.duplicate())
                .batches().iterator().next();
        kafkaView.ensureValid();
        assertThat(kafkaView.timestampType()).isEqualTo(org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME);
        List<Long> kafkaTimestamps = new ArrayList<>();
        kafkaView.iterator().forEachRemaining(r -> kafkaTimestamps.add(r.timestamp()));
        assertThat(kafkaTimestamps).as("every record Kafka reads").containsExactly(555L, 555L);

        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(256),
                org.apache.kafka.common.record.RecordBatch.CURRENT_MAGIC_VALUE, Compression.of(kafkaType(type)).build(),
                org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME, 0L, 555L);
        inputs.forEach(r -> builder.append(r.timestamp(), r.key(), r.value()));
        RecordBatch batch = RecordBatch.readFrom(builder.build().buffer());
        batch.ensureValid();
        assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(TestRecord.readAll(batch)).extracting(Record::timestamp).containsExactly(555L, 555L);
    }
}
