package io.runnel.storage;

import static io.runnel.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers running while a writer appends and rolls only ever see whole, valid, contiguous batches, and
 * never anything past the log end offset they started from. The writer appends in rounds and waits
 * after each round until the reader has finished a pass that began after it, so reads and appends are
 * forced to interleave through the whole run (and the reader checks that it saw the log grow under it).
 */
class ConcurrentReadTest {

    private static final int ROUNDS = 100;
    private static final int APPENDS_PER_ROUND = 20;

    @TempDir
    Path root;

    @Test
    void readersSeeOnlyWholeBatchesWhileTheLogGrowsAndRolls() throws Exception {
        PartitionLog log = PartitionLog.builder(root.resolve("c-0")).hadCleanShutdown(true)
                .config(LogConfig.defaults().with(LogConfig.INTERNAL_SEGMENT_BYTES, 20_000).with(TopicConfig.INDEX_INTERVAL_BYTES, 500))
                .open();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong passesStarted = new AtomicLong();
        Object passFinished = new Object();
        long[] passesFinished = {0}; // guarded by passFinished
        Set<Long> endsSeen = ConcurrentHashMap.newKeySet();
        ExecutorService readers = Executors.newSingleThreadExecutor();
        try {
            Future<Long> reader = readers.submit(() -> {
                long batchesSeen = 0;
                try {
                    while (!done.get()) {
                        passesStarted.incrementAndGet();
                        long end = log.logEndOffset();
                        endsSeen.add(end);
                        long offset = 0;
                        while (offset < end) {
                            ByteBuffer bytes = log.read(offset, 3000, Long.MAX_VALUE, true).records().readAllBytes();
                            int whole = io.runnel.common.record.Records.wrap(bytes).sizeOfWholeBatches();
                            assertThat(whole).as("whole batches read at %d", offset).isEqualTo(bytes.remaining()).isPositive();
                            for (RecordBatch batch : TestBatches.batches(bytes)) {
                                assertThat(batch.isValid()).isTrue();
                                assertThat(batch.baseOffset()).isLessThanOrEqualTo(offset);
                                offset = batch.nextOffset();
                                batchesSeen++;
                            }
                        }
                        synchronized (passFinished) {
                            passesFinished[0]++;
                            passFinished.notifyAll();
                        }
                    }
                    return batchesSeen;
                } finally {
                    synchronized (passFinished) {
                        passesFinished[0] = Long.MAX_VALUE; // wakes the writer if the reader failed
                        passFinished.notifyAll();
                    }
                }
            });
            for (int round = 0; round < ROUNDS; round++) {
                long startedBefore = passesStarted.get();
                for (int i = 0; i < APPENDS_PER_ROUND; i++) {
                    log.appendAsLeader(batch(1 + i % 4, 100, System.currentTimeMillis()), 0);
                }
                // A pass that started after this round's first append has read a log that grew under it.
                long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                synchronized (passFinished) {
                    while (passesFinished[0] <= startedBefore) {
                        long leftNs = deadlineNs - System.nanoTime();
                        assertThat(leftNs).as("the reader finished a pass within 30 s").isPositive();
                        TimeUnit.NANOSECONDS.timedWait(passFinished, leftNs);
                    }
                }
                if (reader.isDone()) {
                    reader.get(); // rethrows the reader's failure
                }
            }
            done.set(true);
            assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
            assertThat(log.numberOfSegments()).isGreaterThan(10);
            assertThat(endsSeen).as("distinct log ends the reader started from").hasSizeGreaterThanOrEqualTo(ROUNDS / 2);
        } finally {
            done.set(true);
            readers.shutdownNow();
            log.close();
        }
    }
}
