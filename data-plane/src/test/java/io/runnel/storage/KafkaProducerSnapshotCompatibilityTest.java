package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.record.RecordBatchBuilder;
import io.runnel.common.time.MockTime;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own code reads the producer snapshots Runnel writes: {@code ProducerStateManager.readSnapshot}
 * (what a Kafka broker loads) and the {@code DumpLogSegments} tool ({@code kafka-dump-log.sh}), both from
 * Kafka 3.9 in test scope.
 */
class KafkaProducerSnapshotCompatibilityTest {

    @TempDir
    Path root;

    private final MockTime time = new MockTime();

    private ByteBuffer batch(long producerId, int epoch, int baseSequence, int count) {
        RecordBatchBuilder builder = RecordBatchBuilder.spec().producerId(producerId).producerEpoch((short) epoch)
                .baseSequence(baseSequence).newBuilder();
        for (int i = 0; i < count; i++) {
            builder.append(time.milliseconds(), null, ("v" + i).getBytes(StandardCharsets.UTF_8), null);
        }
        return builder.build();
    }

    /** A log with two producers and a roll, closed cleanly: snapshots at the roll (offset 5) and the end (12). */
    private Path writeLog() {
        Path dir = root.resolve("orders-0");
        PartitionLog log = PartitionLog.builder(dir).time(time).hadCleanShutdown(true).open();
        log.appendAsLeader(batch(42, 3, 0, 5), 0);
        log.roll();
        time.advance(1_000);
        log.appendAsLeader(batch(42, 3, 5, 4), 0);
        log.appendAsLeader(batch(77, 0, 0, 3), 0);
        log.close();
        assertThat(dir.resolve("00000000000000000005.snapshot")).exists();
        assertThat(dir.resolve("00000000000000000012.snapshot")).exists();
        return dir;
    }

    @Test
    void kafkasProducerStateManagerReadsTheSnapshot() throws Exception {
        Path dir = writeLog();
        Map<Long, org.apache.kafka.storage.internals.log.ProducerStateEntry> entries =
                org.apache.kafka.storage.internals.log.ProducerStateManager
                        .readSnapshot(dir.resolve("00000000000000000012.snapshot").toFile()).stream()
                        .collect(Collectors.toMap(org.apache.kafka.storage.internals.log.ProducerStateEntry::producerId,
                                Function.identity()));
        assertThat(entries).containsOnlyKeys(42L, 77L);
        var first = entries.get(42L);
        assertThat(first.producerEpoch()).isEqualTo((short) 3);
        assertThat(first.firstSeq()).isEqualTo(5);
        assertThat(first.lastSeq()).isEqualTo(8);
        assertThat(first.firstDataOffset()).isEqualTo(5);
        assertThat(first.lastDataOffset()).isEqualTo(8);
        assertThat(first.lastTimestamp()).isEqualTo(time.milliseconds());
        assertThat(first.coordinatorEpoch()).isEqualTo(-1);
        assertThat(first.currentTxnFirstOffset()).isEmpty();
        var second = entries.get(77L);
        assertThat(second.lastSeq()).isEqualTo(2);
        assertThat(second.lastDataOffset()).isEqualTo(11);
        var atRoll = org.apache.kafka.storage.internals.log.ProducerStateManager
                .readSnapshot(dir.resolve("00000000000000000005.snapshot").toFile());
        assertThat(atRoll).hasSize(1);
        assertThat(atRoll.get(0).lastDataOffset()).isEqualTo(4);
    }

    @Test
    void kafkasDumpLogSegmentsPrintsTheSnapshot() throws Exception {
        Path dir = writeLog();
        String output = dumpLogSegments(dir.resolve("00000000000000000012.snapshot"));
        long timestamp = time.milliseconds();
        assertThat(output).contains("producerId: 42 producerEpoch: 3 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty"
                + " lastTimestamp: " + timestamp + " firstSequence: 5 lastSequence: 8 lastOffset: 8 offsetDelta: 3 timestamp: " + timestamp);
        assertThat(output).contains("producerId: 77 producerEpoch: 0 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty"
                + " lastTimestamp: " + timestamp + " firstSequence: 0 lastSequence: 2 lastOffset: 11 offsetDelta: 2");
    }

    /** Runs the tool and returns what it printed (Scala's println writes to Console.out, not System.out). */
    private static String dumpLogSegments(Path file) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        scala.Console.withOut(out, () -> {
            kafka.tools.DumpLogSegments.main(new String[] {"--files", file.toString()});
            return null;
        });
        out.flush();
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aLogThatNeverHadAProducerWritesOnlyAnEmptySnapshotOnClose() {
        Path dir = root.resolve("empty-0");
        PartitionLog log = PartitionLog.builder(dir).time(time).hadCleanShutdown(true).open();
        assertThat(List.of(dir.toFile().list())).noneMatch(name -> name.endsWith(".snapshot"));
        log.close();
        assertThat(dumpLogSegments(dir.resolve("00000000000000000000.snapshot"))).contains("Dumping");
    }
}
