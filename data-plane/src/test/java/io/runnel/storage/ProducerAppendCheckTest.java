package io.runnel.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runnel.common.TopicPartition;
import io.runnel.common.errors.ApiException;
import io.runnel.common.record.RecordBatch;
import io.runnel.proto.ErrorCode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The idempotent producer's rules, checked without a log: one state map, batches in, outcome out. */
class ProducerAppendCheckTest {

    private static final TopicPartition TP = new TopicPartition("orders", 0);
    private static final long ISSUED_END = 1_000;

    private final Map<Long, ProducerStateEntry> state = new HashMap<>();
    private long nextOffset;

    /** A data batch of {@code count} records of producer {@code id} at the next offsets. */
    private ProducerBatchInfo batch(long id, int epoch, int baseSequence, int count) {
        long first = nextOffset;
        nextOffset += count;
        int last = RecordBatch.incrementSequence(baseSequence, count - 1);
        return new ProducerBatchInfo(id, (short) epoch, baseSequence, last, first, first + count - 1, 1_000 + first, false, false);
    }

    private ProducerAppendCheck.Outcome check(AppendOrigin origin, ProducerBatchInfo... batches) {
        return ProducerAppendCheck.checkLeaderAppend(TP, List.of(batches), state::get, origin, ISSUED_END);
    }

    /** Checks as a client append and records the outcome when accepted. */
    private ProducerAppendCheck.Outcome append(ProducerBatchInfo... batches) {
        ProducerAppendCheck.Outcome outcome = check(AppendOrigin.CLIENT, batches);
        if (outcome instanceof ProducerAppendCheck.Accepted accepted) {
            state.putAll(accepted.updates());
        }
        return outcome;
    }

    private void assertRefused(ErrorCode code, String messagePart, ProducerBatchInfo... batches) {
        assertThatThrownBy(() -> check(AppendOrigin.CLIENT, batches)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(messagePart);
        });
    }

    @Test
    void aRetryOfOneOfTheLastWindowOfBatchesIsADuplicateWithItsOriginalOffsets() {
        int window = ProducerStateEntry.BATCHES_RETAINED;
        ProducerBatchInfo first = batch(7, 0, 0, 3);
        append(first);
        for (int i = 1; i < window; i++) {
            append(batch(7, 0, 3 * i, 3));
        }
        ProducerAppendCheck.Outcome retry = append(first);
        assertThat(retry).isEqualTo(new ProducerAppendCheck.Duplicate(0, 2, 1_000));
        assertThat(state.get(7L).batches()).hasSize(window);
        // One more batch pushes the first out of the window: its retry is now older than anything remembered.
        append(batch(7, 0, 3 * window, 3));
        assertRefused(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "sequence " + 3 * (window + 1) + " is next", first);
    }

    @Test
    void aGapInTheSequenceIsOutOfOrderAndAnOlderEpochIsFenced() {
        append(batch(7, 2, 0, 5));
        assertRefused(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "sent sequence 6 to orders-0 but sequence 5 is next",
                batch(7, 2, 6, 1));
        assertRefused(ErrorCode.INVALID_PRODUCER_EPOCH, "sent epoch 1", batch(7, 1, 5, 1));
        assertRefused(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, "a new epoch starts at sequence 0", batch(7, 3, 5, 1));
        assertThat(append(batch(7, 3, 0, 1))).isInstanceOf(ProducerAppendCheck.Accepted.class);
        assertThat(state.get(7L).producerEpoch()).isEqualTo((short) 3);
        assertThat(state.get(7L).batches()).hasSize(1);
    }

    @Test
    void anUnknownProducerMustStartAtZeroAndAnIdNeverIssuedIsRefused() {
        assertRefused(ErrorCode.UNKNOWN_PRODUCER_ID, "has no state for producer 7", batch(7, 0, 4, 1));
        assertRefused(ErrorCode.UNKNOWN_PRODUCER_ID, "producer id 1000 was never issued", batch(ISSUED_END, 0, 0, 1));
        assertThat(append(batch(7, 0, 0, 1))).isInstanceOf(ProducerAppendCheck.Accepted.class);
    }

    @Test
    void sequencesWrapFromIntMaxToZero() {
        append(batch(7, 0, 0, 1));
        state.put(7L, new ProducerStateEntry(7, (short) 0, List.of(new ProducerBatchMetadata(Integer.MAX_VALUE - 1,
                Integer.MAX_VALUE - 1, 0, 0, 1)), 1, -1, -1));
        ProducerBatchInfo across = batch(7, 0, Integer.MAX_VALUE, 3);
        assertThat(across.lastSequence()).isEqualTo(1);
        assertThat(append(across)).isInstanceOf(ProducerAppendCheck.Accepted.class);
        assertThat(append(batch(7, 0, 2, 1))).isInstanceOf(ProducerAppendCheck.Accepted.class);
        assertThat(append(across)).isInstanceOf(ProducerAppendCheck.Duplicate.class);
    }

    @Test
    void severalBatchesOfOneRequestAreCheckedInOrderAndAWholeDuplicateRequestIsAnsweredAsOne() {
        ProducerBatchInfo a = batch(7, 0, 0, 2);
        ProducerBatchInfo b = batch(7, 0, 2, 2);
        assertThat(append(a, b)).isInstanceOf(ProducerAppendCheck.Accepted.class);
        assertThat(state.get(7L).lastSequence()).isEqualTo(3);
        assertThat(append(a, b)).isEqualTo(new ProducerAppendCheck.Duplicate(0, 3, 1_002));
        // A retried batch sent together with a new one: no single offset answers it.
        assertRefused(ErrorCode.INVALID_REQUEST, "other batches of the request are new", b, batch(7, 0, 4, 1));
    }

    @Test
    void batchesWithoutAProducerTakePartInNothing() {
        ProducerBatchInfo plain = new ProducerBatchInfo(-1, (short) -1, -1, -1, 0, 4, 5, false, false);
        ProducerAppendCheck.Outcome outcome = check(AppendOrigin.CLIENT, plain);
        assertThat(outcome).isEqualTo(new ProducerAppendCheck.Accepted(Map.of()));
    }

    @Test
    void aCoordinatorsBatchesAreCheckedForTheEpochOnly() {
        append(batch(7, 1, 0, 1));
        ProducerBatchInfo anySequence = batch(7, 1, 40, 1);
        assertThat(check(AppendOrigin.COORDINATOR, anySequence)).isInstanceOf(ProducerAppendCheck.Accepted.class);
        assertThatThrownBy(() -> check(AppendOrigin.COORDINATOR, batch(7, 0, 1, 1)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PRODUCER_EPOCH));
    }

    @Test
    void replayRecordsBatchesAsTheLogHasThemWithoutChecking() {
        Map<Long, ProducerStateEntry> replayed = ProducerAppendCheck.replay(List.of(batch(7, 0, 0, 2), batch(7, 0, 9, 1),
                batch(8, 4, 3, 1)), state::get);
        assertThat(replayed.get(7L).lastSequence()).isEqualTo(9);
        assertThat(replayed.get(7L).batches()).hasSize(2);
        assertThat(replayed.get(8L).producerEpoch()).isEqualTo((short) 4);
        assertThat(replayed.get(8L).lastDataOffset()).isEqualTo(3);
    }
}
