package io.runnel.storage;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.record.CloseableIterator;
import io.runnel.common.record.Record;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.record.Records;
import io.runnel.common.time.Time;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builders and readers shared by the compaction tests. */
final class CompactionFixtures {

    private CompactionFixtures() {
    }

    /** A record as a reader sees it; {@code value} null for a tombstone. */
    record Rec(long offset, String key, String value) {
    }

    /** A compacted topic's config with small segments and cleaning whenever anything is dirty. */
    static LogConfig compactConfig(int segmentBytes) {
        return LogConfig.defaults()
                .with(TopicConfig.CLEANUP_POLICY, TopicConfig.CLEANUP_POLICY_COMPACT)
                .with(LogConfig.INTERNAL_SEGMENT_BYTES, segmentBytes)
                .with(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO, 0.0)
                .with(TopicConfig.INDEX_INTERVAL_BYTES, 128)
                .with(TopicConfig.FILE_DELETE_DELAY_MS, 0);
    }

    /** One uncompressed batch of keyed records: pairs of key, value (null value: tombstone). */
    static ByteBuffer keyed(long timestampMs, String... keysAndValues) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String value = keysAndValues[i + 1];
            builder.append(timestampMs, bytes(keysAndValues[i]), value == null ? null : bytes(value), null);
        }
        return builder.build();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] array = new byte[buffer.remaining()];
        buffer.duplicate().get(array);
        return new String(array, StandardCharsets.UTF_8);
    }

    /** Every record from the log start to the end, reading like a consumer (checking each batch's CRC). */
    static List<Rec> readAll(PartitionLog log) {
        List<Rec> records = new ArrayList<>();
        for (RecordBatch batch : readBatches(log)) {
            try (CloseableIterator<Record> it = batch.records()) {
                while (it.hasNext()) {
                    Record r = it.next();
                    records.add(new Rec(r.offset(), text(r.key()), text(r.value())));
                }
            }
        }
        return records;
    }

    /** Every batch from the log start to the end, in offset order, each CRC-checked. */
    static List<RecordBatch> readBatches(PartitionLog log) {
        List<RecordBatch> batches = new ArrayList<>();
        long offset = log.logStartOffset();
        int rounds = 0;
        while (offset < log.logEndOffset() && rounds++ < 100_000) {
            ByteBuffer bytes = log.read(offset, 64 * 1024, Long.MAX_VALUE, true).records().readAllBytes();
            if (!bytes.hasRemaining()) {
                break;
            }
            for (RecordBatch batch : Records.wrap(bytes).batches()) {
                batch.ensureValid();
                if (batch.lastOffset() >= offset) {
                    batches.add(batch);
                }
                offset = Math.max(offset, batch.nextOffset());
            }
        }
        return batches;
    }

    /** The latest record of each key among {@code records} (offset order kept), tombstones included. */
    static List<Rec> latestPerKey(List<Rec> records) {
        Map<String, Rec> latest = new LinkedHashMap<>();
        for (Rec r : records) {
            latest.remove(r.key());
            latest.put(r.key(), r);
        }
        return latest.values().stream().sorted(java.util.Comparator.comparingLong(Rec::offset)).toList();
    }

    /** A cleaner over the given logs with threads off, driven by {@link LogCleaner#cleanOnce()}. */
    static LogCleaner manualCleaner(java.nio.file.Path logDir, List<PartitionLog> logs, Time time) {
        CleanerConfig config = CleanerConfig.defaults().withEnable(false).withDedupeBufferBytes(8L * 1024 * 1024);
        LogCleaner cleaner = new LogCleaner(config, List.of(logDir), () -> logs, time);
        cleaner.startup();
        return cleaner;
    }

    /** A cleaner for driving {@link Cleaner#clean} directly. */
    static Cleaner directCleaner(OffsetMap map, Time time, FailurePoints faults) {
        return new Cleaner(map, 64 * 1024, new Throttler(Double.MAX_VALUE, time), time, faults);
    }
}
