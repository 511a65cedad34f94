package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.Header;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.time.MockTime;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our segment files read by Apache Kafka's own {@code FileRecords} (kafka-clients, test scope), and our
 * index files decoded by their byte-layout specification.
 */
class KafkaFormatCompatibilityTest {

    @TempDir
    Path root;

    @Test
    void kafkaReadsOurSegmentAndOurIndexesFollowTheSpec() throws Exception {
        MockTime time = new MockTime();
        PartitionLog log = PartitionLog.builder(root.resolve("compat-0")).time(time).hadCleanShutdown(true)
                .config(LogConfig.defaults().with(TopicConfig.INDEX_INTERVAL_BYTES, 256)).open();
        CompressionType[] codecs = CompressionType.values();
        List<String> expectedValues = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            RecordBatchBuilder builder = RecordBatchBuilder.spec().compression(codecs[i % codecs.length]).newBuilder();
            for (int r = 0; r < 3; r++) {
                String value = "value-" + i + "-" + r;
                expectedValues.add(value);
                builder.append(time.milliseconds() + i, ("key" + r).getBytes(StandardCharsets.UTF_8),
                        value.getBytes(StandardCharsets.UTF_8), new Header[] {new Header("h", new byte[] {(byte) r})});
            }
            log.appendAsLeader(builder.build(), 9);
        }
        log.close();
        Path segment = root.resolve("compat-0/00000000000000000000.log");

        List<String> values = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        List<Integer> batchPositions = new ArrayList<>();
        List<Long> batchLastOffsets = new ArrayList<>();
        int position = 0;
        try (FileRecords kafka = FileRecords.open(segment.toFile())) {
            for (var batch : kafka.batches()) {
                batch.ensureValid();
                assertThat(batch.magic()).isEqualTo(RecordBatch.MAGIC_VALUE_V2);
                assertThat(batch.partitionLeaderEpoch()).isEqualTo(9);
                batchPositions.add(position);
                batchLastOffsets.add(batch.lastOffset());
                position += batch.sizeInBytes();
                for (Record record : batch) {
                    offsets.add(record.offset());
                    byte[] v = new byte[record.valueSize()];
                    record.value().get(v);
                    values.add(new String(v, StandardCharsets.UTF_8));
                    assertThat(record.headers()).hasSize(1);
                }
            }
        }
        assertThat(values).isEqualTo(expectedValues);
        assertThat(offsets).isEqualTo(java.util.stream.LongStream.range(0, 120).boxed().toList());

        // .index: 8-byte big-endian entries (relative offset, position) pointing at batch starts.
        ByteBuffer index = ByteBuffer.wrap(Files.readAllBytes(root.resolve("compat-0/00000000000000000000.index")));
        assertThat(index.remaining() % 8).isZero();
        assertThat(index.remaining()).isPositive();
        while (index.hasRemaining()) {
            int relativeOffset = index.getInt();
            int pos = index.getInt();
            int batchIndex = batchPositions.indexOf(pos);
            assertThat(batchIndex).as("entry position %d is a batch start", pos).isNotNegative();
            assertThat((long) relativeOffset).isEqualTo(batchLastOffsets.get(batchIndex));
        }
        // .timeindex: 12-byte entries (timestamp, relative offset), timestamps increasing, last = segment max.
        ByteBuffer timeIndex = ByteBuffer.wrap(Files.readAllBytes(root.resolve("compat-0/00000000000000000000.timeindex")));
        assertThat(timeIndex.remaining() % 12).isZero();
        long previous = Long.MIN_VALUE;
        long lastTimestamp = 0;
        int lastRelative = 0;
        while (timeIndex.hasRemaining()) {
            lastTimestamp = timeIndex.getLong();
            lastRelative = timeIndex.getInt();
            assertThat(lastTimestamp).isGreaterThan(previous);
            previous = lastTimestamp;
        }
        assertThat(lastTimestamp).isEqualTo(time.milliseconds() + 39);
        assertThat(lastRelative).isEqualTo(119);
    }

    @Test
    void weRecoverAndReadASegmentWrittenByKafka() throws Exception {
        Path dir = root.resolve("fromkafka-0");
        java.nio.file.Files.createDirectories(dir);
        long timestamp = 1_700_000_000_000L;
        try (FileRecords kafka = FileRecords.open(dir.resolve("00000000000000000000.log").toFile())) {
            long offset = 0;
            for (int b = 0; b < 30; b++) {
                org.apache.kafka.common.record.SimpleRecord[] records = new org.apache.kafka.common.record.SimpleRecord[4];
                for (int r = 0; r < 4; r++) {
                    records[r] = new org.apache.kafka.common.record.SimpleRecord(timestamp + b,
                            ("k" + r).getBytes(StandardCharsets.UTF_8), ("v" + b + "-" + r).getBytes(StandardCharsets.UTF_8));
                }
                var compression = b % 2 == 0 ? org.apache.kafka.common.compress.Compression.NONE
                        : org.apache.kafka.common.compress.Compression.gzip().build();
                kafka.append(org.apache.kafka.common.record.MemoryRecords.withRecords(offset, compression, 3, records));
                offset += 4;
            }
            kafka.flush();
        }
        // No indexes, no checkpoints: an unclean open recovers the segment and builds its indexes.
        PartitionLog log = PartitionLog.builder(dir).time(new MockTime()).hadCleanShutdown(false)
                .config(LogConfig.defaults().with(TopicConfig.INDEX_INTERVAL_BYTES, 200)).open();
        try {
            assertThat(log.logEndOffset()).isEqualTo(120);
            assertThat(log.activeSegment().offsetIndex().entries()).isPositive();
            assertThat(log.leaderEpochCache().latestEpoch()).contains(3);
            ByteBuffer bytes = log.read(57, 1 << 20, Long.MAX_VALUE, false).records().readAllBytes();
            List<io.runnel.common.record.RecordBatch> batches = TestBatches.batches(bytes);
            assertThat(batches.get(0).baseOffset()).isEqualTo(56);
            assertThat(TestBatches.offsets(bytes)).startsWith(56L, 57L).hasSize(64);
            try (var records = batches.get(1).records()) {
                io.runnel.common.record.Record first = records.next();
                assertThat(StandardCharsets.UTF_8.decode(first.value()).toString()).isEqualTo("v15-0");
                assertThat(first.timestamp()).isEqualTo(timestamp + 15);
            }
            assertThat(log.fetchOffsetByTimestamp(timestamp + 20)).hasValueSatisfying(t -> assertThat(t.offset()).isEqualTo(80));
            assertThat(log.appendAsLeader(TestBatches.batch(2, 10, timestamp + 40), 4).firstOffset()).isEqualTo(120);
        } finally {
            log.close();
        }
    }

    @Test
    void kafkaReadsCompactedSegmentsEveryBatchValid() throws Exception {
        MockTime time = new MockTime();
        LogConfig config = CompactionFixtures.compactConfig(2000).with(TopicConfig.DELETE_RETENTION_MS, 1000);
        PartitionLog log = PartitionLog.builder(root.resolve("compacted-0")).time(time).hadCleanShutdown(true).config(config).open();
        CompressionType[] codecs = CompressionType.values();
        for (int i = 0; i < 60; i++) {
            RecordBatchBuilder.Spec spec = RecordBatchBuilder.spec().compression(codecs[i % codecs.length])
                    .producerId(1000 + i % 3).producerEpoch((short) 2).baseSequence(i * 3);
            if (i % 7 == 0) {
                spec.logAppendTimeMs(time.milliseconds());
            }
            RecordBatchBuilder builder = spec.newBuilder();
            for (int r = 0; r < 3; r++) {
                String key = "key" + ((i * 3 + r) % 10);
                boolean tombstone = (i * 3 + r) % 11 == 0;
                builder.append(time.milliseconds() + i, key.getBytes(StandardCharsets.UTF_8),
                        tombstone ? null : ("value-" + i + "-" + r).getBytes(StandardCharsets.UTF_8), null);
            }
            log.appendAsLeader(builder.build(), 4);
        }
        log.roll();
        log.updateHighWatermark(log.logEndOffset());
        CompactionFixtures.directCleaner(new OffsetMap(1 << 20, 0.9), time, FailurePoints.NONE)
                .clean(log, 0, log.activeSegment().baseOffset(), () -> { });
        List<CompactionFixtures.Rec> ours = CompactionFixtures.readAll(log);
        assertThat(ours.size()).isLessThan(60);
        List<Path> segmentFiles = log.segments().stream().map(s -> s.log().file()).toList();
        log.close();

        List<CompactionFixtures.Rec> theirs = new ArrayList<>();
        int batches = 0;
        boolean sawHorizon = false;
        for (Path file : segmentFiles) {
            try (FileRecords kafka = FileRecords.open(file.toFile())) {
                for (var batch : kafka.batches()) {
                    batch.ensureValid();
                    batches++;
                    assertThat(batch.magic()).isEqualTo(RecordBatch.MAGIC_VALUE_V2);
                    assertThat(batch.partitionLeaderEpoch()).isEqualTo(4);
                    sawHorizon |= batch.deleteHorizonMs().isPresent();
                    for (Record record : batch) {
                        String key = StandardCharsets.UTF_8.decode(record.key()).toString();
                        String value = record.hasValue() ? StandardCharsets.UTF_8.decode(record.value()).toString() : null;
                        theirs.add(new CompactionFixtures.Rec(record.offset(), key, value));
                    }
                }
            }
        }
        assertThat(batches).isPositive();
        assertThat(sawHorizon).as("a kept tombstone's batch carries its delete horizon").isTrue();
        assertThat(theirs).isEqualTo(ours);
    }
}
