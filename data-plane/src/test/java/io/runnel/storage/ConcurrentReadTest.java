package io.runnel.storage;

import static io.runnel.storage.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.config.TopicConfig;
import io.runnel.common.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readers running while a writer appends and rolls only ever see whole, valid, contiguous batches. */
class ConcurrentReadTest {

    @TempDir
    Path root;

    @Test
    void readersSeeOnlyWholeBatches() throws Exception {
        PartitionLog log = PartitionLog.builder(root.resolve("c-0")).hadCleanShutdown(true)
                .config(LogConfig.defaults().with(TopicConfig.SEGMENT_BYTES, 20_000).with(TopicConfig.INDEX_INTERVAL_BYTES, 500))
                .open();
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService readers = Executors.newFixedThreadPool(2);
        try {
            Future<Long> reader = readers.submit(() -> {
                long batchesSeen = 0;
                while (!done.get() || batchesSeen == 0) {
                    long end = log.logEndOffset();
                    long offset = 0;
                    while (offset < end) {
                        ByteBuffer bytes = log.read(offset, 3000, Long.MAX_VALUE, true).records().readAllBytes();
                        int whole = io.runnel.common.record.Records.wrap(bytes).sizeOfWholeBatches();
                        assertThat(whole).isEqualTo(bytes.remaining());
                        for (RecordBatch batch : TestBatches.batches(bytes)) {
                            assertThat(batch.isValid()).isTrue();
                            assertThat(batch.baseOffset()).isLessThanOrEqualTo(offset);
                            offset = batch.nextOffset();
                            batchesSeen++;
                        }
                    }
                }
                return batchesSeen;
            });
            for (int i = 0; i < 2000; i++) {
                log.appendAsLeader(batch(1 + i % 4, 100, System.currentTimeMillis()), 0);
            }
            done.set(true);
            assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
            assertThat(log.numberOfSegments()).isGreaterThan(10);
        } finally {
            done.set(true);
            readers.shutdownNow();
            log.close();
        }
    }
}
