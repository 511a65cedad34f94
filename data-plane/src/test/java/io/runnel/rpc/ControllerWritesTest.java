package io.runnel.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.common.errors.ApiException;
import io.runnel.common.errors.GrpcErrors;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ControllerWritesTest {

    /** A broker image that reaches {@code appliedOffset} and no further. */
    record FakeBrokerMetadata(long appliedOffset) implements BrokerMetadata {
        @Override
        public MetadataImage image() {
            return MetadataImage.EMPTY;
        }

        @Override
        public String clusterId() {
            return "c";
        }

        @Override
        public int activeControllerId() {
            return 1;
        }

        @Override
        public CompletableFuture<MetadataImage> awaitOffset(long offset) {
            return offset <= appliedOffset ? CompletableFuture.completedFuture(MetadataImage.EMPTY) : new CompletableFuture<>();
        }
    }

    @Test
    void timeoutsAreClampedToRequestTimeoutBeforeAnyArithmetic() {
        assertThat(ControllerWrites.clampTimeoutMs(Integer.MAX_VALUE, 30_000)).isEqualTo(30_000);
        assertThat(ControllerWrites.clampTimeoutMs(2_000_000_000, 30_000)).isEqualTo(30_000);
        assertThat(ControllerWrites.clampTimeoutMs(0, 30_000)).isEqualTo(30_000);
        assertThat(ControllerWrites.clampTimeoutMs(Integer.MIN_VALUE, 30_000)).isEqualTo(30_000);
        assertThat(ControllerWrites.clampTimeoutMs(1, 30_000)).isEqualTo(1);
        assertThat(ControllerWrites.clampTimeoutMs(12_345, 30_000)).isEqualTo(12_345);
    }

    @Test
    void theLargestTimeoutWaitsForTheAnswerInsteadOfFailingAtOnce() throws Exception {
        CompletableFuture<Long> call = new CompletableFuture<>();
        CompletableFuture<Long> answer = ControllerWrites.awaitApplied("CreateTopics", call, offset -> offset,
                new FakeBrokerMetadata(10), ControllerWrites.clampTimeoutMs(Integer.MAX_VALUE, Integer.MAX_VALUE));
        call.complete(10L);
        assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(10L);
    }

    @Test
    void noAnswerFromTheControllerIsATimeoutWithAnUnknownOutcome() {
        CompletableFuture<Long> answer = ControllerWrites.awaitApplied("CreateTopics", new CompletableFuture<Long>(),
                offset -> offset, new FakeBrokerMetadata(10), 50L);
        ApiException e = failure(answer);
        assertThat(e.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
        assertThat(e.metadata()).containsEntry(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_UNKNOWN);
        assertThat(e.getMessage()).contains("outcome unknown");
    }

    @Test
    void aCommittedChangeThisBrokerHasNotAppliedSaysItWasCommitted() {
        CompletableFuture<Long> answer = ControllerWrites.awaitApplied("DeleteTopics", CompletableFuture.completedFuture(42L),
                offset -> offset, new FakeBrokerMetadata(10), 50L);
        ApiException e = failure(answer);
        assertThat(e.code()).isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
        assertThat(e.metadata()).containsEntry(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_COMMITTED);
        assertThat(e.getMessage()).contains("committed at metadata offset 42");
    }

    @Test
    void aControllerErrorPassesOnUnchanged() {
        ApiException refused = new ApiException(ErrorCode.REQUEST_TIMED_OUT, "x", null,
                java.util.Map.of(GrpcErrors.OUTCOME_KEY, GrpcErrors.OUTCOME_NOT_APPLIED));
        CompletableFuture<Long> answer = ControllerWrites.awaitApplied("CreateTopics", CompletableFuture.failedFuture(refused),
                offset -> offset, new FakeBrokerMetadata(10), 10_000L);
        assertThat(failure(answer)).isSameAs(refused);
    }

    private static ApiException failure(CompletableFuture<?> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return (ApiException) Requests.unwrap(e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
