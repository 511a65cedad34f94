package io.runnel.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.errors.ApiException;
import io.runnel.proto.AllocateProducerIdsRequest;
import io.runnel.proto.AllocateProducerIdsResponse;
import io.runnel.proto.ErrorCode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Producer ids from controller blocks, with the controller's answers driven by the test. */
class ProducerIdManagerTest {

    private final Deque<CompletableFuture<AllocateProducerIdsResponse>> calls = new ArrayDeque<>();
    private final List<AllocateProducerIdsRequest> requests = new ArrayList<>();
    private final ProducerIdManager manager = new ProducerIdManager(3, () -> 17, request -> {
        requests.add(request);
        CompletableFuture<AllocateProducerIdsResponse> call = new CompletableFuture<>();
        calls.addLast(call);
        return call;
    });

    private static AllocateProducerIdsResponse block(long start, int length) {
        return AllocateProducerIdsResponse.newBuilder().setError(ErrorCode.NONE).setProducerIdStart(start).setProducerIdLen(length).build();
    }

    @Test
    void callsWaitForTheFirstBlockThenGetConsecutiveIds() throws Exception {
        CompletableFuture<Long> first = manager.generateProducerId();
        CompletableFuture<Long> second = manager.generateProducerId();
        assertThat(first).isNotDone();
        assertThat(calls).hasSize(1);
        assertThat(requests.get(0).getBrokerId()).isEqualTo(3);
        assertThat(requests.get(0).getBrokerEpoch()).isEqualTo(17);
        calls.pollFirst().complete(block(1000, 10));
        assertThat(first.get()).isEqualTo(1000);
        assertThat(second.get()).isEqualTo(1001);
        assertThat(manager.generateProducerId().get()).isEqualTo(1002);
    }

    @Test
    void theNextBlockIsFetchedAheadAndUsedWhenTheCurrentRunsOut() throws Exception {
        manager.generateProducerId();
        calls.pollFirst().complete(block(0, 10));
        List<Long> ids = new ArrayList<>();
        for (int i = 1; i < 9; i++) {
            ids.add(manager.generateProducerId().get());
        }
        assertThat(calls).as("fetched at 90% of the block").hasSize(1);
        calls.pollFirst().complete(block(500, 10));
        ids.add(manager.generateProducerId().get());
        ids.add(manager.generateProducerId().get());
        assertThat(ids).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 500L);
    }

    @Test
    void aFailedFetchFailsTheWaitersRetriablyAndTheNextCallAsksAgain() throws Exception {
        CompletableFuture<Long> waiting = manager.generateProducerId();
        calls.pollFirst().complete(AllocateProducerIdsResponse.newBuilder().setError(ErrorCode.STALE_BROKER_EPOCH).build());
        assertThat(waiting).isCompletedExceptionally();
        try {
            waiting.get();
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOfSatisfying(ApiException.class, api -> {
                assertThat(api.code()).isEqualTo(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
                assertThat(api.isRetriable()).isTrue();
                assertThat(api.getMessage()).contains("STALE_BROKER_EPOCH");
            });
        }
        CompletableFuture<Long> again = manager.generateProducerId();
        assertThat(calls).hasSize(1);
        calls.pollFirst().complete(block(7, 5));
        assertThat(again.get()).isEqualTo(7);
    }

    @Test
    void tooManyWaitersAreRefusedInsteadOfQueued() {
        for (int i = 0; i < ProducerIdManager.WAITERS_MAX; i++) {
            manager.generateProducerId();
        }
        CompletableFuture<Long> refused = manager.generateProducerId();
        assertThat(refused).isCompletedExceptionally();
        assertThat(calls).hasSize(1);
    }
}
