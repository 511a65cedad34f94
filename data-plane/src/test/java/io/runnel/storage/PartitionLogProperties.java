package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.record.RecordBatch;
import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.time.MockTime;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import io.runnel.common.testing.Gen;
import io.runnel.common.testing.PropertyCheck;
import org.junit.jupiter.api.Test;

/**
 * The partition log against an in-memory model (a list of the batches it must hold): random appends,
 * rolls, reads, timestamp lookups, truncations, retention, DeleteRecords, clean reopens and crashes
 * (the active segment cut at a random byte, a torn batch prefix appended, index files damaged) followed
 * by recovery. After every step the log must equal the model: the recovered log is always the model's
 * prefix of fully written batches, and index lookups agree with a linear scan.
 */
class PartitionLogProperties {

    /** One step of a run. */
    sealed interface Op permits Append, Roll, Truncate, Retain, DeleteRecords, Reopen, Crash, Flush, LoseUnflushed {
    }

    record Append(int records, int valueBytes, int timestampDeltaMs) implements Op {
    }

    record Roll() implements Op {
    }

    record Truncate(double fraction) implements Op {
    }

    record Retain(double keepFraction) implements Op {
    }

    record DeleteRecords(double fraction) implements Op {
    }

    record Reopen() implements Op {
    }

    record Crash(double cutFraction, int tornPrefixBytes, boolean zeroExtendIndexes, double recoveryPointFraction) implements Op {
    }

    /** fsync up to a point between the log start and end. */
    record Flush(double fraction) implements Op {
    }

    /**
     * A machine crash that lost part of an unflushed batch in an older (rolled but not yet flushed)
     * segment while later segments reached the disk: recovery must cut there and drop everything after.
     */
    record LoseUnflushed(double victimChoice, double cutInside, double recoveryPointFraction) implements Op {
    }

    /**
     * A scheduler that runs nothing until told: flushes after a roll (submitted with {@code execute}) wait
     * for a {@link Flush} step, so a crash can find rolled segments that were never fsynced; delayed file
     * deletions (submitted with {@code schedule}) run at the next crash or reopen.
     */
    static final class DeferredScheduler extends java.util.concurrent.ScheduledThreadPoolExecutor {
        final List<Runnable> flushes = new ArrayList<>();
        final List<Runnable> deletions = new ArrayList<>();

        DeferredScheduler() {
            super(0);
        }

        @Override
        public void execute(Runnable command) {
            flushes.add(command);
        }

        @Override
        public java.util.concurrent.ScheduledFuture<?> schedule(Runnable command, long delay, java.util.concurrent.TimeUnit unit) {
            deletions.add(command);
            return null;
        }

        void runFlushes() {
            List<Runnable> due = new ArrayList<>(flushes);
            flushes.clear();
            due.forEach(Runnable::run);
        }

        /** A crash: pending flushes are lost; deletions run (their files would be removed as strays anyway). */
        void crash() {
            flushes.clear();
            List<Runnable> due = new ArrayList<>(deletions);
            deletions.clear();
            due.forEach(Runnable::run);
        }
    }

    /** A batch the model says the log holds, as stored. */
    record ModelBatch(long baseOffset, long lastOffset, long[] timestamps, byte[] bytes) {
    }

    /** A run of 1 to 40 steps, appends twelve times as likely as a roll. */
    static List<Op> run(Gen gen) {
        return gen.listOf(1, 40, () -> gen.frequency(
                Gen.weighted(12, () -> new Append(gen.intBetween(1, 6), gen.intBetween(0, 400), gen.intBetween(-5000, 5000))),
                Gen.weighted(1, Roll::new),
                Gen.weighted(1, () -> new Truncate(gen.fraction())),
                Gen.weighted(1, () -> new Retain(gen.fraction())),
                Gen.weighted(1, () -> new DeleteRecords(gen.fraction())),
                Gen.weighted(1, Reopen::new),
                Gen.weighted(2, () -> new Crash(gen.fraction(), gen.intBetween(0, 80), gen.bool(), gen.fraction())),
                Gen.weighted(1, () -> new Flush(gen.fraction())),
                Gen.weighted(2, () -> new LoseUnflushed(gen.fraction(), gen.fraction(), gen.fraction()))));
    }

    @Test
    void logMatchesModel() {
        PropertyCheck.forAll(80, gen -> logMatchesModel(run(gen), gen.random()));
    }

    private static void logMatchesModel(List<Op> ops, Random random) throws IOException {
        Path dir = Files.createTempDirectory("runnel-prop").resolve("p-0");
        Harness h = new Harness(dir, random);
        int step = 0;
        try {
            for (; step < ops.size(); step++) {
                h.apply(ops.get(step));
                h.check();
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("at step " + step + " of " + ops + ": " + e.getMessage(), e);
        } finally {
            h.log.close();
            h.scheduler.crash();
            h.scheduler.shutdownNow();
            PartitionLog.deleteDirectory(dir.getParent());
        }
    }

    static final class Harness {
        final Path dir;
        final Random random;
        final MockTime time = new MockTime();
        final DeferredScheduler scheduler = new DeferredScheduler();
        final LogConfig config;
        final List<ModelBatch> model = new ArrayList<>();
        long nextOffset;
        long logStartOffset;
        PartitionLog log;

        Harness(Path dir, Random random) {
            this.dir = dir;
            this.random = random;
            this.config = LogConfig.defaults()
                    .with(LogConfig.INTERNAL_SEGMENT_BYTES, 2700 + random.nextInt(4000))
                    .with(TopicConfig.INDEX_INTERVAL_BYTES, random.nextInt(600))
                    .with(TopicConfig.SEGMENT_INDEX_BYTES, 48 + random.nextInt(200));
            this.log = open(true, 0);
        }

        PartitionLog open(boolean clean, long recoveryPoint) {
            scheduler.crash();
            return PartitionLog.builder(dir).config(config).time(time).hadCleanShutdown(clean).scheduler(scheduler)
                    .recoveryPoint(recoveryPoint).logStartOffset(logStartOffset).open();
        }

        void apply(Op op) throws IOException {
            if (op instanceof Append a) {
                append(a);
            } else if (op instanceof Roll) {
                log.roll();
            } else if (op instanceof Truncate t) {
                truncate(t);
            } else if (op instanceof Retain r) {
                retain(r);
            } else if (op instanceof DeleteRecords d) {
                deleteRecords(d);
            } else if (op instanceof Reopen) {
                log.close();
                log = open(true, nextOffset);
            } else if (op instanceof Crash c) {
                crash(c);
            } else if (op instanceof Flush f) {
                scheduler.runFlushes();
                log.flushUpTo(logStartOffset + (long) (f.fraction() * (nextOffset - logStartOffset)));
            } else if (op instanceof LoseUnflushed l) {
                loseUnflushed(l);
            }
        }

        void append(Append a) {
            RecordBatchBuilder builder = RecordBatchBuilder.spec().newBuilder();
            long[] timestamps = new long[a.records()];
            for (int i = 0; i < a.records(); i++) {
                timestamps[i] = time.milliseconds() + a.timestampDeltaMs() + random.nextInt(1000) - 500;
                byte[] value = new byte[a.valueBytes()];
                random.nextBytes(value);
                builder.append(timestamps[i], null, value, null);
            }
            ByteBuffer batch = builder.build();
            LogAppendInfo info = log.appendAsLeader(batch, 1);
            assertThat(info.firstOffset()).isEqualTo(nextOffset);
            byte[] stored = new byte[batch.remaining()];
            batch.duplicate().get(stored);
            model.add(new ModelBatch(nextOffset, nextOffset + a.records() - 1, timestamps, stored));
            nextOffset += a.records();
            time.advance(random.nextInt(50));
        }

        void truncate(Truncate t) {
            long target = logStartOffset + (long) (t.fraction() * (nextOffset - logStartOffset));
            log.truncateTo(target);
            dropFrom(b -> b.lastOffset() >= target);
            logStartOffset = Math.min(logStartOffset, nextOffset);
        }

        /** Removes the model's batches from the first matching one on; the log end becomes its base. */
        void dropFrom(java.util.function.Predicate<ModelBatch> removedFrom) {
            for (int i = 0; i < model.size(); i++) {
                if (removedFrom.test(model.get(i))) {
                    nextOffset = model.get(i).baseOffset();
                    model.subList(i, model.size()).clear();
                    return;
                }
            }
        }

        /**
         * Size retention with a random retention.bytes. The model decides which segments go on its own,
         * from its batches (Kafka's rules: oldest first, a segment goes while the log keeps at least
         * retention.bytes without it, never an empty active segment, then whole segments below the log
         * start offset), and the log must have deleted exactly those.
         */
        void retain(Retain r) {
            log.updateHighWatermark(log.logEndOffset());
            List<Long> bases = log.segments().stream().map(LogSegment::baseOffset).toList();
            long[] modelSizes = new long[bases.size()];
            for (int i = 0; i < bases.size(); i++) {
                long base = bases.get(i);
                long nextBase = i + 1 < bases.size() ? bases.get(i + 1) : Long.MAX_VALUE;
                modelSizes[i] = model.stream().filter(b -> b.baseOffset() >= base && b.baseOffset() < nextBase)
                        .mapToLong(b -> b.bytes().length).sum();
                assertThat(log.segments().get(i).sizeInBytes()).as("size of segment %d", base).isEqualTo(modelSizes[i]);
            }
            long totalBytes = java.util.stream.LongStream.of(modelSizes).sum();
            long keepBytes = (long) (r.keepFraction() * totalBytes);
            int deleted = 0;
            long remainingBytes = totalBytes;
            while (deleted < bases.size() && deletable(deleted, bases.size(), modelSizes)
                    && remainingBytes - modelSizes[deleted] >= keepBytes) {
                remainingBytes -= modelSizes[deleted];
                deleted++;
            }
            while (deleted + 1 < bases.size() && deletable(deleted, bases.size(), modelSizes)
                    && bases.get(deleted + 1) <= logStartOffset) {
                deleted++;
            }
            // With every segment gone the log rolls first: an empty active segment at the log end remains.
            long expectedFirstBase = deleted == bases.size() ? nextOffset : bases.get(deleted);

            log.updateConfig(config.with(TopicConfig.RETENTION_BYTES, keepBytes));
            int deletedByLog = log.deleteOldSegments();
            log.updateConfig(config);

            assertThat(deletedByLog).as("segments deleted keeping %d of %d bytes", keepBytes, totalBytes).isEqualTo(deleted);
            assertThat(log.segments().get(0).baseOffset()).as("first segment after retention").isEqualTo(expectedFirstBase);
            model.removeIf(b -> b.lastOffset() < expectedFirstBase);
            logStartOffset = Math.max(logStartOffset, expectedFirstBase);
        }

        /** Retention may delete a segment unless it is the empty last one (the high watermark is at the log end here). */
        private static boolean deletable(int index, int count, long[] sizes) {
            return index < count - 1 || sizes[index] > 0;
        }

        void deleteRecords(DeleteRecords d) {
            log.updateHighWatermark(log.logEndOffset());
            long target = logStartOffset + (long) (d.fraction() * (nextOffset - logStartOffset));
            log.maybeIncrementLogStartOffset(target);
            logStartOffset = Math.max(logStartOffset, target);
        }

        void crash(Crash c) throws IOException {
            LogSegment active = log.activeSegment();
            Path activeFile = active.log().file();
            int size = active.sizeInBytes();
            int cut = (int) (c.cutFraction() * size);
            List<Path> indexes = new ArrayList<>();
            for (LogSegment segment : log.segments()) {
                indexes.add(segment.offsetIndex().file());
                indexes.add(segment.timeIndex().file());
            }
            long activeBase = active.baseOffset();
            log.close();
            try (FileChannel channel = FileChannel.open(activeFile, StandardOpenOption.WRITE)) {
                channel.truncate(cut);
                if (c.tornPrefixBytes() > 0 && !model.isEmpty()) {
                    byte[] last = model.get(model.size() - 1).bytes();
                    int torn = Math.min(c.tornPrefixBytes(), last.length - 1);
                    channel.write(ByteBuffer.wrap(last, 0, torn), cut);
                }
            }
            if (c.zeroExtendIndexes()) {
                for (Path index : indexes) {
                    Files.write(index, new byte[24], StandardOpenOption.APPEND);
                }
            }
            // The model keeps the batches of the active segment that are whole in the file: those within the
            // cut, and the one the cut went through if the torn prefix written there happens to restore its
            // bytes (a batch ending in the bytes it starts with, e.g. 0x00, survives a cut of its last byte).
            byte[] file = Files.readAllBytes(activeFile);
            int position = 0;
            for (int i = 0; i < model.size(); i++) {
                ModelBatch b = model.get(i);
                if (b.baseOffset() < activeBase) {
                    continue;
                }
                int end = position + b.bytes().length;
                if (end > file.length || !Arrays.equals(file, position, end, b.bytes(), 0, b.bytes().length)) {
                    nextOffset = b.baseOffset();
                    model.subList(i, model.size()).clear();
                    break;
                }
                position = end;
            }
            logStartOffset = Math.min(logStartOffset, nextOffset);
            long recoveryPoint = (long) (c.recoveryPointFraction() * nextOffset);
            log = open(false, recoveryPoint);
        }

        void loseUnflushed(LoseUnflushed l) throws IOException {
            long flushed = log.recoveryPoint();
            long activeBase = log.activeSegment().baseOffset();
            long firstBase = log.segments().get(0).baseOffset();
            List<ModelBatch> candidates = model.stream()
                    .filter(b -> b.lastOffset() >= flushed && b.baseOffset() < activeBase && b.baseOffset() >= firstBase)
                    .toList();
            if (candidates.isEmpty()) {
                return;
            }
            ModelBatch victim = candidates.get(Math.min(candidates.size() - 1, (int) (l.victimChoice() * candidates.size())));
            LogSegment segment = log.segments().stream().filter(s -> s.baseOffset() <= victim.baseOffset())
                    .reduce((a, b) -> b).orElseThrow();
            int position = 0;
            for (ModelBatch b : model) {
                if (b.baseOffset() >= segment.baseOffset() && b.baseOffset() < victim.baseOffset()) {
                    position += b.bytes().length;
                }
            }
            int cut = position + 1 + (int) (l.cutInside() * (victim.bytes().length - 2));
            Path file = segment.log().file();
            log.close();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(cut);
            }
            dropFrom(b -> b == victim);
            logStartOffset = Math.min(logStartOffset, nextOffset);
            log = open(false, (long) (l.recoveryPointFraction() * flushed));
        }

        // ---- checks ----------------------------------------------------------------------------------

        void check() {
            assertThat(log.logEndOffset()).as("log end offset").isEqualTo(nextOffset);
            assertThat(log.logStartOffset()).as("log start offset").isEqualTo(logStartOffset);
            assertThat(log.recoveryPoint()).as("recovery point").isLessThanOrEqualTo(log.logEndOffset());
            List<ModelBatch> visible = model.stream().filter(b -> b.lastOffset() >= logStartOffset).toList();
            assertThat(readAll()).as("all batches from the log start").isEqualTo(visible.stream().map(b -> Arrays.toString(b.bytes())).toList());
            for (int i = 0; i < 3 && nextOffset > logStartOffset; i++) {
                long offset = logStartOffset + (long) (random.nextDouble() * (nextOffset - logStartOffset));
                FetchDataInfo info = log.read(offset, 1 + random.nextInt(3000), Long.MAX_VALUE, true);
                ModelBatch expected = visible.stream().filter(b -> b.lastOffset() >= offset).findFirst().orElseThrow();
                RecordBatch first = TestBatches.batches(info.records().readAllBytes()).get(0);
                assertThat(first.baseOffset()).as("first batch read at %d", offset).isEqualTo(expected.baseOffset());
                checkTimestampLookup(visible);
            }
            checkIndexesAgreeWithScan();
        }

        List<String> readAll() {
            List<String> batches = new ArrayList<>();
            long offset = logStartOffset;
            int rounds = 0;
            while (offset < nextOffset && rounds++ < 10_000) {
                ByteBuffer bytes = log.read(offset, 4096, Long.MAX_VALUE, true).records().readAllBytes();
                for (RecordBatch batch : TestBatches.batches(bytes)) {
                    ByteBuffer b = batch.buffer();
                    byte[] copy = new byte[b.remaining()];
                    b.get(copy);
                    batches.add(Arrays.toString(copy));
                    offset = batch.nextOffset();
                }
            }
            return batches;
        }

        void checkTimestampLookup(List<ModelBatch> visible) {
            List<long[]> records = new ArrayList<>(); // (offset, timestamp)
            for (ModelBatch b : visible) {
                for (int i = 0; i < b.timestamps().length; i++) {
                    if (b.baseOffset() + i >= logStartOffset) {
                        records.add(new long[] {b.baseOffset() + i, b.timestamps()[i]});
                    }
                }
            }
            long target = records.isEmpty() ? time.milliseconds()
                    : records.get(random.nextInt(records.size()))[1] + random.nextInt(3) - 1;
            Optional<long[]> expected = records.stream().filter(r -> r[1] >= target).findFirst();
            Optional<TimestampAndOffset> actual = log.fetchOffsetByTimestamp(target);
            assertThat(actual.map(TimestampAndOffset::offset)).as("offset for timestamp %d", target).isEqualTo(expected.map(r -> r[0]));
            assertThat(actual.map(TimestampAndOffset::timestamp)).isEqualTo(expected.map(r -> r[1]));
        }

        void checkIndexesAgreeWithScan() {
            for (LogSegment segment : log.segments()) {
                List<FileRecords.BatchHeader> headers = new ArrayList<>();
                int position = 0;
                while (position < segment.sizeInBytes()) {
                    FileRecords.BatchHeader header = segment.log().readHeader(position);
                    headers.add(header);
                    position = header.endPosition();
                }
                for (int i = 0; i < segment.offsetIndex().entries(); i++) {
                    OffsetIndex.OffsetPosition entry = segment.offsetIndex().entry(i);
                    assertThat(headers.stream().anyMatch(h -> h.position() == entry.position() && h.lastOffset() == entry.offset()))
                            .as("index entry %s of segment %d names a batch", entry, segment.baseOffset()).isTrue();
                }
                if (headers.isEmpty()) {
                    continue;
                }
                long last = headers.get(headers.size() - 1).lastOffset();
                for (int i = 0; i < 3; i++) {
                    long target = segment.baseOffset() + (long) (random.nextDouble() * (last - segment.baseOffset() + 1));
                    FileRecords.BatchHeader expected = headers.stream().filter(h -> h.lastOffset() >= target).findFirst().orElseThrow();
                    assertThat(segment.translateOffset(target, segment.sizeInBytes())).isEqualTo(expected);
                }
            }
        }
    }
}
