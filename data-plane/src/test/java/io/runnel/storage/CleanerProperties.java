package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.record.CompressionType;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.time.MockTime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import io.runnel.common.testing.Gen;
import io.runnel.common.testing.PropertyCheck;
import org.junit.jupiter.api.Test;

/**
 * The cleaner against a model: random keyed records and tombstones appended across many segments,
 * rolls, a moving high watermark, time passing, cleanings at random points (through
 * {@link LogCleaner#cleanOnce()}, so the cleanable range, the checkpoints and the tombstone schedule are
 * the real ones), clean reopens with a restarted cleaner, and crash recoveries. After every step,
 * reading the log from the start must give exactly the model's records in offset order: below the cleaner
 * checkpoint the latest record of every key (a tombstone only until its batch's delete horizon), above it
 * every record as appended, and every batch at or above the checkpoint byte for byte as appended.
 */
class CleanerProperties {

    private static final long DELETE_RETENTION_MS = 50_000;

    sealed interface Op permits Append, Roll, Advance, MoveHighWatermark, Clean, Reopen {
    }

    record Append(int records, int keySpace, boolean compressed) implements Op {
    }

    record Roll() implements Op {
    }

    record Advance(int ms) implements Op {
    }

    record MoveHighWatermark(double fraction) implements Op {
    }

    record Clean() implements Op {
    }

    record Reopen(boolean crash) implements Op {
    }

    /** 40-100 operations, weighted towards appends, with cleanings and restarts interleaved at random. */
    private static List<Op> runs(Gen gen) {
        return gen.listOf(40, 100, () -> gen.<Op>frequency(
                Gen.weighted(12, () -> new Append(gen.intBetween(1, 5), gen.intBetween(2, 12), gen.bool())),
                Gen.weighted(2, Roll::new),
                Gen.weighted(2, () -> new Advance(gen.intBetween(0, 120_000))),
                // Mostly near the log end, so that cleanings have whole segments below the high watermark.
                Gen.weighted(3, () -> new MoveHighWatermark(Math.sqrt(gen.fraction()))),
                Gen.weighted(4, Clean::new),
                Gen.weighted(1, () -> new Reopen(gen.bool()))));
    }

    @Test
    void cleanedLogMatchesTheModel() {
        PropertyCheck.forAll(30, gen -> {
            List<Op> ops = runs(gen);
            Path dir = Files.createTempDirectory("runnel-clean-prop");
            Harness h = new Harness(dir, new Random(gen.anyLong()));
            try {
                for (Op op : ops) {
                    h.apply(op);
                    h.check();
                }
                h.apply(new MoveHighWatermark(1));
                h.apply(new Roll());
                h.apply(new Clean());
                h.check();
            } finally {
                h.log.close();
                PartitionLog.deleteDirectory(dir);
            }
        });
    }

    /** A record the model says the log holds. */
    record ModelRecord(long offset, String key, String value, long batchBase) {
    }

    static final class Harness {
        final Path logDir;
        final Random random;
        final MockTime time = new MockTime();
        final LogConfig config;
        final List<PartitionLog> logs = new ArrayList<>();
        final List<ModelRecord> model = new ArrayList<>();
        /** Bytes of each appended batch by base offset (what an untouched batch must still be). */
        final Map<Long, byte[]> appended = new HashMap<>();
        /** Batches the model knows carry a delete horizon (stamped by a cleaning that kept a tombstone). */
        final Map<Long, Long> horizons = new HashMap<>();
        PartitionLog log;
        LogCleaner cleaner;
        long checkpoint;

        Harness(Path logDir, Random random) {
            this.logDir = logDir;
            this.random = random;
            this.config = CompactionFixtures.compactConfig(200 + random.nextInt(800))
                    .with(TopicConfig.DELETE_RETENTION_MS, DELETE_RETENTION_MS)
                    .with(TopicConfig.SEGMENT_INDEX_BYTES, 4096);
            this.log = open(true);
            this.cleaner = CompactionFixtures.manualCleaner(logDir, logs, time);
        }

        PartitionLog open(boolean clean) {
            PartitionLog opened = PartitionLog.builder(logDir.resolve("prop-0")).config(config).time(time)
                    .hadCleanShutdown(clean).open();
            logs.clear();
            logs.add(opened);
            return opened;
        }

        void apply(Op op) {
            if (op instanceof Append a) {
                append(a);
            } else if (op instanceof Roll) {
                log.roll();
            } else if (op instanceof Advance a) {
                time.advance(a.ms());
            } else if (op instanceof MoveHighWatermark m) {
                // The high watermark only moves forward (without truncation, which this model leaves out).
                long target = log.logStartOffset() + (long) (m.fraction() * (log.logEndOffset() - log.logStartOffset()));
                log.updateHighWatermark(Math.max(log.highWatermark(), target));
            } else if (op instanceof Clean) {
                clean();
            } else if (op instanceof Reopen r) {
                if (!r.crash()) {
                    log.close();
                }
                long hw = log.highWatermark();
                // A restart: the log reloads (recovering after a crash) and a new cleaner reads its checkpoints.
                log = open(!r.crash());
                log.updateHighWatermark(hw);
                cleaner = CompactionFixtures.manualCleaner(logDir, logs, time);
            }
        }

        void append(Append a) {
            RecordBatchBuilder builder = RecordBatchBuilder.spec()
                    .compression(a.compressed() ? CompressionType.LZ4 : CompressionType.NONE).newBuilder();
            List<String[]> records = new ArrayList<>();
            for (int i = 0; i < a.records(); i++) {
                String key = "k" + random.nextInt(a.keySpace());
                String value = random.nextInt(6) == 0 ? null : "v" + random.nextInt(1_000_000);
                builder.append(time.milliseconds(), key.getBytes(StandardCharsets.UTF_8),
                        value == null ? null : value.getBytes(StandardCharsets.UTF_8), null);
                records.add(new String[] {key, value});
            }
            ByteBuffer batch = builder.build();
            long base = log.appendAsLeader(batch, 1).firstOffset();
            byte[] stored = new byte[batch.remaining()];
            batch.duplicate().get(stored);
            appended.put(base, stored);
            for (int i = 0; i < records.size(); i++) {
                model.add(new ModelRecord(base + i, records.get(i)[0], records.get(i)[1], base));
            }
            if (random.nextInt(3) > 0) {
                log.updateHighWatermark(log.logEndOffset()); // replicated at once, most of the time
            }
        }

        void clean() {
            long highWatermark = log.highWatermark();
            long activeBase = log.activeSegment().baseOffset();
            long nowMs = time.milliseconds();
            if (!cleaner.cleanOnce()) {
                return;
            }
            long end = cleaner.cleanerCheckpoints().get(log.topicPartition());
            assertThat(end).as("cleaned range end").isLessThanOrEqualTo(highWatermark).isLessThanOrEqualTo(activeBase)
                    .isGreaterThanOrEqualTo(checkpoint);
            checkpoint = end;
            // Below the end: the latest record of each key stays; a tombstone until its batch's horizon.
            Map<String, Long> latest = new HashMap<>();
            for (ModelRecord r : model) {
                if (r.offset() < end) {
                    latest.put(r.key(), r.offset());
                }
            }
            Set<Long> stamp = new HashSet<>();
            List<ModelRecord> kept = new ArrayList<>();
            for (ModelRecord r : model) {
                boolean keep = r.offset() >= end;
                if (!keep && latest.get(r.key()) == r.offset()) {
                    Long horizon = horizons.get(r.batchBase());
                    keep = r.value() != null || horizon == null || nowMs < horizon;
                    if (keep && r.value() == null && horizon == null) {
                        stamp.add(r.batchBase());
                    }
                }
                if (keep) {
                    kept.add(r);
                }
            }
            stamp.forEach(base -> horizons.put(base, nowMs + DELETE_RETENTION_MS));
            model.clear();
            model.addAll(kept);
        }

        void check() {
            List<CompactionFixtures.Rec> expected = model.stream()
                    .map(r -> new CompactionFixtures.Rec(r.offset(), r.key(), r.value())).toList();
            assertThat(CompactionFixtures.readAll(log)).as("records from the start").isEqualTo(expected);
            for (RecordBatch batch : CompactionFixtures.readBatches(log)) {
                if (batch.baseOffset() >= checkpoint) {
                    ByteBuffer bytes = batch.buffer();
                    byte[] actual = new byte[bytes.remaining()];
                    bytes.get(actual);
                    assertThat(Arrays.equals(actual, appended.get(batch.baseOffset())))
                            .as("batch %d above the cleaned range is as appended", batch.baseOffset()).isTrue();
                }
            }
            assertThat(log.logEndOffset()).isEqualTo(appended.isEmpty() ? 0
                    : appended.keySet().stream().mapToLong(b -> b).max().getAsLong() + lastDelta());
        }

        private long lastDelta() {
            long lastBase = appended.keySet().stream().mapToLong(b -> b).max().getAsLong();
            return RecordBatch.readFrom(ByteBuffer.wrap(appended.get(lastBase))).lastOffsetDelta() + 1;
        }
    }
}
