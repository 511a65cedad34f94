package io.runnel.common.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link RecordBatchBuilder}: offsets, limits, estimates, build semantics and misuse. */
class RecordBatchBuilderTest {

    private static byte[] noise(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void appendAssignsConsecutiveOffsetsFromTheBase() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().baseOffset(100).newBuilder();
        assertThat(builder.append(1L, (byte[]) null, TestRecord.utf8("a"), null)).isEqualTo(100);
        assertThat(builder.append(2L, null, TestRecord.utf8("b"), null)).isEqualTo(101);
        RecordBatch batch = RecordBatch.readFrom(builder.build());
        assertThat(batch.recordCount()).isEqualTo(2);
        assertThat(batch.baseOffset()).isEqualTo(100);
        assertThat(batch.lastOffsetDelta()).isEqualTo(1);
        assertThat(batch.baseTimestamp()).isEqualTo(1L);
        assertThat(batch.maxTimestamp()).isEqualTo(2L);
    }

    @Test
    void appendWithOffsetAllowsGapsButNotGoingBack() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().baseOffset(10).newBuilder();
        builder.appendWithOffset(12, 1L, null, ByteBuffer.wrap(new byte[] {1}), null);
        builder.appendWithOffset(15, 1L, null, ByteBuffer.wrap(new byte[] {2}), null);
        assertThatThrownBy(() -> builder.appendWithOffset(15, 1L, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("above the last offset 15");
        RecordBatch batch = RecordBatch.readFrom(builder.build());
        assertThat(batch.lastOffset()).isEqualTo(15);
        assertThat(TestRecord.readAll(batch)).extracting(Record::offset).containsExactly(12L, 15L);
        assertThatThrownBy(() -> RecordBatchBuilder.spec().baseOffset(10).newBuilder().appendWithOffset(9, 1L, null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void appendDoesNotMoveTheCallersBuffers() {
        ByteBuffer key = ByteBuffer.wrap(TestRecord.utf8("xxkey"));
        key.position(2);
        ByteBuffer value = ByteBuffer.wrap(TestRecord.utf8("value"));
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        builder.appendWithOffset(0, 5L, key, value, null);
        assertThat(key.position()).isEqualTo(2);
        assertThat(value.position()).isZero();
        Record record = TestRecord.readAll(RecordBatch.readFrom(builder.build())).get(0);
        assertThat(TestRecord.bytes(record.key())).isEqualTo(TestRecord.utf8("key"));
    }

    @Test
    void buildIsIdempotentAndEndsAppending() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(CompressionType.ZSTD).newBuilder();
        builder.append(1L, TestRecord.utf8("k"), TestRecord.utf8("v"), null);
        ByteBuffer first = builder.build();
        first.position(10);
        ByteBuffer second = builder.build();
        assertThat(second.position()).isZero();
        assertThat(second.limit()).isEqualTo(first.limit());
        assertThat(TestRecord.bytes(second)).isEqualTo(TestRecord.bytes(first.position(0)));
        assertThat(builder.isFull()).isTrue();
        assertThat(builder.hasRoomFor(1L, (byte[]) null, null, null)).isFalse();
        assertThat(builder.estimatedSizeInBytes()).isEqualTo(first.limit());
        assertThatThrownBy(() -> builder.append(1L, (byte[]) null, null, null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already built");
    }

    @Test
    void emptyBuilderBuildsNothing() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(CompressionType.GZIP).newBuilder();
        assertThat(builder.build().remaining()).isZero();
    }

    @Test
    void abortReleasesAndForbidsBuilding() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(CompressionType.ZSTD).newBuilder();
        for (int i = 0; i < 1000; i++) {
            builder.append(1L, null, noise(100, i), null);
        }
        builder.abort();
        builder.abort();
        assertThat(builder.isFull()).isTrue();
        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("aborted");
    }

    @Test
    void firstRecordAlwaysFitsEvenOverTheLimit() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().writeLimitBytes(100).newBuilder();
        byte[] big = new byte[1000];
        assertThat(builder.hasRoomFor(1L, null, big, null)).isTrue();
        builder.append(1L, null, big, null);
        assertThat(builder.isFull()).isTrue();
        assertThat(builder.hasRoomFor(1L, null, new byte[1], null)).isFalse();
        assertThat(builder.build().limit()).isGreaterThan(1000);
    }

    @Test
    void uncompressedBatchFillsUpToTheLimitExactly() {
        int limit = 1000;
        RecordBatchBuilder builder = RecordBatchBuilder.spec().writeLimitBytes(limit).initialCapacityBytes(64).newBuilder();
        byte[] value = new byte[37];
        while (builder.hasRoomFor(7L, null, value, null)) {
            int before = builder.estimatedSizeInBytes();
            builder.append(7L, null, value, null);
            assertThat(builder.estimatedSizeInBytes()).isGreaterThan(before);
        }
        ByteBuffer built = builder.build();
        assertThat(built.limit()).isLessThanOrEqualTo(limit).isEqualTo(builder.estimatedSizeInBytes());
        // One more record of this size would not have fitted.
        int recordSize = TestRecord.readAll(RecordBatch.readFrom(built)).get(1).sizeInBytes();
        assertThat(built.limit() + recordSize).isGreaterThan(limit);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void compressedEstimateIsConservativeForIncompressibleData(CompressionType type) {
        int limit = 16_384;
        RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(type).writeLimitBytes(limit).newBuilder();
        int appended = 0;
        while (builder.hasRoomFor(1L, null, new byte[100], null)) {
            builder.append(1L, null, noise(100, appended++), null);
        }
        int estimate = builder.estimatedSizeInBytes();
        ByteBuffer built = builder.build();
        assertThat(built.limit()).as("actual size").isLessThanOrEqualTo(estimate).isLessThanOrEqualTo(limit);
        assertThat(TestRecord.readAll(RecordBatch.readFrom(built))).hasSize(appended);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void compressionRatioIsReportedAndCanTightenTheEstimate(CompressionType type) {
        byte[] value = "the same hundred bytes of text, over and over, compress very well indeed. ".repeat(2)
                .substring(0, 100).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        RecordBatchBuilder loose = RecordBatchBuilder.spec().compression(type).writeLimitBytes(16_384).newBuilder();
        while (loose.hasRoomFor(1L, null, value, null)) {
            loose.append(1L, null, value, null);
        }
        loose.build();
        double ratio = loose.compressionRatio();
        assertThat(ratio).isLessThan(0.5);

        RecordBatchBuilder tight = RecordBatchBuilder.spec().compression(type).writeLimitBytes(16_384)
                .estimatedCompressionRatio(ratio).newBuilder();
        while (tight.hasRoomFor(1L, null, value, null)) {
            tight.append(1L, null, value, null);
        }
        assertThat(RecordBatch.readFrom(tight.build()).recordCount())
                .isGreaterThan(2 * RecordBatch.readFrom(loose.build()).recordCount());
        assertThat(tight.build().limit()).isLessThanOrEqualTo((int) (16_384 * 1.1));
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void growsPastTheInitialCapacityAndStreamsLargeBatches(CompressionType type) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(type).initialCapacityBytes(0).newBuilder();
        for (int i = 0; i < 300; i++) {
            builder.append(i, TestRecord.utf8("k" + i), noise(1000 + i, i), null);
        }
        builder.append(1L, null, noise(200_000, 99), null);
        List<Record> read = TestRecord.readAll(RecordBatch.readFrom(builder.build()));
        assertThat(read).hasSize(301);
        assertThat(TestRecord.bytes(read.get(150).value())).isEqualTo(noise(1150, 150));
        assertThat(TestRecord.bytes(read.get(300).value())).isEqualTo(noise(200_000, 99));
    }

    @Test
    void deleteHorizonIsCarriedInBaseTimestamp() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().deleteHorizonMs(5_000L).newBuilder();
        builder.append(7_000L, TestRecord.utf8("k"), null, null);
        builder.append(3_000L, TestRecord.utf8("j"), null, null);
        RecordBatch batch = RecordBatch.readFrom(builder.build());
        batch.ensureValid();
        assertThat(batch.hasDeleteHorizonMs()).isTrue();
        assertThat(batch.baseTimestamp()).isEqualTo(5_000L);
        assertThat(TestRecord.readAll(batch)).extracting(Record::timestamp).containsExactly(7_000L, 3_000L);
    }

    @Test
    void anOverriddenLastOffsetKeepsTheBatchRangeAboveItsLastRecord() {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().baseOffset(100).newBuilder();
        builder.appendWithOffset(102, 1_000L, java.nio.ByteBuffer.wrap(TestRecord.utf8("k")), java.nio.ByteBuffer.wrap(TestRecord.utf8("v")), null);
        builder.overrideLastOffset(109);
        RecordBatch batch = RecordBatch.readFrom(builder.build());
        batch.ensureValid();
        assertThat(batch.lastOffset()).isEqualTo(109);
        assertThat(batch.recordCount()).isEqualTo(1);
        assertThat(TestRecord.readAll(batch)).extracting(Record::offset).containsExactly(102L);
        RecordBatchBuilder below = RecordBatchBuilder.spec().baseOffset(100).newBuilder();
        below.appendWithOffset(105, 1_000L, java.nio.ByteBuffer.wrap(TestRecord.utf8("k")), java.nio.ByteBuffer.wrap(TestRecord.utf8("v")), null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> below.overrideLastOffset(104))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("104");
    }

    @Test
    void appendingReadRecordsRecompressesThemUnchanged() {
        List<TestRecord> inputs = TestRecord.sample();
        RecordBatch gzip = RecordBatch.readFrom(TestRecord.build(RecordBatchBuilder.spec()
                .compression(CompressionType.GZIP).baseOffset(50), inputs));
        RecordBatchBuilder lz4 = RecordBatchBuilder.spec().compression(CompressionType.LZ4).baseOffset(50).newBuilder();
        try (CloseableIterator<Record> it = gzip.records()) {
            it.forEachRemaining(lz4::append);
        }
        List<Record> read = TestRecord.readAll(RecordBatch.readFrom(lz4.build()));
        for (int i = 0; i < inputs.size(); i++) {
            inputs.get(i).assertReadAs(read.get(i), 50 + i);
        }
    }

    @Test
    void misuseIsRefused() {
        assertThatThrownBy(() -> RecordBatchBuilder.spec().transactional(true).newBuilder())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a producerId");
        RecordBatchBuilder plain = RecordBatchBuilder.spec().newBuilder();
        assertThatThrownBy(() -> plain.append(-5L, (byte[]) null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timestamp -5");
        assertThatThrownBy(() -> RecordBatchBuilder.spec().writeLimitBytes(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RecordBatchBuilder.spec().estimatedCompressionRatio(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void controlBatchCarriesTheMarker() {
        ByteBuffer bytes = RecordBatchBuilder.buildEndTransactionMarker(RecordBatchBuilder.spec()
                        .compression(CompressionType.GZIP).producerId(3).producerEpoch((short) 2).baseOffset(9),
                123L, new EndTransactionMarker(ControlRecordType.ABORT, 5));
        RecordBatch batch = RecordBatch.readFrom(bytes);
        batch.ensureValid();
        assertThat(batch.isControlBatch()).isTrue();
        assertThat(batch.isTransactional()).isTrue();
        assertThat(batch.compressionType()).isEqualTo(CompressionType.NONE);
        assertThat(batch.producerId()).isEqualTo(3);
        Record record = TestRecord.readAll(batch).get(0);
        assertThat(record.offset()).isEqualTo(9);
        assertThat(ControlRecordType.parse(record)).isEqualTo(ControlRecordType.ABORT);
        assertThat(EndTransactionMarker.deserialize(record)).isEqualTo(new EndTransactionMarker(ControlRecordType.ABORT, 5));
    }

    @Test
    void controlRecordParsingIsStrictAboutShapeAndLenientAboutNewTypes() {
        assertThat(ControlRecordType.parse(ByteBuffer.wrap(new byte[] {0, 0, 0, 9}))).isEqualTo(ControlRecordType.UNKNOWN);
        assertThat(ControlRecordType.parse(ByteBuffer.wrap(new byte[] {0, 1, 0, 1, 7}))).isEqualTo(ControlRecordType.COMMIT);
        assertThatThrownBy(() -> ControlRecordType.parse(ByteBuffer.wrap(new byte[] {0, 0, 1})))
                .isInstanceOf(io.runnel.common.errors.CorruptRecordException.class).hasMessageContaining("needs at least 4");
        assertThatThrownBy(() -> ControlRecordType.parse(ByteBuffer.wrap(new byte[] {-1, -1, 0, 1})))
                .isInstanceOf(io.runnel.common.errors.CorruptRecordException.class).hasMessageContaining("version -1");
        assertThatThrownBy(() -> new EndTransactionMarker(ControlRecordType.UNKNOWN, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
