package io.runnel.replication.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.runnel.metadata.image.PartitionRegistration;
import io.runnel.proto.ErrorCode;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The replication core, one claim per test: high watermark, ISR proposals, divergence and truncation, and
 * the lease. The seeded simulation (replication.sim) checks the same code under faults; these pin down
 * each rule on its own.
 */
class PartitionStateTest {

    private static final ReplicationSettings SETTINGS = new ReplicationSettings(1_000, 400, 440, 100);
    private static final long NEVER = Long.MIN_VALUE;

    /** A log of offsets and epochs only, with LeaderEpochFileCache's rules. */
    private static final class FakeLog implements LogView {
        final TreeMap<Integer, Long> epochs = new TreeMap<>();
        long start;
        long end;

        FakeLog append(int epoch, int records) {
            if (epochs.isEmpty() || epochs.lastKey() < epoch) {
                epochs.put(epoch, end);
            }
            end += records;
            return this;
        }

        @Override
        public long logStartOffset() {
            return start;
        }

        @Override
        public long logEndOffset() {
            return end;
        }

        @Override
        public int latestEpoch() {
            return epochs.isEmpty() ? -1 : epochs.lastKey();
        }

        @Override
        public EpochEndOffset endOffsetFor(int epoch) {
            if (epochs.isEmpty()) {
                return EpochEndOffset.UNDEFINED;
            }
            if (epoch == epochs.lastKey()) {
                return new EpochEndOffset(epoch, end);
            }
            var higher = epochs.higherEntry(epoch);
            if (higher == null) {
                return EpochEndOffset.UNDEFINED;
            }
            var floor = epochs.floorEntry(epoch);
            return new EpochEndOffset(floor == null ? epoch : floor.getKey(), higher.getValue());
        }
    }

    private static PartitionRegistration registration(int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr,
                                                      int liveHandoffEpoch) {
        return new PartitionRegistration(List.of(1, 2, 3), isr, List.of(), List.of(), leader, leaderEpoch, partitionEpoch,
                liveHandoffEpoch);
    }

    private static PartitionState leader(FakeLog log, List<Integer> isr, long nowMs) {
        PartitionState state = new PartitionState(1, SETTINGS, 0);
        state.applyRegistration(registration(1, 0, 0, isr, 0), log, nowMs);
        return state;
    }

    private static final java.util.function.IntPredicate ALL_ELIGIBLE = id -> true;

    @Test
    void aLeaderAloneInItsIsrServesAtOnceAndItsHighWatermarkFollowsItsAppends() {
        FakeLog log = new FakeLog();
        PartitionState state = leader(log, List.of(1), 1_000);
        assertThat(state.isServing(NEVER, 1_000)).as("no follower to wait for, no predecessor").isTrue();
        log.append(0, 5);
        assertThat(state.onLeaderAppend(log).highWatermarkAdvanced()).isTrue();
        assertThat(state.highWatermark()).isEqualTo(5);
    }

    @Test
    void theHighWatermarkIsTheSmallestLogEndOfTheIsrAndWaitsForFollowersNotHeardFromAtThisEpoch() {
        FakeLog log = new FakeLog().append(0, 10);
        PartitionState state = leader(log, List.of(1, 2, 3), 0);
        assertThat(state.onLeaderAppend(log).highWatermarkAdvanced()).as("followers unknown").isFalse();
        state.onFollowerFetch(2, 10, 0, FollowerProgress.NO_TOKEN, -1, log, ALL_ELIGIBLE, 1);
        assertThat(state.highWatermark()).as("follower 3 not heard from").isZero();
        state.onFollowerFetch(3, 6, 0, FollowerProgress.NO_TOKEN, -1, log, ALL_ELIGIBLE, 2);
        assertThat(state.highWatermark()).isEqualTo(6);
        state.onFollowerFetch(3, 4, 0, FollowerProgress.NO_TOKEN, -1, log, ALL_ELIGIBLE, 3);
        assertThat(state.highWatermark()).as("never back").isEqualTo(6);
    }

    @Test
    void aFollowerThatHasNotCaughtUpForTheLagTimeIsProposedOutOfTheIsr() {
        FakeLog log = new FakeLog().append(0, 10);
        PartitionState state = leader(log, List.of(1, 2), 0);
        state.onFollowerFetch(2, 10, 0, FollowerProgress.NO_TOKEN, -1, log, ALL_ELIGIBLE, 100);
        log.append(0, 5);
        state.onLeaderAppend(log);
        assertThat(state.onTick(log, 1_100).proposal()).as("caught up at 100, lag 1000").isEmpty();
        IsrProposal shrink = state.onTick(log, 1_101).proposal().orElseThrow();
        assertThat(shrink.newIsr()).containsExactly(1);
        assertThat(state.maximalIsr()).as("the larger set counts until the controller answers").containsExactly(1, 2);
        state.onProposalCommitted(shrink, 0, 1, List.of(1), log);
        assertThat(state.isr()).containsExactly(1);
        assertThat(state.highWatermark()).isEqualTo(15);
    }

    @Test
    void aCaughtUpEligibleFollowerIsProposedIntoTheIsrAndAnIneligibleOneIsNot() {
        FakeLog log = new FakeLog().append(0, 10);
        PartitionState state = leader(log, List.of(1), 0);
        state.onLeaderAppend(log);
        assertThat(state.onFollowerFetch(2, 10, 0, FollowerProgress.NO_TOKEN, -1, log, id -> id != 2, 1).proposal())
                .as("broker 2 fenced").isEmpty();
        assertThat(state.onFollowerFetch(2, 9, 0, FollowerProgress.NO_TOKEN, -1, log, ALL_ELIGIBLE, 2).proposal())
                .as("below the high watermark").isEmpty();
        IsrProposal expand = state.onFollowerFetch(2, 10, 0, FollowerProgress.NO_TOKEN, -1, log, ALL_ELIGIBLE, 3)
                .proposal().orElseThrow();
        assertThat(expand).isEqualTo(new IsrProposal(0, 0, List.of(1, 2)));
        assertThat(state.onFollowerFetch(3, 10, 0, FollowerProgress.NO_TOKEN, -1, log, ALL_ELIGIBLE, 4).proposal())
                .as("one proposal in flight at a time").isEmpty();
        state.onProposalRefused(expand, 5);
        assertThat(state.onFollowerFetch(3, 10, 0, FollowerProgress.NO_TOKEN, -1, log, ALL_ELIGIBLE, 50).proposal())
                .as("proposals pause after a refusal").isEmpty();
        assertThat(state.onFollowerFetch(3, 10, 0, FollowerProgress.NO_TOKEN, -1, log, ALL_ELIGIBLE, 105).proposal())
                .isPresent();
    }

    @Test
    void aFetchAtAnotherEpochOrFromANonReplicaIsRefused() {
        FakeLog log = new FakeLog().append(0, 10);
        PartitionState state = leader(log, List.of(1, 2), 0);
        assertThat(state.validateFollowerFetch(2, -1, 0, -1, log).error()).isEqualTo(ErrorCode.FENCED_LEADER_EPOCH);
        assertThat(state.validateFollowerFetch(2, 1, 0, -1, log).error()).isEqualTo(ErrorCode.UNKNOWN_LEADER_EPOCH);
        assertThat(state.validateFollowerFetch(7, 0, 0, -1, log).error()).isEqualTo(ErrorCode.REPLICA_NOT_AVAILABLE);
        assertThat(state.validateFollowerFetch(2, 0, 11, -1, log).error()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(state.validateFollowerFetch(2, 0, 10, 0, log).isServe()).isTrue();
    }

    @Test
    void aFollowerWhoseLastEpochEndsEarlierOnTheLeaderIsToldWhereItDivergesAndTruncatesThere() {
        // Leader: epoch 0 for offsets 0..4, epoch 2 from 5. Follower: epoch 0 for 0..4, then epoch 1 for 5..7.
        FakeLog leaderLog = new FakeLog().append(0, 5).append(2, 5);
        PartitionState leader = new PartitionState(1, SETTINGS, 0);
        leader.applyRegistration(registration(1, 2, 0, List.of(1, 2), 0), leaderLog, 0);
        FakeLog followerLog = new FakeLog().append(0, 5).append(1, 3);
        FetchValidation validation = leader.validateFollowerFetch(2, 2, 8, 1, leaderLog);
        assertThat(validation.isDiverging()).isTrue();
        assertThat(validation.diverging()).isEqualTo(new EpochEndOffset(0, 5));

        PartitionState follower = new PartitionState(2, SETTINGS, 0);
        follower.applyRegistration(registration(1, 2, 0, List.of(1, 2), 0), followerLog, 0);
        FollowerStep step = follower.onFetchAnswer(2, 8, ErrorCode.NONE, validation.diverging(), 0, 10, followerLog, 1);
        assertThat(step.kind()).isEqualTo(FollowerStep.Kind.TRUNCATE);
        assertThat(step.offset()).isEqualTo(5);
    }

    @Test
    void theLeaseLapsesWithoutRenewalAndIsRenewedByAHeartbeatOrByEveryIsrFollowersToken() {
        FakeLog log = new FakeLog().append(0, 1);
        PartitionState state = leader(log, List.of(1, 2, 3), 1_000);
        assertThat(state.isServing(NEVER, 1_000)).as("no renewal yet").isFalse();
        assertThat(state.isServing(900, 1_000)).as("a heartbeat sent at 900").isTrue();
        assertThat(state.isServing(900, 1_300)).as("lease of 400 ms ended at 1300").isFalse();
        state.onFollowerAtCurrentEpoch(2, 1_200, -1, 1_250);
        assertThat(state.isServing(NEVER, 1_300)).as("only one of two followers renewed").isFalse();
        state.onFollowerAtCurrentEpoch(3, 1_210, -1, 1_260);
        assertThat(state.isServing(NEVER, 1_599)).as("renewed from the older token, 1200").isTrue();
        assertThat(state.isServing(NEVER, 1_600)).isFalse();
        state.onFollowerAtCurrentEpoch(2, 999, -1, 1_650);
        state.onFollowerAtCurrentEpoch(3, 5_000, -1, 1_650);
        assertThat(state.isServing(NEVER, 1_650)).as("tokens from before this leadership or from the future prove nothing")
                .isFalse();
    }

    @Test
    void aNewLeaderWaitsOutItsLastContactWithTheOldLeader() {
        FakeLog log = new FakeLog().append(0, 3);
        PartitionState state = new PartitionState(2, SETTINGS, 0);
        state.applyRegistration(registration(1, 0, 0, List.of(1, 2), 0), log, 0);
        state.onLeaderContact(1_000);
        state.applyRegistration(registration(2, 1, 1, List.of(2), 0), log, 1_100);
        assertThat(state.servingFromMs()).as("last contact 1000 + lease wait 440").isEqualTo(1_440);
        assertThat(state.isServing(NEVER, 1_439)).isFalse();
        assertThat(state.isServing(NEVER, 1_440)).isTrue();
    }

    @Test
    void afterALiveHandoffTheNewLeaderWaitsUnlessThePredecessorProvesItSteppedDown() {
        FakeLog log = new FakeLog().append(0, 3);
        PartitionState state = new PartitionState(2, SETTINGS, 0);
        state.applyRegistration(registration(1, 0, 0, List.of(1, 2), 0), log, 0);
        state.onLeaderAnswer(0, true, 3, log, 10); // the leader of epoch 0 told us it had established itself
        state.applyRegistration(registration(2, 1, 1, List.of(1, 2), 1), log, 5_000); // a preferred election
        assertThat(state.servingFromMs()).as("the deposed leader may hold a lease").isEqualTo(5_440);
        state.onFollowerAtCurrentEpoch(1, FollowerProgress.NO_TOKEN, 0, 5_010);
        assertThat(state.servingFromMs()).as("broker 1 established epoch 0 and now follows epoch 1").isEqualTo(5_010);
    }

    @Test
    void aNewLeaderServesReadsOnlyOnceItsHighWatermarkReachedTheStartOfItsEpoch() {
        FakeLog log = new FakeLog().append(0, 10);
        PartitionState state = new PartitionState(1, SETTINGS, 4);
        state.applyRegistration(registration(1, 3, 0, List.of(1, 2), 0), log, 0);
        assertThat(state.highWatermarkCaughtUp()).isFalse();
        state.onFollowerFetch(2, 10, 0, FollowerProgress.NO_TOKEN, -1, log, ALL_ELIGIBLE, 1);
        assertThat(state.highWatermarkCaughtUp()).isTrue();
        assertThat(state.highWatermark()).isEqualTo(10);
    }
}
